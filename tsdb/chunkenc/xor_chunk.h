// XOR chunks (Gorilla): delta-of-delta timestamps and XOR-compressed float64
// values, bit-exact for every float64 (NaN payloads incl. the staleness marker,
// -0.0, infinities, subnormals). Byte and bit layout: tsdb/FORMAT.md, "Chunks".
//
// Two framings share one bit stream:
// - open (the head's in-memory chunk): [varint t0][stream], grown in place by an
//   XorAppender; the sample count lives in the appender, not in the bytes;
// - sealed (Encoding::kXor): [common header][stream]; t0 comes from the header.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "model/sample.h"
#include "model/status.h"
#include "tsdb/chunkenc/bit_stream.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/querier.h"

namespace promlite::tsdb::chunkenc {

// O(1) appends to an open XOR chunk held in a caller-owned buffer. The appender
// keeps only what the next append needs (32 bytes), so the head can keep one per
// active series next to the buffer.
//
//   std::string buf;  XorAppender app;
//   app.append(buf, t, v);  ...
//   XorIterator it;  it.reset_open(as_bytes(buf), app.count());
//   app.seal(buf, sealed);  // Encoding::kXor chunk
//
// Not thread-safe; readers of `buf` must not run concurrently with append().
class XorAppender {
 public:
  // Appends one sample to `buf`, which must hold exactly the bytes this appender
  // wrote so far (empty before the first append). Timestamps should increase;
  // any int64 sequence is encoded exactly. REQUIRES: count() < kMaxChunkSamples.
  void append(std::string& buf, model::Timestamp t, double v);

  uint32_t count() const { return count_; }
  // Timestamp of the last appended sample. REQUIRES: count() > 0.
  model::Timestamp last_t() const { return t_; }

  // Appends the sealed (Encoding::kXor) form of the open chunk `buf` to `out`.
  // REQUIRES: count() > 0 and `buf` is this appender's buffer.
  void seal(std::string_view buf, std::string& out) const;

  // Writes a sealed kXor chunk of `samples` (non-empty) to `out`.
  static void encode_sealed(std::span<const model::Sample> samples, std::string& out);

  // The appender's whole state, so an open chunk can be checkpointed and
  // resumed later (tsdb/FORMAT.md, "Checkpoint"). Restoring a state taken from
  // an appender together with its buffer continues that chunk exactly.
  struct State {
    int64_t t = 0;
    int64_t delta = 0;
    uint64_t v = 0;
    uint32_t count = 0;
    uint8_t leading = 0xff;
    uint8_t trailing = 0;
    uint8_t used_bits = 0;
  };
  State state() const { return {t_, delta_, v_, count_, leading_, trailing_, used_bits_}; }
  // kCorruption when the state cannot belong to a buffer of `buf_size` bytes.
  static Result<XorAppender> from_state(const State& st, size_t buf_size);

 private:
  // Appends the stream bits of one sample (no t0 varint).
  void append_bits(std::string& buf, model::Timestamp t, double v);

  int64_t t_ = 0;      // last timestamp
  int64_t delta_ = 0;  // last timestamp delta
  uint64_t v_ = 0;     // bits of the last value
  uint32_t count_ = 0;
  uint8_t leading_ = 0xff;  // XOR window: leading zeros; 0xff = none yet
  uint8_t trailing_ = 0;    // XOR window: trailing zeros
  uint8_t used_bits_ = 0;   // bits used in buf.back()
};

// Decodes an open or sealed XOR chunk. Reusable via reset*(). A malformed stream
// ends iteration with status() kCorruption; it never reads outside the span.
//
// Samples are decoded in runs by a tight loop with the decoder state in
// registers and no bounds checks (the last bytes of the span go through the
// same loop from a zero-padded copy); a bounds-checked bit reader decodes only
// the sample that is corrupt, to report it. next() and seek() decode
// kBufSamples at a time into a buffer inside the iterator (680 bytes in all);
// next_batch() decodes straight into the caller's arrays. A corrupt chunk may
// yield the valid samples before the bad one, then ends with kCorruption.
class XorIterator final : public SampleIterator {
 public:
  XorIterator() = default;

  // Over a sealed Encoding::kXor chunk.
  void reset(std::span<const uint8_t> chunk);
  // Same, with the chunk's header already parsed by read_chunk_meta().
  void reset(std::span<const uint8_t> chunk, const ChunkMeta& meta);
  // Over an open chunk written by an XorAppender holding `count` samples.
  void reset_open(std::span<const uint8_t> buf, uint32_t count);

  bool next() override;
  bool seek(model::Timestamp t) override;
  model::Sample at() const override { return cur_; }
  size_t next_batch(model::Timestamp* ts, double* vs, size_t max) override;
  Status status() const override { return status_; }

  // Samples decoded per refill of the next()/seek() buffer.
  static constexpr uint32_t kBufSamples = 32;

 private:
  void start(const uint8_t* p, size_t n, int64_t t0, uint32_t count);
  // Decodes up to `max` samples after the last decoded one into ts/vs and
  // returns how many; 0 at the end of the chunk or on corruption (status_ set).
  size_t decode(int64_t* ts, double* vs, size_t max);
  // One sample after the first through the checked reader; false on corruption.
  bool decode_checked();
  bool refill();
  bool fail(const char* what);
  bool finish();

  BitReader r_;
  Status status_;
  // Decoder state: the last decoded sample and the XOR window.
  uint64_t t_ = 0;
  uint64_t delta_ = 0;
  uint64_t v_ = 0;
  int64_t max_t_ = 0;  // from a sealed header; checked at the end
  uint32_t count_ = 0;
  uint32_t read_ = 0;   // samples decoded so far
  uint32_t sig_ = 0;    // XOR window: meaningful bits, 1..64; 0xff = none yet
  uint32_t trail_ = 0;  // XOR window: trailing zeros
  bool sealed_ = false;
  bool done_ = true;  // nothing more to decode
  // Iterator position: cur_ is valid when has_cur_; buffered samples follow it.
  bool has_cur_ = false;
  uint32_t buf_len_ = 0, buf_pos_ = 0;  // buf_pos_: next unread sample
  model::Sample cur_;
  int64_t buf_t_[kBufSamples];
  double buf_v_[kBufSamples];
};

}  // namespace promlite::tsdb::chunkenc
