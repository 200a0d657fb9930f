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

// Prometheus's linear regression (Kahan sums, x in seconds from intercept_t).
void linear_regression(const model::Timestamp* ts, const double* vs, size_t n,
                       model::Timestamp intercept_t, double* slope, double* intercept);

}  // namespace promlite::query
