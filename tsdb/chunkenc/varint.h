// Varints and zigzag: the byte-level integer encodings the chunk formats share.
//
// uvarint: 7 bits per byte, least significant group first, high bit set on every
// byte but the last (the protobuf / Go encoding/binary layout); at most 10 bytes.
// zigzag maps signed to unsigned so small magnitudes stay short: 0,-1,1,-2 -> 0,1,2,3.
// See tsdb/FORMAT.md, "Chunks".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace promlite::tsdb::chunkenc {

inline constexpr size_t kMaxVarintBytes = 10;

inline uint64_t zigzag_encode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

inline int64_t zigzag_decode(uint64_t u) { return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1)); }

inline void put_uvarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

inline void put_varint(std::string& out, int64_t v) { put_uvarint(out, zigzag_encode(v)); }

// Number of bytes put_uvarint writes for `v`.
inline size_t uvarint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Reads a uvarint from [*p, end). On success advances *p and returns true. Returns
// false (leaving *p unchanged) when the input ends early or the value does not fit
// in 64 bits; never reads at or past `end`.
inline bool get_uvarint(const uint8_t** p, const uint8_t* end, uint64_t* out) {
  const uint8_t* q = *p;
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (q == end) return false;
    uint8_t b = *q++;
    if (shift == 63 && b > 1) return false;  // overflows 64 bits
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) {
      *out = v;
      *p = q;
      return true;
    }
  }
  return false;
}

inline bool get_varint(const uint8_t** p, const uint8_t* end, int64_t* out) {
  uint64_t u;
  if (!get_uvarint(p, end, &u)) return false;
  *out = zigzag_decode(u);
  return true;
}

}  // namespace promlite::tsdb::chunkenc
