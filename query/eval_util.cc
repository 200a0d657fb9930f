// Small helpers shared by the evaluator files.
#include <algorithm>
#include <charconv>
#include <cmath>

#include "query/eval_context.h"

namespace promlite::query {

size_t SeriesCollector::series_for(const model::Labels& metric) {
  auto [it, inserted] = index_.try_emplace(metric.data(), out_.size());
  if (inserted) out_.push_back(StepSeries{metric, {}});
  return it->second;
}

bool SeriesCollector::add(size_t idx, model::Timestamp t, double v) {
  auto& pts = out_[idx].points;
  if (!pts.empty() && pts.back().t == t) return false;
  pts.push_back({t, v});
  return true;
}

StepMatrix SeriesCollector::take() {
  index_.clear();
  StepMatrix out = std::move(out_);
  out_.clear();
  // Points may arrive out of order when series are merged; keep them sorted.
  for (auto& s : out) {
    if (!std::is_sorted(s.points.begin(), s.points.end(),
                        [](const model::Sample& a, const model::Sample& b) { return a.t < b.t; })) {
      std::sort(s.points.begin(), s.points.end(),
                [](const model::Sample& a, const model::Sample& b) { return a.t < b.t; });
    }
  }
  return out;
}

model::Labels drop_metric_name(const model::Labels& l) {
  if (!l.has(model::kMetricName)) return l;
  model::LabelsBuilder b(l);
  b.del(model::kMetricName);
  return b.build();
}

double go_max(double a, double b) {
  if (std::isinf(a) && a > 0) return a;
  if (std::isinf(b) && b > 0) return b;
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  if (a == 0 && a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

double go_min(double a, double b) {
  if (std::isinf(a) && a < 0) return a;
  if (std::isinf(b) && b < 0) return b;
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  if (a == 0 && a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

double quantile_of(double q, std::vector<double>& values) {
  if (values.empty() || std::isnan(q)) return std::nan("");
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  // NaNs sort first, as Prometheus's vectorByValueHeap orders them. Only the
  // two ranks around q are needed: a selection, not a full sort (linear time).
  auto less = [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    return a < b;
  };
  double n = static_cast<double>(values.size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  auto lo = values.begin() + static_cast<ptrdiff_t>(lower);
  std::nth_element(values.begin(), lo, values.end(), less);
  double lower_value = *lo;
  double upper_value = upper > lower ? *std::min_element(lo + 1, values.end(), less) : lower_value;
  return lower_value * (1 - weight) + upper_value * weight;
}

std::string format_go_float(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[512];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

bool is_valid_label_name(std::string_view name) {
  // Prometheus 3 (UTF-8 names): any non-empty valid UTF-8 string.
  if (name.empty()) return false;
  size_t i = 0;
  while (i < name.size()) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > name.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(name[i + k]) >> 6) != 2) return false;
    }
    i += len;
  }
  return true;
}

EvalValue scalar_value(size_t steps, double v) {
  EvalValue out;
  out.type = ValueType::kScalar;
  out.scalar.assign(steps, v);
  return out;
}

}  // namespace promlite::query
