// Bit streams for the chunk codecs.
//
// Bit order (every promlite chunk format): LSB-first. Bit i of a stream is bit
// (i % 8) of byte i / 8, so a value of n bits written at bit offset p occupies
// bits p..p+n-1 with its least significant bit first. This lets a reader fetch any
// field of up to 57 bits with one unaligned little-endian 64-bit load and a shift.
// See tsdb/FORMAT.md, "Chunks".
//
// BitWriter appends to a caller-owned std::string and can resume a stream whose
// last byte is partly filled (the in-place XOR appender relies on this).
// BitReader reads a span and is bounds-checked: reading past the end sets a sticky
// overflow flag, returns zeros and never touches memory outside the span.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

namespace promlite::tsdb::chunkenc {

// Little-endian 64-bit load of 8 bytes at p (any alignment).
inline uint64_t load_le64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

// Little-endian load of the bytes in [p, end), at most 8, zero-filled above.
inline uint64_t load_le64_partial(const uint8_t* p, const uint8_t* end) {
  uint64_t v = 0;
  for (unsigned i = 0; i < 8 && p + i < end; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

inline constexpr uint64_t low_mask(unsigned n) { return n >= 64 ? ~0ULL : (1ULL << n) - 1; }

// Bits needed to represent u (0 for 0).
inline unsigned bit_width(uint64_t u) { return static_cast<unsigned>(std::bit_width(u)); }

class BitWriter {
 public:
  // `used_bits` is how many bits of out.back() already hold data (0 when the
  // stream is byte-aligned). The unused high bits of out.back() must be zero.
  explicit BitWriter(std::string& out, unsigned used_bits = 0) : out_(out), used_(used_bits) {}

  // Appends the low `n` bits of `v` (n <= 64).
  void write(uint64_t v, unsigned n) {
    v &= low_mask(n);
    if (used_ != 0) {
      unsigned room = 8 - used_;
      out_.back() = static_cast<char>(static_cast<uint8_t>(out_.back()) | (v << used_));
      if (n < room) {
        used_ += n;
        return;
      }
      v >>= room;
      n -= room;
      used_ = 0;
    }
    while (n >= 8) {
      out_.push_back(static_cast<char>(v));
      v >>= 8;
      n -= 8;
    }
    if (n != 0) {
      out_.push_back(static_cast<char>(v));
      used_ = n;
    }
  }

  void write_bit(bool b) { write(b ? 1 : 0, 1); }

  // Bits used in the last byte (0 = byte-aligned); feed back to the constructor to
  // resume the stream later.
  unsigned used_bits() const { return used_; }

 private:
  std::string& out_;
  unsigned used_;
};

class BitReader {
 public:
  BitReader() = default;
  BitReader(const uint8_t* data, size_t size) { reset(data, size); }

  void reset(const uint8_t* data, size_t size) {
    data_ = data;
    size_ = size;
    size_bits_ = static_cast<uint64_t>(size) * 8;
    pos_ = 0;
    overflow_ = false;
  }

  // The next `n` bits (n <= 57) without consuming them; bits past the end read as 0.
  uint64_t peek(unsigned n) const {
    size_t b = static_cast<size_t>(pos_ >> 3);
    uint64_t w = b + 8 <= size_ ? load_le64(data_ + b)
                 : b < size_    ? load_le64_partial(data_ + b, data_ + size_)
                                : 0;
    return (w >> (pos_ & 7)) & low_mask(n);
  }

  // Consumes `n` bits (n <= 64). Past the end: sets overflow, returns 0.
  uint64_t read(unsigned n) {
    if (n > 57) {
      uint64_t lo = read(32);
      return lo | (read(n - 32) << 32);
    }
    if (pos_ + n > size_bits_) {
      overflow_ = true;
      pos_ = size_bits_;
      return 0;
    }
    uint64_t v = peek(n);
    pos_ += n;
    return v;
  }

  bool read_bit() { return read(1) != 0; }

  // Consumes `n` bits already inspected with peek().
  void skip(unsigned n) {
    if (pos_ + n > size_bits_) {
      overflow_ = true;
      pos_ = size_bits_;
      return;
    }
    pos_ += n;
  }

  // Unchecked variants for hot loops. REQUIRES: can_read_fast(b) returned true
  // and the fast calls since then consumed at most b bits in total.
  bool can_read_fast(unsigned bits) const { return (pos_ >> 3) + (bits >> 3) + 16 <= size_; }
  uint64_t peek_fast(unsigned n) const {  // n <= 57
    return (load_le64(data_ + (pos_ >> 3)) >> (pos_ & 7)) & low_mask(n);
  }
  void skip_fast(unsigned n) { pos_ += n; }
  uint64_t read_fast(unsigned n) {  // n <= 64
    if (n > 57) {
      uint64_t lo = read_fast(32);
      return lo | (read_fast(n - 32) << 32);
    }
    uint64_t v = peek_fast(n);
    pos_ += n;
    return v;
  }

  // Raw access for decoders that run their own unchecked loops over the span.
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  // Moves to bit `pos`. REQUIRES: pos <= size() * 8.
  void set_bit_pos(uint64_t pos) { pos_ = pos; }

  // False once any read ran past the end.
  bool ok() const { return !overflow_; }
  uint64_t bit_pos() const { return pos_; }
  uint64_t bits_left() const { return size_bits_ - pos_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  uint64_t size_bits_ = 0;
  uint64_t pos_ = 0;
  bool overflow_ = false;
};

// Packs `m` values, each the low `w` bits of in[i] (w <= 64), LSB-first and
// byte-aligned at the start; appends ceil(m * w / 8) bytes to `out`.
void pack_bits(const uint64_t* in, size_t m, unsigned w, std::string& out);

// Inverse of pack_bits. REQUIRES: [p, p + ceil(m * w / 8)) lies inside [p, end).
// Reads nothing at or past `end`.
void unpack_bits(const uint8_t* p, const uint8_t* end, size_t m, unsigned w, uint64_t* out);

inline size_t packed_bytes(size_t m, unsigned w) { return (m * w + 7) / 8; }

}  // namespace promlite::tsdb::chunkenc
