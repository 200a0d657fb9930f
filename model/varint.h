// Varints, zigzag and little-endian fixed64: the byte-level integer encodings
// shared by the chunk formats, the WAL and checkpoint records, model::Labels'
// buffer and the protobuf wire format (remote write).
//
// uvarint: 7 bits per byte, least significant group first, high bit set on every
// byte but the last (the protobuf / Go encoding/binary layout); at most 10 bytes.
// zigzag maps signed to unsigned so small magnitudes stay short: 0,-1,1,-2 -> 0,1,2,3.
// See tsdb/FORMAT.md, "Chunks".
//
// The functions are pure (no state); the decoders never read at or past `end`.
// ByteCursor (below) reads a record field by field with one error check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace promlite::model {

inline constexpr size_t kMaxVarintBytes = 10;

inline uint64_t zigzag_encode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

inline int64_t zigzag_decode(uint64_t u) { return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1)); }

// Writes `v` at `p`, which must have room for uvarint_size(v) bytes; returns
// the byte after the last one written.
inline char* put_uvarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// The same over uint8_t bytes.
inline uint8_t* put_uvarint(uint8_t* p, uint64_t v) {
  return reinterpret_cast<uint8_t*>(put_uvarint(reinterpret_cast<char*>(p), v));
}

// Appends `v` to `out`.
inline void put_uvarint(std::string& out, uint64_t v) {
  char tmp[kMaxVarintBytes];
  out.append(tmp, static_cast<size_t>(put_uvarint(tmp, v) - tmp));
}

// Appends zigzag(v) as a uvarint.
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

// Appends `v` as 8 little-endian bytes (protobuf fixed64, the checkpoint's
// timestamps and values).
inline void put_fixed64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 8);
}

// Reads a uvarint from [*p, end). On success advances *p and returns true. Returns
// false (leaving *p unchanged) when the input ends early or the value does not fit
// in 64 bits (a 10th byte above 1, or an 11th byte); never reads at or past `end`.
inline bool get_uvarint(const uint8_t** p, const uint8_t* end, uint64_t* out) {
  const uint8_t* q = *p;
  // Lengths, tags and small deltas (nearly all of them) take one byte.
  if (q != end && *q < 0x80) {
    *out = *q;
    *p = q + 1;
    return true;
  }
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

// The same over char bytes.
inline bool get_uvarint(const char** p, const char* end, uint64_t* out) {
  const auto* q = reinterpret_cast<const uint8_t*>(*p);
  if (!get_uvarint(&q, reinterpret_cast<const uint8_t*>(end), out)) return false;
  *p = reinterpret_cast<const char*>(q);
  return true;
}

// The same at s[*pos]: advances *pos on success.
inline bool get_uvarint(std::string_view s, size_t* pos, uint64_t* out) {
  if (*pos > s.size()) return false;
  const char* p = s.data() + *pos;
  if (!get_uvarint(&p, s.data() + s.size(), out)) return false;
  *pos = static_cast<size_t>(p - s.data());
  return true;
}

inline bool get_varint(const uint8_t** p, const uint8_t* end, int64_t* out) {
  uint64_t u;
  if (!get_uvarint(p, end, &u)) return false;
  *out = zigzag_decode(u);
  return true;
}

// Reads 8 little-endian bytes from [*p, end); false (nothing read) when fewer remain.
inline bool get_fixed64(const uint8_t** p, const uint8_t* end, uint64_t* out) {
  if (end - *p < 8) return false;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>((*p)[i]) << (8 * i);
  *p += 8;
  *out = v;
  return true;
}

// A bounds-checked reader over one record (a WAL or checkpoint record, a
// protobuf message) with a sticky failure flag: the first read that runs past
// the end or meets a bad varint clears ok(), and from then on every read
// returns 0 or an empty view, so a decoder reads all its fields and checks
// ok() once. Views returned by bytes() point into the input, which must
// outlive them. Not thread-safe.
class ByteCursor {
 public:
  explicit ByteCursor(std::string_view s)
      : p_(reinterpret_cast<const uint8_t*>(s.data())), end_(p_ + s.size()) {}

  bool ok() const { return ok_; }
  // True when every byte has been read (and no read failed).
  bool done() const { return ok_ && p_ == end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

  uint8_t byte() {
    if (!ok_ || p_ == end_) return fail();
    return *p_++;
  }
  uint64_t uvarint() {
    uint64_t v = 0;
    if (!ok_ || !get_uvarint(&p_, end_, &v)) return fail();
    return v;
  }
  int64_t varint() { return zigzag_decode(uvarint()); }
  uint64_t fixed64() {
    uint64_t v = 0;
    if (!ok_ || !get_fixed64(&p_, end_, &v)) return fail();
    return v;
  }
  // The next `n` bytes.
  std::string_view bytes(uint64_t n) {
    if (!ok_ || n > remaining()) {
      fail();
      return {};
    }
    std::string_view v(reinterpret_cast<const char*>(p_), static_cast<size_t>(n));
    p_ += n;
    return v;
  }

 private:
  uint8_t fail() {
    ok_ = false;
    return 0;
  }
  const uint8_t* p_;
  const uint8_t* end_;
  bool ok_ = true;
};

}  // namespace promlite::model
