// Internal: the sample iterator of one stored series, merging its chunks (from
// one or more partitions and series ids) into one time-ordered stream.
//
// Chunks are visited in min_t order. When chunks overlap in time (one label
// set stored under two ids, or a chunk written twice), their samples are
// merged and a timestamp already emitted is skipped, so duplicates vanish.
// Non-overlapping chunks, the normal case, are decoded by next_batch() straight
// into the caller's arrays, one after the other: a chunk that starts after
// the last sample returned and ends before the next chunk starts needs no seek
// and no merge ("bulk" mode).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/sample.h"
#include "model/status.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/querier.h"

namespace promlite::tsdb::store {

// The chunks of one series overlapping the querier's bounds; immutable once
// built and shared by the Series and its iterators.
struct SeriesChunks {
  struct Ref {
    model::Timestamp min_t = 0;
    model::Timestamp max_t = 0;
    uint32_t offset = 0;  // into `bytes`
    uint32_t size = 0;
    uint32_t count = 0;       // samples (from the header)
    uint8_t encoding = 0;     // chunkenc::Encoding
    uint8_t header_size = 0;  // bytes of the common header
    bool corrupt = false;     // the header did not parse
  };
  std::string bytes;       // the chunks' bytes, back to back
  std::vector<Ref> refs;   // sorted by min_t
  uint64_t series_id = 0;  // for error messages (the first one)

  // A chunk whose header parsed as `meta` (read_chunk_meta(data)).
  void add(std::string_view data, const chunkenc::ChunkMeta& meta);
  // A chunk whose header did not parse, keyed at `min_t`: reading reaches it
  // and reports kCorruption.
  void add_corrupt(model::Timestamp min_t, std::string_view data);
  void sort();

  std::span<const uint8_t> data(const Ref& r) const {
    return {reinterpret_cast<const uint8_t*>(bytes.data()) + r.offset, r.size};
  }
  static chunkenc::ChunkMeta meta(const Ref& r) {
    return {static_cast<chunkenc::Encoding>(r.encoding), r.count, r.min_t, r.max_t, r.header_size};
  }
};

class ChunkMergeIterator final : public SampleIterator {
 public:
  ChunkMergeIterator() = default;
  void reset(std::shared_ptr<const SeriesChunks> chunks, model::Timestamp mint,
             model::Timestamp maxt);

  bool next() override;
  bool seek(model::Timestamp t) override;
  model::Sample at() const override { return cur_; }
  size_t next_batch(model::Timestamp* ts, double* vs, size_t max) override;
  Status status() const override { return status_; }

 private:
  struct Active {
    std::unique_ptr<SampleIterator> it;
    model::Sample cur;  // decoded, not yet emitted, >= floor_
    size_t chunk = 0;
  };
  // An iterator for chunk `i`, recycled from the pool when possible.
  std::unique_ptr<SampleIterator> iterator_for(size_t i);
  // Opens chunk `i` positioned at floor_; false on error (status_ set).
  bool open(size_t i);
  // Moves active[k] to its first sample >= floor_, removing it when exhausted.
  // False on error.
  bool settle(size_t k, bool* removed);
  void retire(size_t k);
  // Records `s` as the current sample and moves every open chunk past it.
  // False on error (status_ set).
  bool emitted(model::Sample s);
  bool fail(Status s);
  // True when chunk `i` can be drained in bulk once nothing else is open: it
  // overlaps no later chunk and holds nothing before floor_.
  bool bulk_ok(size_t i) const;
  // next_batch() into bulk_: returns how many samples were written.
  size_t drain_bulk(model::Timestamp* ts, double* vs, size_t max);
  // Hands the bulk chunk to the merge (next() or seek() after next_batch()).
  // False on error.
  bool end_bulk();
  void release_bulk();
  void recycle(std::unique_ptr<SampleIterator> it);

  std::shared_ptr<const SeriesChunks> chunks_;
  model::Timestamp maxt_ = 0;
  model::Timestamp floor_ = 0;  // the next sample emitted has t >= floor_
  size_t next_chunk_ = 0;
  std::vector<Active> active_;
  // Iterators of finished chunks, reused for the next ones (a fixed array: no
  // allocation per series; iterators beyond it are freed).
  std::array<std::unique_ptr<SampleIterator>, 4> pool_;
  size_t pooled_ = 0;
  // Bulk mode (active_ empty): the iterator of chunk bulk_chunk_, whose samples
  // not yet returned are all >= floor_; bulk_trim_ when the chunk ends after
  // maxt_.
  std::unique_ptr<SampleIterator> bulk_;
  size_t bulk_chunk_ = 0;
  bool bulk_trim_ = false;
  model::Sample cur_;
  bool has_cur_ = false;
  bool done_ = false;
  Status status_;
};

}  // namespace promlite::tsdb::store
