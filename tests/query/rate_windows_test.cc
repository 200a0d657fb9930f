// rate/increase/delta windows: the split extrapolation (RateShape, RateMemo,
// the zero-clamp shortcut) and the reset scan (has_drop) against direct
// transcriptions of Prometheus's extrapolatedRate and a scalar loop, to the
// bit.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "query/functions_range.h"
#include "query/range_windows.h"

namespace promlite::query {
namespace {

// Prometheus 3's extrapolatedRate for float samples, step by step.
double reference_rate(const std::vector<model::Timestamp>& ts, const std::vector<double>& vs,
                      model::Timestamp range_end, model::Duration range, bool is_counter,
                      bool is_rate) {
  const model::Timestamp range_start = range_end - range;
  const size_t last = ts.size() - 1;
  double result = vs[last] - vs[0];
  if (is_counter) {
    double prev = vs[0];
    for (size_t i = 1; i < vs.size(); ++i) {
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

struct Case {
  std::vector<model::Timestamp> ts;
  std::vector<double> vs;
  model::Timestamp range_end;
};

// Random windows of a 5m range: regular and jittered timestamps, counters
// with and without resets, and first values placed right at the zero clamp's
// boundary (vs[0] = result * duration_to_start / sampled, nudged by an ulp or
// a little more either way).
std::vector<Case> cases(std::mt19937_64& rng) {
  std::vector<Case> out;
  const model::Duration range = 300000;
  for (int i = 0; i < 20000; ++i) {
    Case c;
    c.range_end = 1'700'000'000'000 + static_cast<model::Timestamp>(rng() % 100000);
    const size_t n = 2 + rng() % 25;
    const bool jitter = rng() % 2 == 0;
    model::Timestamp t = c.range_end - range + 1 + static_cast<model::Timestamp>(rng() % 15000);
    for (size_t k = 0; k < n && t <= c.range_end; ++k) {
      c.ts.push_back(t);
      t += jitter ? 5000 + static_cast<model::Timestamp>(rng() % 20000) : 15000;
    }
    if (c.ts.size() < 2) continue;
    double v =
        (rng() % 3 == 0) ? 0 : std::ldexp(static_cast<double>(rng() % 1000000), -(int)(rng() % 30));
    for (size_t k = 0; k < c.ts.size(); ++k) {
      if (rng() % 40 == 0) v = static_cast<double>(rng() % 100);  // a reset
      c.vs.push_back(v);
      v += (rng() % 4 == 0) ? 0 : static_cast<double>(rng() % 1000) / 7;
    }
    if (rng() % 3 == 0) {
      // The first value at the clamp boundary.
      RateShape s = rate_shape(c.ts.front(), c.ts.back(), c.ts.size(), c.range_end, range, false);
      double result = c.vs.back() - c.vs.front();
      if (result > 0) {
        double v0 = result * (s.duration_to_start / s.sampled);
        switch (rng() % 5) {
          case 0:
            v0 = std::nextafter(v0, 0.0);
            break;
          case 1:
            v0 = std::nextafter(v0, 1e300);
            break;
          case 2:
            v0 *= 1 + 1e-10;
            break;
          case 3:
            v0 *= 1 - 1e-10;
            break;
          default:
            break;
        }
        const double shift = v0 - c.vs.front();
        for (double& x : c.vs) x += shift;
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

TEST(RateWindowsTest, SplitExtrapolationEqualsPrometheusToTheBit) {
  std::mt19937_64 rng(7);
  const model::Duration range = 300000;
  const std::vector<Case> all = cases(rng);
  for (bool is_counter : {true, false}) {
    for (bool is_rate : {true, false}) {
      RateMemo memo;  // reused across windows: hits and misses
      for (const Case& c : all) {
        const double want = reference_rate(c.ts, c.vs, c.range_end, range, is_counter, is_rate);
        const size_t n = c.ts.size();
        const double direct = extrapolated_rate(c.ts.data(), c.vs.data(), n, c.range_end, range,
                                                is_counter, is_rate, /*no_drops=*/false);
        const RateShape& shape =
            memo.get(c.ts.front(), c.ts.back(), n, c.range_end, range, is_rate);
        const double memoized =
            extrapolated_rate(shape, c.vs.data(), n, range, is_counter, is_rate, false);
        ASSERT_EQ(std::bit_cast<uint64_t>(direct), std::bit_cast<uint64_t>(want))
            << direct << " vs " << want;
        ASSERT_EQ(std::bit_cast<uint64_t>(memoized), std::bit_cast<uint64_t>(want))
            << memoized << " vs " << want;
      }
    }
  }
}

TEST(RateWindowsTest, HasDropFindsEveryResetLikeAScalarLoop) {
  std::mt19937_64 rng(11);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int i = 0; i < 20000; ++i) {
    std::vector<double> vs(rng() % 40);
    double v = 0;
    for (double& x : vs) {
      switch (rng() % 12) {
        case 0:
          x = nan;
          break;
        case 1:
          x = v - 1;
          break;  // a drop
        case 2:
          x = v;
          break;
        default:
          x = v += static_cast<double>(rng() % 10);
      }
      if (!std::isnan(x)) v = x;
    }
    bool want = false;
    for (size_t k = 1; k < vs.size(); ++k) want |= vs[k] < vs[k - 1];
    ASSERT_EQ(has_drop(vs.data(), vs.size()), want) << i;
  }
  // One drop at every position of a long rising series.
  std::vector<double> rising(37);
  for (size_t k = 0; k < rising.size(); ++k) rising[k] = static_cast<double>(k);
  EXPECT_FALSE(has_drop(rising.data(), rising.size()));
  for (size_t k = 1; k < rising.size(); ++k) {
    std::vector<double> d = rising;
    d[k] = -1;
    EXPECT_TRUE(has_drop(d.data(), d.size())) << k;
  }
}

}  // namespace
}  // namespace promlite::query
