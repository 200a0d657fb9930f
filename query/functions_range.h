// Range-vector functions (rate, *_over_time, ...) on one window of samples.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "model/duration.h"
#include "model/sample.h"

namespace promlite::query {

enum class RangeFunc {
  kRate,
  kIncrease,
  kDelta,
  kIrate,
  kIdelta,
  kDeriv,
  kPredictLinear,
  kResets,
  kChanges,
  kAvgOverTime,
  kSumOverTime,
  kMinOverTime,
  kMaxOverTime,
  kCountOverTime,
  kLastOverTime,
  kPresentOverTime,
  kStddevOverTime,
  kStdvarOverTime,
  kQuantileOverTime,
  kMadOverTime,
  kAbsentOverTime,
  kDoubleExponentialSmoothing,
  kTsOfLastOverTime,
  kTsOfMaxOverTime,
  kTsOfMinOverTime,
};

// The range function called `name`, if it is one.
std::optional<RangeFunc> find_range_func(std::string_view name);

// One window: samples ts[0..n) / vs[0..n), n >= 1, for the window
// (range_end - range, range_end] evaluated at step time `step_t`.
struct Window {
  const model::Timestamp* ts = nullptr;
  const double* vs = nullptr;
  size_t n = 0;
  model::Timestamp range_end = 0;
  model::Duration range = 0;
  model::Timestamp step_t = 0;
  double arg1 = 0;  // predict_linear's duration, quantile's q, smoothing factor
  double arg2 = 0;  // trend factor
  // Set by a caller that knows no value in the window is below the one before
  // it (no counter reset), so rate and increase skip looking for resets.
  bool no_drops = false;
};

// The function's value over the window, or nullopt when it yields no sample.
std::optional<double> apply_range_func(RangeFunc f, const Window& w);

// Prometheus's extrapolatedRate for rate, increase and delta over the window
// ts[0..n) / vs[0..n), n >= 2, ending at range_end. With `no_drops` the
// caller knows no value is below the one before it (no counter reset).
inline double extrapolated_rate(const model::Timestamp* ts, const double* vs, size_t n,
                                model::Timestamp range_end, model::Duration range, bool is_counter,
                                bool is_rate, bool no_drops) {
  model::Timestamp range_start = range_end - range;
  size_t last = n - 1;
  double result = vs[last] - vs[0];
  if (is_counter && !no_drops) {
    double prev = vs[0];
    for (size_t i = 1; i < n; ++i) {
      if (vs[i] < prev) result += prev;
      prev = vs[i];
    }
  }
  double duration_to_start = static_cast<double>(ts[0] - range_start) / 1000;
  double duration_to_end = static_cast<double>(range_end - ts[last]) / 1000;
  double sampled = static_cast<double>(ts[last] - ts[0]) / 1000;
  double avg_between = sampled / static_cast<double>(last);
  double threshold = avg_between * 1.1;
  double interval = sampled;
  if (duration_to_start >= threshold) duration_to_start = avg_between / 2;
  if (is_counter && result > 0 && vs[0] >= 0) {
    // A counter cannot go below zero: do not extrapolate past that point.
    double duration_to_zero = sampled * (vs[0] / result);
    if (duration_to_zero < duration_to_start) duration_to_start = duration_to_zero;
  }
  interval += duration_to_start;
  if (duration_to_end >= threshold) duration_to_end = avg_between / 2;
  interval += duration_to_end;
  double factor = interval / sampled;
  if (is_rate) factor /= static_cast<double>(range) / 1000;
  return result * factor;
}

// Prometheus's linear regression (Kahan sums, x in seconds from intercept_t).
void linear_regression(const model::Timestamp* ts, const double* vs, size_t n,
                       model::Timestamp intercept_t, double* slope, double* intercept);

}  // namespace promlite::query
