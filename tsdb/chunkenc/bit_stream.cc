#include "tsdb/chunkenc/bit_stream.h"

#include <array>
#include <utility>

namespace promlite::tsdb::chunkenc {

void pack_bits(const uint64_t* in, size_t m, unsigned w, std::string& out) {
  if (w == 0 || m == 0) return;
  const uint64_t mask = low_mask(w);
  size_t start = out.size();
  out.resize(start + packed_bytes(m, w) + 8);  // slack for whole-word stores
  char* dst = out.data() + start;
  uint64_t acc = 0;
  unsigned filled = 0;  // bits of acc in use
  auto store = [&dst](uint64_t word) {
    if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
    std::memcpy(dst, &word, 8);
    dst += 8;
  };
  for (size_t i = 0; i < m; ++i) {
    uint64_t x = in[i] & mask;
    acc |= x << filled;
    if (filled + w >= 64) {
      store(acc);
      acc = filled == 0 ? 0 : x >> (64 - filled);
      filled = filled + w - 64;
    } else {
      filled += w;
    }
  }
  if (filled != 0) store(acc);
  out.resize(start + packed_bytes(m, w));
}

namespace {

// Unpacks m values of W bits (1 <= W <= 56) from p; every value is one unaligned
// 8-byte load. With W a constant, eight consecutive values start at fixed byte
// and bit offsets (8 * W bits = W bytes), so each group of eight unrolls into
// constant-offset loads and shifts. REQUIRES: p + packed_bytes(m, W) + 7 readable.
template <unsigned W>
void unpack_fixed(const uint8_t* p, size_t m, uint64_t* out) {
  constexpr uint64_t kMask = low_mask(W);
  size_t i = 0;
  for (; i + 8 <= m; i += 8, p += W) {
    for (unsigned k = 0; k < 8; ++k)
      out[i + k] = (load_le64(p + (k * W) / 8) >> ((k * W) % 8)) & kMask;
  }
  for (unsigned k = 0; i < m; ++i, ++k)
    out[i] = (load_le64(p + (k * W) / 8) >> ((k * W) % 8)) & kMask;
}

using UnpackFn = void (*)(const uint8_t*, size_t, uint64_t*);

template <size_t... W>
constexpr auto make_unpack_table(std::index_sequence<W...>) {
  return std::array<UnpackFn, sizeof...(W)>{&unpack_fixed<W + 1>...};
}

constexpr auto kUnpack = make_unpack_table(std::make_index_sequence<56>());

// Values up to this many bytes are copied to a padded stack buffer when too close
// to the end of the input for the 8-byte loads.
constexpr size_t kMaxStagedBytes = 512;

}  // namespace

void unpack_bits(const uint8_t* p, const uint8_t* end, size_t m, unsigned w, uint64_t* out) {
  if (w == 0 || m == 0) {
    for (size_t i = 0; i < m; ++i) out[i] = 0;
    return;
  }
  const size_t nbytes = packed_bytes(m, w);
  const size_t avail = static_cast<size_t>(end - p);
  if (w <= 56) {
    if (avail >= nbytes + 7) {
      kUnpack[w - 1](p, m, out);  // every load ends at most 7 bytes past the block
      return;
    }
    if (nbytes <= kMaxStagedBytes) {
      uint8_t staged[kMaxStagedBytes + 8] = {};
      std::memcpy(staged, p, nbytes);
      kUnpack[w - 1](staged, m, out);
      return;
    }
  }
  // Wide values, or huge blocks at the end of the input: bytewise and exact.
  const uint64_t mask = low_mask(w);
  const uint8_t* block_end = p + nbytes;
  uint64_t bitpos = 0;
  for (size_t i = 0; i < m; ++i, bitpos += w) {
    size_t b = static_cast<size_t>(bitpos >> 3);
    unsigned sh = static_cast<unsigned>(bitpos & 7);
    uint64_t v = load_le64_partial(p + b, block_end) >> sh;
    if (w + sh > 64) v |= static_cast<uint64_t>(p[b + 8]) << (64 - sh);
    out[i] = v & mask;
  }
}

}  // namespace promlite::tsdb::chunkenc
