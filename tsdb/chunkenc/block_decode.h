// Internal: the decode kernels of the block codecs (block_chunk.cc). Each
// kernel unpacks one block of bit-packed residuals, adds the block's base and
// runs the residual recurrence into the caller's output in a single pass, so a
// residual never goes through memory between the unpack, the prefix sum and
// the int-to-double conversion. Layout: tsdb/FORMAT.md, "Block codecs".
#pragma once

#include <cstddef>
#include <cstdint>

namespace promlite::tsdb::chunkenc {

// Bytes that must be readable after a block's packed bytes for the kernels:
// every value is one unaligned 8-byte load.
inline constexpr size_t kBlockReadSlack = 7;

// Timestamps (always order 2): per residual r, d += r; t += d; emit t.
struct TimeState {
  uint64_t t = 0;
  uint64_t d = 0;
};

// Integer values at order 0, 1 or 2: order 0 emits r, order 1 does v += r,
// order 2 does vd += r; v += vd; the emitted integer is `v`, as a double.
struct ValueState {
  uint64_t v = 0;
  uint64_t vd = 0;
};

// A kernel decodes `m` (1..32) residuals of one width packed LSB-first at
// `packed`, each plus `base` (mod 2^64), through its recurrence into the
// output, and leaves the state after the last of them in `st`. REQUIRES:
// packed_bytes(m, w) + kBlockReadSlack bytes readable at `packed`.
using TimeKernel = void (*)(const uint8_t* packed, size_t m, uint64_t base, TimeState& st,
                            int64_t* ts);
// Writes double(int64(v)) per sample (the caller divides by 10^scale when the
// chunk is scaled).
using ValueKernel = void (*)(const uint8_t* packed, size_t m, uint64_t base, ValueState& st,
                             double* vs);

// Tables of kernels indexed by width (0..64): for timestamps, and for values
// at `order` (0..2).
const TimeKernel* time_kernels();
const ValueKernel* value_kernels(unsigned order);

}  // namespace promlite::tsdb::chunkenc
