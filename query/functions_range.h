// Range-vector functions (rate, *_over_time, ...) on one window of samples.
#pragma once

#include <cstddef>
#include <limits>
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

// Prometheus's extrapolatedRate, split in two: what depends only on where
// the window's samples sit in it (RateShape: the extrapolation factor before
// the clamp at a counter's zero, six divisions), and the rest. Windows of a
// regular series at a step that is a multiple of its interval all have one
// shape, so a range query computes it once per series (RateMemo) and the
// result is the same to the bit.
struct RateShape {
  double duration_to_start = 0;  // after the threshold rule
  double duration_to_end = 0;    // after the threshold rule
  double sampled = 0;            // seconds between the first and last sample
  double factor = 0;             // without the zero clamp; over the range for rate
  // A counter's first value above result * clamp_bound is far enough from
  // zero that the clamp cannot apply (its division is then skipped): the
  // bound is duration_to_start / sampled with a margin much wider than the
  // rounding of either computation. Set by RateMemo, whose shapes serve many
  // windows; infinity (always the exact check) for a shape used once.
  double clamp_bound = std::numeric_limits<double>::infinity();
};

inline RateShape rate_shape(model::Timestamp first_t, model::Timestamp last_t, size_t n,
                            model::Timestamp range_end, model::Duration range, bool is_rate) {
  const model::Timestamp range_start = range_end - range;
  RateShape s;
  s.duration_to_start = static_cast<double>(first_t - range_start) / 1000;
  s.duration_to_end = static_cast<double>(range_end - last_t) / 1000;
  s.sampled = static_cast<double>(last_t - first_t) / 1000;
  const double avg_between = s.sampled / static_cast<double>(n - 1);
  const double threshold = avg_between * 1.1;
  if (s.duration_to_start >= threshold) s.duration_to_start = avg_between / 2;
  if (s.duration_to_end >= threshold) s.duration_to_end = avg_between / 2;
  s.factor = (s.sampled + s.duration_to_start + s.duration_to_end) / s.sampled;
  if (is_rate) s.factor /= static_cast<double>(range) / 1000;
  return s;
}

// The last shape computed, keyed by where the samples sit in the window.
struct RateMemo {
  model::Timestamp to_start = -1, to_end = -1;
  size_t n = 0;
  RateShape shape;

  const RateShape& get(model::Timestamp first_t, model::Timestamp last_t, size_t n_samples,
                       model::Timestamp range_end, model::Duration range, bool is_rate) {
    const model::Timestamp s = first_t - (range_end - range), e = range_end - last_t;
    if (s != to_start || e != to_end || n_samples != n) {
      to_start = s;
      to_end = e;
      n = n_samples;
      shape = rate_shape(first_t, last_t, n_samples, range_end, range, is_rate);
      shape.clamp_bound = shape.duration_to_start / shape.sampled * (1 + 1e-9);
    }
    return shape;
  }
};

// extrapolatedRate for rate, increase and delta over the window ts[0..n) /
// vs[0..n), n >= 2, ending at range_end, with the window's shape. With
// `no_drops` the caller knows no value is below the one before it (no
// counter reset).
inline double extrapolated_rate(const RateShape& shape, const double* vs, size_t n,
                                model::Duration range, bool is_counter, bool is_rate,
                                bool no_drops) {
  double result = vs[n - 1] - vs[0];
  if (is_counter && !no_drops) {
    double prev = vs[0];
    for (size_t i = 1; i < n; ++i) {
      if (vs[i] < prev) result += prev;
      prev = vs[i];
    }
  }
  double factor = shape.factor;
  // One branch, almost never taken, instead of three (histogram buckets
  // often have result == 0, which a branch on it mispredicts).
  const bool near_zero =
      (result > 0) & (vs[0] >= 0) & !(vs[0] > result * shape.clamp_bound);  // NOLINT
  if (is_counter && near_zero) {
    // A counter cannot go below zero: do not extrapolate past that point.
    const double duration_to_zero = shape.sampled * (vs[0] / result);
    if (duration_to_zero < shape.duration_to_start) {
      factor = (shape.sampled + duration_to_zero + shape.duration_to_end) / shape.sampled;
      if (is_rate) factor /= static_cast<double>(range) / 1000;
    }
  }
  return result * factor;
}

inline double extrapolated_rate(const model::Timestamp* ts, const double* vs, size_t n,
                                model::Timestamp range_end, model::Duration range, bool is_counter,
                                bool is_rate, bool no_drops) {
  return extrapolated_rate(rate_shape(ts[0], ts[n - 1], n, range_end, range, is_rate), vs, n, range,
                           is_counter, is_rate, no_drops);
}

// Prometheus's linear regression (Kahan sums, x in seconds from intercept_t).
void linear_regression(const model::Timestamp* ts, const double* vs, size_t n,
                       model::Timestamp intercept_t, double* slope, double* intercept);

}  // namespace promlite::query
