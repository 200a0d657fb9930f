// Sample series generators shared by the chunkenc tests, benchmarks and the fuzz
// seed corpus: realistic shapes (counters, gauges, constants) and adversarial ones
// (NaN payloads, signed zeros, extreme timestamps).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "model/sample.h"

namespace promlite::tsdb::chunkenc::testing {

using model::Sample;

inline constexpr int64_t kEpochMs = 1'700'000'000'000;  // Nov 2023

// Scrape timestamps every `interval` ms with up to +-jitter ms of noise.
inline std::vector<int64_t> scrape_times(std::mt19937_64& rng, size_t n, int64_t interval,
                                         int64_t jitter, int64_t start = kEpochMs) {
  std::vector<int64_t> ts(n);
  std::uniform_int_distribution<int64_t> j(-jitter, jitter);
  for (size_t i = 0; i < n; ++i) {
    ts[i] = start + static_cast<int64_t>(i) * interval + (jitter ? j(rng) : 0);
  }
  return ts;
}

inline std::vector<Sample> zip(const std::vector<int64_t>& ts, const std::vector<double>& vs) {
  std::vector<Sample> out(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) out[i] = {ts[i], vs[i]};
  return out;
}

// An integer counter at a 15 s scrape interval; resets with probability reset_p.
inline std::vector<Sample> counter(std::mt19937_64& rng, size_t n, double reset_p = 0,
                                   int64_t jitter = 0) {
  auto ts = scrape_times(rng, n, 15'000, jitter);
  std::vector<double> vs(n);
  std::poisson_distribution<int> inc(40);
  std::bernoulli_distribution reset(reset_p);
  double v = 123456;
  for (size_t i = 0; i < n; ++i) {
    v = reset(rng) ? 0 : v + inc(rng);
    vs[i] = v;
  }
  return zip(ts, vs);
}

// A float gauge wandering as a random walk (full-precision values).
inline std::vector<Sample> float_gauge(std::mt19937_64& rng, size_t n) {
  auto ts = scrape_times(rng, n, 15'000, 0);
  std::vector<double> vs(n);
  std::normal_distribution<double> step(0, 0.5);
  double v = 42.0;
  for (size_t i = 0; i < n; ++i) {
    v += step(rng);
    vs[i] = v;
  }
  return zip(ts, vs);
}

// A gauge with `decimals` decimal digits (e.g. temperatures 21.37).
inline std::vector<Sample> decimal_gauge(std::mt19937_64& rng, size_t n, int decimals) {
  auto ts = scrape_times(rng, n, 15'000, 0);
  std::vector<double> vs(n);
  std::uniform_int_distribution<int> step(-50, 50);
  int64_t units = 2137;
  double div = std::pow(10.0, decimals);
  for (size_t i = 0; i < n; ++i) {
    units += step(rng);
    vs[i] = static_cast<double>(units) / div;
  }
  return zip(ts, vs);
}

inline std::vector<Sample> constant(std::mt19937_64& rng, size_t n, double v) {
  auto ts = scrape_times(rng, n, 15'000, 0);
  return zip(ts, std::vector<double>(n, v));
}

// Floats that stress bit-exactness.
inline std::vector<double> special_floats() {
  using L = std::numeric_limits<double>;
  return {0.0,
          -0.0,
          L::infinity(),
          -L::infinity(),
          L::quiet_NaN(),
          -L::quiet_NaN(),
          model::stale_nan(),
          model::bits_to_float(0x7ff0000000000001ULL),  // signalling NaN
          model::bits_to_float(0x7ff8dead0000beefULL),  // NaN with a payload
          model::bits_to_float(0xfff0000000000abcULL),
          L::denorm_min(),
          -L::denorm_min(),
          model::bits_to_float(0x000fffffffffffffULL),  // largest subnormal
          L::min(),
          L::max(),
          L::lowest(),
          L::epsilon(),
          1.0,
          -1.0,
          0.1,
          1e300,
          9007199254740993.0,
          -9007199254740992.0};
}

// Uniformly random bit patterns mixed with special values.
inline std::vector<Sample> random_bits(std::mt19937_64& rng, size_t n) {
  auto ts = scrape_times(rng, n, 1000, 500);
  auto sp = special_floats();
  std::vector<double> vs(n);
  for (size_t i = 0; i < n; ++i) {
    vs[i] = rng() % 3 == 0 ? sp[rng() % sp.size()] : model::bits_to_float(rng());
  }
  return zip(ts, vs);
}

// Timestamps at the edges of int64 and with huge, irregular or zero gaps.
inline std::vector<Sample> wild_times(std::mt19937_64& rng, size_t n) {
  std::vector<Sample> out(n);
  int64_t t = std::numeric_limits<int64_t>::min() + static_cast<int64_t>(rng() % 1000);
  for (size_t i = 0; i < n; ++i) {
    switch (rng() % 6) {
      case 0:
        break;  // equal timestamp
      case 1:
        t += 1;
        break;
      case 2:
        t += static_cast<int64_t>(rng() % 100'000);
        break;
      case 3:
        t += static_cast<int64_t>(rng() % (int64_t{1} << 40));
        break;
      default:
        t += static_cast<int64_t>(rng() % 20'000);
        break;
    }
    out[i] = {t, static_cast<double>(static_cast<int64_t>(rng() % 1000) - 500)};
  }
  // Jump to the top of the range for the tail, when there is one.
  if (n > 4) {
    int64_t top = std::numeric_limits<int64_t>::max() - static_cast<int64_t>(n);
    for (size_t i = n - 2; i < n; ++i) out[i].t = top + static_cast<int64_t>(i);
  }
  return out;
}

// Fully random int64 timestamps (not ordered): codecs must still round-trip them.
inline std::vector<Sample> random_times(std::mt19937_64& rng, size_t n) {
  std::vector<Sample> out(n);
  for (auto& s : out) s = {static_cast<int64_t>(rng()), static_cast<double>(rng() % 7)};
  return out;
}

// A random number in the two's-complement range of `bits` (1..64), as uint64.
inline uint64_t sign_extended_random(uint64_t r, unsigned bits) {
  return static_cast<uint64_t>(static_cast<int64_t>(r << (64 - bits)) >> (64 - bits));
}

// Values whose XORs have random windows: every lead 0..63 and trail, so that
// fields fit in the loaded word or straddle it, windows are reused or replaced,
// and special values (NaN payloads, the staleness marker, -0, inf, subnormals)
// appear between them.
inline std::vector<double> window_values(std::mt19937_64& rng, size_t n) {
  auto sp = testing::special_floats();
  std::vector<double> out(n);
  uint64_t v = rng();
  unsigned lo = 0, hi = 64;  // current XOR window [lo, hi)
  for (size_t i = 0; i < n; ++i) {
    switch (rng() % 10) {
      case 0:
        v = model::float_bits(sp[rng() % sp.size()]);
        break;
      case 1:
        break;  // repeat
      case 2:
      case 3: {  // new random window
        lo = static_cast<unsigned>(rng() % 64);
        hi = lo + 1 + static_cast<unsigned>(rng() % (64 - lo));
        [[fallthrough]];
      }
      default: {  // XOR inside the window (often reusable)
        uint64_t x = rng() & ((hi - lo == 64 ? ~0ULL : (1ULL << (hi - lo)) - 1) << lo);
        v ^= x == 0 ? uint64_t{1} << lo : x;
        break;
      }
    }
    out[i] = model::bits_to_float(v);
  }
  return out;
}

// Timestamps whose deltas of delta fall in every bucket, mostly 0 or small.
inline std::vector<int64_t> bucket_times(std::mt19937_64& rng, size_t n) {
  std::vector<int64_t> out(n);
  uint64_t t = rng() % 4 == 0 ? rng() : static_cast<uint64_t>(kEpochMs);
  uint64_t d = 15000;
  static constexpr unsigned kBits[] = {0, 8, 14, 20, 32, 64};
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) {
      unsigned r = static_cast<unsigned>(rng() % 100);
      unsigned b = r < 60 ? 0 : r < 80 ? 1 : r < 88 ? 2 : r < 94 ? 3 : r < 98 ? 4 : 5;
      uint64_t dod = b == 0 ? 0 : sign_extended_random(rng(), kBits[b]);
      d += dod;
      t += d;
    }
    out[i] = static_cast<int64_t>(t);
  }
  return out;
}

inline bool same_bits(const Sample& a, const Sample& b) {
  return a.t == b.t && model::float_bits(a.v) == model::float_bits(b.v);
}

}  // namespace promlite::tsdb::chunkenc::testing
