// Block codecs: timestamps (and integer values) as differences, bit-packed in
// blocks of kBlockSamples with a per-block frame of reference. Decoding is a
// branch-light unpack plus a prefix sum per block, so next_batch() runs at
// hundreds of millions of samples per second. Layout: tsdb/FORMAT.md, "Chunks".
//
// - Encoding::kConst: every value has the same float64 bits (any bits).
// - Encoding::kIntPack: every value is n / 10^scale exactly, with n an integer of
//   magnitude <= 2^53 and scale in 0..kMaxDecimalScale; the n are stored as
//   order-0, -1 or -2 differences (raw, delta, delta of delta), whichever is
//   smallest for the chunk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "model/sample.h"
#include "model/status.h"
#include "tsdb/chunkenc/block_decode.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/querier.h"

namespace promlite::tsdb::chunkenc {

inline constexpr size_t kBlockSamples = 32;
inline constexpr unsigned kMaxDecimalScale = 15;

// Size in bytes of the kConst chunk for `samples`, or nullopt when the values
// differ in any bit. REQUIRES: samples non-empty.
std::optional<size_t> const_encoded_size(std::span<const model::Sample> samples);
// REQUIRES: const_encoded_size(samples) has a value.
void encode_const(std::span<const model::Sample> samples, std::string& out);

// How kIntPack would store a chunk: the decimal scale, the difference order, and
// the exact encoded size.
struct IntPlan {
  unsigned scale = 0;
  unsigned order = 0;
  size_t size = 0;
};

// Analyses `samples`: nullopt when some value has no exact integer form (NaN,
// infinities, -0.0, too many decimal digits, beyond 2^53). REQUIRES: non-empty.
std::optional<IntPlan> plan_int(std::span<const model::Sample> samples);
// REQUIRES: `plan` came from plan_int(samples), or has the same scale and any order.
void encode_int(std::span<const model::Sample> samples, const IntPlan& plan, std::string& out);

// Decodes kConst and kIntPack chunks a block at a time. Reusable via reset().
class BlockIterator final : public SampleIterator {
 public:
  BlockIterator() = default;
  void reset(std::span<const uint8_t> chunk);
  // Same, with the chunk's header already parsed by read_chunk_meta().
  void reset(std::span<const uint8_t> chunk, const ChunkMeta& meta);

  bool next() override;
  bool seek(model::Timestamp t) override;
  model::Sample at() const override { return cur_; }
  size_t next_batch(model::Timestamp* ts, double* vs, size_t max) override;
  Status status() const override { return status_; }

 private:
  // Decodes whole blocks into ts/vs while the next one fits in `max` samples;
  // returns how many samples. Once the last block is decoded the chunk's end
  // is checked (status_ set on a mismatch). 0 at the end, on corruption (then
  // status_ is set) or when the next block does not fit.
  size_t decode_blocks(int64_t* ts, double* vs, size_t max);
  bool refill();
  size_t fail(const char* what);

  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  Status status_;
  uint32_t remaining_ = 0;  // samples not yet decoded
  bool is_const_ = false;
  bool done_ = true;      // no more blocks to decode
  bool has_cur_ = false;  // cur_ holds the current sample
  uint8_t order_ = 0;
  const ValueKernel* value_kernels_ = nullptr;  // for order_, by block width
  uint8_t scale_ = 0;
  uint64_t t_ = 0, td_ = 0;  // timestamp state: last value, last delta
  uint64_t v_ = 0, vd_ = 0;  // integer value state, or the constant's bits
  int64_t max_t_ = 0;
  model::Sample cur_;
  uint32_t buf_len_ = 0, buf_pos_ = 0;  // buf_pos_: next unread sample
  int64_t buf_t_[kBlockSamples];
  double buf_v_[kBlockSamples];
};

}  // namespace promlite::tsdb::chunkenc
