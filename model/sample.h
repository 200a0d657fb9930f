// Samples, timestamps and the staleness marker shared by every module.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>

namespace promlite::model {

// Timestamps are int64 milliseconds since the Unix epoch everywhere in promlite.
using Timestamp = int64_t;

inline constexpr Timestamp kMinTime = std::numeric_limits<int64_t>::min();
inline constexpr Timestamp kMaxTime = std::numeric_limits<int64_t>::max();

struct Sample {
  Timestamp t = 0;
  double v = 0;
};

// The staleness marker is one particular NaN (Prometheus's value.StaleNaN). It is
// stored like any sample; the query engine ends a series at it. Other NaNs are
// ordinary values, so the check must compare bits, never use isnan().
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;

inline double stale_nan() {
  double d;
  std::memcpy(&d, &kStaleNaNBits, sizeof d);
  return d;
}

inline bool is_stale_nan(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits == kStaleNaNBits;
}

inline uint64_t float_bits(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

inline double bits_to_float(uint64_t bits) {
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

}  // namespace promlite::model
