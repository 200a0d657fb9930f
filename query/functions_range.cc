// Range-vector functions over one window of samples (Prometheus 3.5 semantics).
#include "query/functions_range.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "query/eval_context.h"

namespace promlite::query {

namespace {

constexpr std::pair<std::string_view, RangeFunc> kRangeFuncs[] = {
    {"rate", RangeFunc::kRate},
    {"increase", RangeFunc::kIncrease},
    {"delta", RangeFunc::kDelta},
    {"irate", RangeFunc::kIrate},
    {"idelta", RangeFunc::kIdelta},
    {"deriv", RangeFunc::kDeriv},
    {"predict_linear", RangeFunc::kPredictLinear},
    {"resets", RangeFunc::kResets},
    {"changes", RangeFunc::kChanges},
    {"avg_over_time", RangeFunc::kAvgOverTime},
    {"sum_over_time", RangeFunc::kSumOverTime},
    {"min_over_time", RangeFunc::kMinOverTime},
    {"max_over_time", RangeFunc::kMaxOverTime},
    {"count_over_time", RangeFunc::kCountOverTime},
    {"last_over_time", RangeFunc::kLastOverTime},
    {"present_over_time", RangeFunc::kPresentOverTime},
    {"stddev_over_time", RangeFunc::kStddevOverTime},
    {"stdvar_over_time", RangeFunc::kStdvarOverTime},
    {"quantile_over_time", RangeFunc::kQuantileOverTime},
    {"mad_over_time", RangeFunc::kMadOverTime},
    {"absent_over_time", RangeFunc::kAbsentOverTime},
    {"double_exponential_smoothing", RangeFunc::kDoubleExponentialSmoothing},
    {"ts_of_last_over_time", RangeFunc::kTsOfLastOverTime},
    {"ts_of_max_over_time", RangeFunc::kTsOfMaxOverTime},
    {"ts_of_min_over_time", RangeFunc::kTsOfMinOverTime},
};

std::optional<double> window_rate(const Window& w, bool is_counter, bool is_rate) {
  if (w.n < 2) return std::nullopt;
  return extrapolated_rate(w.ts, w.vs, w.n, w.range_end, w.range, is_counter, is_rate, w.no_drops);
}

std::optional<double> instant_value(const Window& w, bool is_rate) {
  if (w.n < 2) return std::nullopt;
  double prev = w.vs[w.n - 2], last = w.vs[w.n - 1];
  double v = (is_rate && last < prev) ? last : last - prev;
  if (is_rate) {
    model::Duration dt = w.ts[w.n - 1] - w.ts[w.n - 2];
    if (dt == 0) return std::nullopt;
    v /= static_cast<double>(dt) / 1000;
  }
  return v;
}

double avg_over(const Window& w) {
  double sum = w.vs[0], count = 1, mean = 0, c = 0;
  bool incremental = false;
  for (size_t i = 1; i < w.n; ++i) {
    double f = w.vs[i];
    count = static_cast<double>(i + 1);
    if (!incremental) {
      double ns = sum, nc = c;
      kahan_add(f, ns, nc);
      if (!std::isinf(ns)) {
        sum = ns;
        c = nc;
        continue;
      }
      // The sum would overflow: switch to an incremental mean.
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    double q = (count - 1) / count;
    double m = q * mean, mc = q * c;
    kahan_add(f / count, m, mc);
    mean = m;
    c = mc;
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

double variance_over(const Window& w) {
  double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
  for (size_t i = 0; i < w.n; ++i) {
    double f = w.vs[i];
    count++;
    double delta = f - (mean + cmean);
    kahan_add(delta / count, mean, cmean);
    kahan_add(delta * (f - (mean + cmean)), aux, caux);
  }
  return (aux + caux) / count;
}

}  // namespace

std::optional<RangeFunc> find_range_func(std::string_view name) {
  for (const auto& [n, f] : kRangeFuncs) {
    if (n == name) return f;
  }
  return std::nullopt;
}

void linear_regression(const model::Timestamp* ts, const double* vs, size_t n,
                       model::Timestamp intercept_t, double* slope, double* intercept) {
  double sum_x = 0, cx = 0, sum_y = 0, cy = 0, sum_xy = 0, cxy = 0, sum_x2 = 0, cx2 = 0;
  double init_y = vs[0];
  bool const_y = true;
  for (size_t i = 0; i < n; ++i) {
    if (const_y && i > 0 && vs[i] != init_y) const_y = false;
    double x = static_cast<double>(ts[i] - intercept_t) / 1e3;
    kahan_add(x, sum_x, cx);
    kahan_add(vs[i], sum_y, cy);
    kahan_add(x * vs[i], sum_xy, cxy);
    kahan_add(x * x, sum_x2, cx2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = *intercept = std::nan("");
    } else {
      *slope = 0;
      *intercept = init_y;
    }
    return;
  }
  double dn = static_cast<double>(n);
  sum_x += cx;
  sum_y += cy;
  sum_xy += cxy;
  sum_x2 += cx2;
  double cov_xy = sum_xy - sum_x * sum_y / dn;
  double var_x = sum_x2 - sum_x * sum_x / dn;
  *slope = cov_xy / var_x;
  *intercept = sum_y / dn - *slope * sum_x / dn;
}

std::optional<double> apply_range_func(RangeFunc f, const Window& w) {
  switch (f) {
    case RangeFunc::kRate:
      return window_rate(w, true, true);
    case RangeFunc::kIncrease:
      return window_rate(w, true, false);
    case RangeFunc::kDelta:
      return window_rate(w, false, false);
    case RangeFunc::kIrate:
      return instant_value(w, true);
    case RangeFunc::kIdelta:
      return instant_value(w, false);
    case RangeFunc::kDeriv: {
      if (w.n < 2) return std::nullopt;
      double slope, icpt;
      linear_regression(w.ts, w.vs, w.n, w.ts[0], &slope, &icpt);
      return slope;
    }
    case RangeFunc::kPredictLinear: {
      if (w.n < 2) return std::nullopt;
      double slope, icpt;
      linear_regression(w.ts, w.vs, w.n, w.step_t, &slope, &icpt);
      return slope * w.arg1 + icpt;
    }
    case RangeFunc::kResets: {
      double r = 0;
      for (size_t i = 1; i < w.n; ++i) r += w.vs[i] < w.vs[i - 1] ? 1 : 0;
      return r;
    }
    case RangeFunc::kChanges: {
      double r = 0;
      for (size_t i = 1; i < w.n; ++i) {
        double a = w.vs[i - 1], b = w.vs[i];
        if (a != b && !(std::isnan(a) && std::isnan(b))) r++;
      }
      return r;
    }
    case RangeFunc::kAvgOverTime:
      return avg_over(w);
    case RangeFunc::kSumOverTime: {
      double sum = 0, c = 0;
      for (size_t i = 0; i < w.n; ++i) kahan_add(w.vs[i], sum, c);
      return sum + c;
    }
    case RangeFunc::kMinOverTime: {
      double m = w.vs[0];
      for (size_t i = 0; i < w.n; ++i) {
        if (w.vs[i] < m || std::isnan(m)) m = w.vs[i];
      }
      return m;
    }
    case RangeFunc::kMaxOverTime: {
      double m = w.vs[0];
      for (size_t i = 0; i < w.n; ++i) {
        if (w.vs[i] > m || std::isnan(m)) m = w.vs[i];
      }
      return m;
    }
    case RangeFunc::kCountOverTime:
      return static_cast<double>(w.n);
    case RangeFunc::kLastOverTime:
      return w.vs[w.n - 1];
    case RangeFunc::kPresentOverTime:
      return 1.0;
    case RangeFunc::kStddevOverTime:
      return std::sqrt(variance_over(w));
    case RangeFunc::kStdvarOverTime:
      return variance_over(w);
    case RangeFunc::kQuantileOverTime: {
      std::vector<double> v(w.vs, w.vs + w.n);
      return quantile_of(w.arg1, v);
    }
    case RangeFunc::kMadOverTime: {
      std::vector<double> v(w.vs, w.vs + w.n);
      double median = quantile_of(0.5, v);
      for (double& x : v) x = std::fabs(x - median);
      return quantile_of(0.5, v);
    }
    case RangeFunc::kDoubleExponentialSmoothing: {
      if (w.n < 2) return std::nullopt;
      double sf = w.arg1, tf = w.arg2;
      double s0 = 0, s1 = w.vs[0], b = w.vs[1] - w.vs[0];
      for (size_t i = 1; i < w.n; ++i) {
        double x = sf * w.vs[i];
        if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
        double y = (1 - sf) * (s1 + b);
        s0 = s1;
        s1 = x + y;
      }
      return s1;
    }
    case RangeFunc::kTsOfLastOverTime:
      return static_cast<double>(w.ts[w.n - 1]) / 1000;
    case RangeFunc::kTsOfMaxOverTime:
    case RangeFunc::kTsOfMinOverTime: {
      bool max = f == RangeFunc::kTsOfMaxOverTime;
      size_t best = 0;
      for (size_t i = 1; i < w.n; ++i) {
        double v = w.vs[i], m = w.vs[best];
        // The latest of equal extremes wins; NaN only when nothing else is there.
        if ((max ? v >= m : v <= m) || std::isnan(m)) best = i;
      }
      return static_cast<double>(w.ts[best]) / 1000;
    }
    case RangeFunc::kAbsentOverTime:
      break;
  }
  return std::nullopt;
}

}  // namespace promlite::query
