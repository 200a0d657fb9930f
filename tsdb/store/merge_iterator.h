// Internal: the sample iterator of one stored series, merging its chunks (from
// one or more partitions and series ids) into one time-ordered stream.
//
// Chunks are visited in min_t order. When chunks overlap in time (one label
// set stored under two ids, or a chunk written twice), their samples are
// merged and a timestamp already emitted is skipped, so duplicates vanish.
// Non-overlapping chunks, the normal case, are decoded in bulk by next_batch().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/sample.h"
#include "model/status.h"
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
    bool corrupt = false;  // the header did not parse
  };
  std::string bytes;       // the chunks' bytes, back to back
  std::vector<Ref> refs;   // sorted by min_t
  uint64_t series_id = 0;  // for error messages (the first one)

  void add(model::Timestamp min_t, model::Timestamp max_t, std::string_view data, bool corrupt);
  void sort();
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

  std::shared_ptr<const SeriesChunks> chunks_;
  model::Timestamp maxt_ = 0;
  model::Timestamp floor_ = 0;  // the next sample emitted has t >= floor_
  size_t next_chunk_ = 0;
  std::vector<Active> active_;
  std::vector<std::unique_ptr<SampleIterator>> pool_;
  model::Sample cur_;
  bool has_cur_ = false;
  bool done_ = false;
  Status status_;
};

}  // namespace promlite::tsdb::store
