// Block decode kernels: one function per (packed width, recurrence), picked
// from a table. With the width a constant, eight consecutive values start at
// fixed byte and bit offsets (8 * W bits = W bytes), so a group of eight
// unrolls into constant-offset loads, shifts and masks feeding the recurrence
// straight from registers: ~6 instructions per timestamp and ~9 per value,
// against ~17 and ~22 when unpacking to a scratch array, adding the base, and
// running the prefix sum and the conversion as separate passes.
#include "tsdb/chunkenc/block_decode.h"

#include <array>
#include <utility>

#include "tsdb/chunkenc/bit_stream.h"
#include "tsdb/chunkenc/block_chunk.h"

namespace promlite::tsdb::chunkenc {
namespace {

// The recurrences, fed one residual (base added) per sample. Each works on a
// local copy of the state so that it stays in registers (the output stores
// could otherwise alias it).
struct TimeSink {
  uint64_t t, d;
  int64_t* out;
  void operator()(size_t j, uint64_t r) {
    d += r;
    t += d;
    out[j] = static_cast<int64_t>(t);
  }
};

template <unsigned Order>
struct ValueSink {
  uint64_t v, vd;
  double* out;
  void operator()(size_t j, uint64_t r) {
    if constexpr (Order == 2) {
      vd += r;
      v += vd;
    } else if constexpr (Order == 1) {
      v += r;
    } else {
      v = r;
    }
    out[j] = static_cast<double>(static_cast<int64_t>(v));
  }
};

constexpr unsigned kMaxFixedWidth = 56;  // one 8-byte load per value up to here

// Feeds the m residuals of W bits to `s`.
template <unsigned W, class Sink>
inline void unpack_into(const uint8_t* p, size_t m, uint64_t base, Sink& s) {
  if constexpr (W == 0) {
    for (size_t i = 0; i < m; ++i) s(i, base);
  } else if constexpr (W <= kMaxFixedWidth) {
    constexpr uint64_t kMask = low_mask(W);
    size_t i = 0;
    for (; i + 8 <= m; i += 8, p += W) {
      for (unsigned k = 0; k < 8; ++k) {
        s(i + k, ((load_le64(p + (k * W) / 8) >> ((k * W) % 8)) & kMask) + base);
      }
    }
    for (unsigned k = 0; i < m; ++i, ++k) {
      s(i, ((load_le64(p + (k * W) / 8) >> ((k * W) % 8)) & kMask) + base);
    }
  } else {
    // 57..64 bits (rare: residuals spanning most of the int64 range).
    uint64_t r[kBlockSamples];
    unpack_bits(p, p + packed_bytes(m, W), m, W, r);
    for (size_t j = 0; j < m; ++j) s(j, r[j] + base);
  }
}

template <unsigned W>
void time_kernel_for(const uint8_t* p, size_t m, uint64_t base, TimeState& st, int64_t* ts) {
  TimeSink s{st.t, st.d, ts};
  unpack_into<W>(p, m, base, s);
  st = {s.t, s.d};
}

template <unsigned Order, unsigned W>
void value_kernel_for(const uint8_t* p, size_t m, uint64_t base, ValueState& st, double* vs) {
  ValueSink<Order> s{st.v, st.vd, vs};
  unpack_into<W>(p, m, base, s);
  st = {s.v, s.vd};
}

template <size_t... W>
constexpr std::array<TimeKernel, sizeof...(W)> make_time_kernels(std::index_sequence<W...>) {
  return {&time_kernel_for<W>...};
}

template <unsigned Order, size_t... W>
constexpr std::array<ValueKernel, sizeof...(W)> make_value_kernels(std::index_sequence<W...>) {
  return {&value_kernel_for<Order, W>...};
}

constexpr auto kTimeKernels = make_time_kernels(std::make_index_sequence<65>());
constexpr std::array<std::array<ValueKernel, 65>, 3> kValueKernels = {
    make_value_kernels<0>(std::make_index_sequence<65>()),
    make_value_kernels<1>(std::make_index_sequence<65>()),
    make_value_kernels<2>(std::make_index_sequence<65>())};

}  // namespace

const TimeKernel* time_kernels() { return kTimeKernels.data(); }
const ValueKernel* value_kernels(unsigned order) { return kValueKernels[order].data(); }

}  // namespace promlite::tsdb::chunkenc
