// A 128-bit fingerprint of a byte string, for caches that identify long keys
// (raw exposition series, remote-write label bytes) without keeping them.
//
// Not cryptographic and not stable across versions: use it for in-memory
// lookups only, never on disk. Two different inputs share a fingerprint with
// odds of about n^2 / 2^129 among n keys (1e-28 at a million).
#pragma once

#include <cstdint>
#include <string_view>

namespace promlite::model {

struct Fingerprint128 {
  uint64_t lo = 0;
  uint64_t hi = 0;
  bool operator==(const Fingerprint128&) const = default;
};

Fingerprint128 fingerprint128(std::string_view bytes);

}  // namespace promlite::model
