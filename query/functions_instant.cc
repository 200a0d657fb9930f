// Evaluator: instant-vector functions that map each sample (math, clamp,
// round, date functions) and sort/sort_desc.
#include <algorithm>
#include <cmath>
#include <functional>

#include "query/eval_context.h"
#include "query/function_signatures.h"

namespace promlite::query {

namespace {

// Civil date from days since 1970-01-01 (proleptic Gregorian).
void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2 ? 1 : 0);
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month_of(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Value of a date function for a Unix time in seconds.
double date_part(std::string_view fn, double seconds) {
  int64_t s = static_cast<int64_t>(seconds);
  int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
  int64_t sod = s - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  if (fn == "year") return static_cast<double>(y);
  if (fn == "month") return m;
  if (fn == "day_of_month") return d;
  if (fn == "day_of_week") return static_cast<double>(((days % 7) + 11) % 7);
  if (fn == "day_of_year") {
    static const unsigned kCum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    return kCum[m - 1] + d + (m > 2 && is_leap(y) ? 1 : 0);
  }
  if (fn == "days_in_month") return days_in_month_of(y, m);
  if (fn == "hour") return static_cast<double>(sod / 3600);
  if (fn == "minute") return static_cast<double>((sod % 3600) / 60);
  return std::nan("");
}

bool is_date_function(std::string_view n) {
  return n == "year" || n == "month" || n == "day_of_month" || n == "day_of_week" ||
         n == "day_of_year" || n == "days_in_month" || n == "hour" || n == "minute";
}

using MathFn = double (*)(double);

MathFn math_function(std::string_view n) {
  static const std::pair<std::string_view, MathFn> kFns[] = {
      {"abs", [](double v) { return std::fabs(v); }},
      {"ceil", [](double v) { return std::ceil(v); }},
      {"floor", [](double v) { return std::floor(v); }},
      {"exp", [](double v) { return std::exp(v); }},
      {"ln", [](double v) { return std::log(v); }},
      {"log2", [](double v) { return std::log2(v); }},
      {"log10", [](double v) { return std::log10(v); }},
      {"sqrt", [](double v) { return std::sqrt(v); }},
      {"sgn", [](double v) { return v < 0   ? -1.0
                                    : v > 0 ? 1.0
                                            : v; }},
      {"sin", [](double v) { return std::sin(v); }},
      {"cos", [](double v) { return std::cos(v); }},
      {"tan", [](double v) { return std::tan(v); }},
      {"asin", [](double v) { return std::asin(v); }},
      {"acos", [](double v) { return std::acos(v); }},
      {"atan", [](double v) { return std::atan(v); }},
      {"sinh", [](double v) { return std::sinh(v); }},
      {"cosh", [](double v) { return std::cosh(v); }},
      {"tanh", [](double v) { return std::tanh(v); }},
      {"asinh", [](double v) { return std::asinh(v); }},
      {"acosh", [](double v) { return std::acosh(v); }},
      {"atanh", [](double v) { return std::atanh(v); }},
      {"deg", [](double v) { return v * 180 / M_PI; }},
      {"rad", [](double v) { return v * M_PI / 180; }},
  };
  for (const auto& [name, fn] : kFns) {
    if (name == n) return fn;
  }
  return nullptr;
}

}  // namespace

Result<EvalValue> Evaluator::eval_instant_function(const Call& c) {
  std::string_view name = c.func->name;
  if (is_date_function(name) && c.args.empty()) {
    EvalValue out;
    StepSeries ss;
    for (size_t i = 0; i < steps_; ++i) {
      model::Timestamp t = step_time(i);
      ss.points.push_back({t, date_part(name, static_cast<double>(t / 1000))});
    }
    out.vec.push_back(std::move(ss));
    return out;
  }
  // Scalar arguments after the vector, one value per step.
  std::vector<std::vector<double>> sargs;
  for (size_t i = 1; i < c.args.size(); ++i) {
    auto s = eval_scalar_arg(*c.args[i]);
    if (!s) return s.status();
    sargs.push_back(std::move(s.value()));
  }
  auto inres = eval(*c.args[0]);
  if (!inres) return inres;
  StepMatrix in = std::move(inres->vec);
  if (name == "sort" || name == "sort_desc") {
    // Only meaningful for one step; NaN sorts last either way. Sorts (value,
    // position) pairs, then moves the series into place.
    bool desc = name == "sort_desc";
    std::vector<std::pair<double, size_t>> order(in.size());
    for (size_t k = 0; k < in.size(); ++k) order[k] = {in[k].points.front().v, k};
    auto less = [desc](const std::pair<double, size_t>& a, const std::pair<double, size_t>& b) {
      double x = a.first, y = b.first;
      if (std::isnan(x)) return false;
      if (std::isnan(y)) return true;
      return desc ? x > y : x < y;
    };
    if (!interruptible_stable_sort(order.begin(), order.end(), less)) return check_interrupt();
    EvalValue out;
    out.vec.reserve(in.size());
    for (const auto& o : order) out.vec.push_back(std::move(in[o.second]));
    return out;
  }
  std::function<std::optional<double>(double, size_t)> fn;
  if (MathFn m = math_function(name)) {
    fn = [m](double v, size_t) { return std::optional<double>(m(v)); };
  } else if (is_date_function(name)) {
    fn = [name](double v, size_t) -> std::optional<double> {
      if (std::isnan(v) || std::isinf(v)) return std::nullopt;
      return date_part(name, v);
    };
  } else if (name == "clamp") {
    fn = [&sargs](double v, size_t i) -> std::optional<double> {
      double lo = sargs[0][i], hi = sargs[1][i];
      if (hi < lo) return std::nullopt;
      return go_max(lo, go_min(hi, v));
    };
  } else if (name == "clamp_min") {
    fn = [&sargs](double v, size_t i) { return std::optional<double>(go_max(sargs[0][i], v)); };
  } else if (name == "clamp_max") {
    fn = [&sargs](double v, size_t i) { return std::optional<double>(go_min(sargs[0][i], v)); };
  } else if (name == "round") {
    fn = [&sargs](double v, size_t i) {
      double to_nearest = sargs.empty() ? 1.0 : sargs[0][i];
      double inv = 1.0 / to_nearest;
      return std::optional<double>(std::floor(v * inv + 0.5) / inv);
    };
  } else {
    return invalid_argument("NOT YET: function " + std::string(name));
  }
  SeriesCollector col;
  for (auto& s : in) {
    if (tick(static_cast<int64_t>(s.points.size()) + 1)) return check_interrupt();
    size_t idx = SIZE_MAX;
    for (const auto& p : s.points) {
      auto v = fn(p.v, step_index(p.t));
      if (!v) continue;
      if (idx == SIZE_MAX) idx = col.series_for(drop_metric_name(s.metric));
      if (!col.add(idx, p.t, *v)) return exec_error(kDuplicateLabelset);
    }
  }
  EvalValue out;
  out.vec = col.take();
  return out;
}

}  // namespace promlite::query
