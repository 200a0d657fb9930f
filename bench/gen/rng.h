// Small deterministic random sources for the workload generator: the same seed
// must give the same data on every machine, so no std:: distributions (their
// output is implementation-defined).
#pragma once

#include <cstdint>
#include <string>

namespace promlite::benchgen {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Mixes several integers into one hash (order matters).
inline uint64_t mix(uint64_t a, uint64_t b, uint64_t c = 0, uint64_t d = 0) {
  return splitmix64(splitmix64(splitmix64(splitmix64(a) ^ b) ^ c) ^ d);
}

// xoshiro256**: fast, good quality, 32 bytes of state.
class Rng {
 public:
  explicit Rng(uint64_t seed = 1) {
    for (auto& w : s_) {
      seed = splitmix64(seed);
      w = seed;
    }
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n).
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  // Approximately normal (Irwin-Hall of 4), mean 0, sd 1.
  double normal() {
    double s = uniform() + uniform() + uniform() + uniform();
    return (s - 2.0) * 1.7320508075688772;
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// n lowercase hex digits derived from h (for Flink-style 32-hex ids).
inline std::string hex_id(uint64_t h, int n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    if (i % 16 == 0) h = splitmix64(h + i);
    out.push_back(kDigits[(h >> ((i % 16) * 4)) & 0xf]);
  }
  return out;
}

}  // namespace promlite::benchgen
