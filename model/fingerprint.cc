#include "model/fingerprint.h"

#include <cstring>

namespace promlite::model {
namespace {

inline uint64_t load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace

Fingerprint128 fingerprint128(std::string_view raw) {
  // Four independent multiply-fold chains (the CPU runs them side by side):
  // chains 0 and 1 make `lo`, 2 and 3 (other seeds) make `hi`; 0 and 2 take the
  // even 16-byte blocks, 1 and 3 the odd ones.
  constexpr uint64_t kP0 = 0xa0761d6478bd642fULL, kP1 = 0xe7037ed1a0b428dbULL,
                     kP2 = 0x8ebc6af09c88c6e3ULL, kP3 = 0x589965cc75374cc3ULL;
  auto mix = [](uint64_t x, uint64_t y) {
    __uint128_t r = static_cast<__uint128_t>(x) * y;
    return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
  };
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  size_t n = raw.size();
  uint64_t h0 = mix(n ^ kP0, kP1), h1 = mix(n ^ kP1, kP2), h2 = mix(n ^ kP2, kP3),
           h3 = mix(n ^ kP3, kP0);
  while (n >= 32) {
    const uint64_t w0 = load64(p), w1 = load64(p + 8), w2 = load64(p + 16), w3 = load64(p + 24);
    h0 = mix(w0 ^ kP0 ^ h0, w1 ^ kP1);
    h1 = mix(w2 ^ kP1 ^ h1, w3 ^ kP2);
    h2 = mix(w0 ^ kP2 ^ h2, w1 ^ kP3);
    h3 = mix(w2 ^ kP3 ^ h3, w3 ^ kP0);
    p += 32;
    n -= 32;
  }
  // The last 1..31 bytes: the input's last 32 bytes (overlapping what was
  // hashed; the length is in the seeds), or zero-padded when shorter.
  if (n > 0) {
    unsigned char tail[32] = {};
    const unsigned char* t = tail;
    if (raw.size() >= 32) {
      t = p + n - 32;
    } else {
      std::memcpy(tail, p, n);
    }
    const uint64_t w0 = load64(t), w1 = load64(t + 8), w2 = load64(t + 16), w3 = load64(t + 24);
    h0 = mix(w0 ^ kP0 ^ h0, w1 ^ kP1);
    h1 = mix(w2 ^ kP1 ^ h1, w3 ^ kP2);
    h2 = mix(w0 ^ kP2 ^ h2, w1 ^ kP3);
    h3 = mix(w2 ^ kP3 ^ h3, w3 ^ kP0);
  }
  Fingerprint128 f;
  f.lo = mix(h0 ^ kP2, h1 ^ kP3);
  f.hi = mix(h2 ^ kP0, h3 ^ kP1);
  return f;
}

}  // namespace promlite::model
