// HeadIterator: a SampleIterator over one head series' snapshot: its sealed
// chunks, then a private copy of its open chunk, restricted to [mint, maxt].
//
// The snapshot is taken under the series lock by capture(): shared pointers to
// the overlapping sealed chunks (immutable) and the open chunk's bytes and
// sample count. Appends that happen afterwards are not seen; the series may be
// dropped by gc() meanwhile without affecting the iterator.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tsdb/chunkenc/xor_chunk.h"
#include "tsdb/head/mem_series.h"
#include "tsdb/querier.h"

namespace promlite::tsdb::head {

class HeadIterator final : public SampleIterator {
 public:
  HeadIterator() = default;

  // Re-targets the iterator at `s`'s samples in [mint, maxt]. Takes s.lock.
  void capture(const MemSeries& s, model::Timestamp mint, model::Timestamp maxt);

  bool next() override;
  bool seek(model::Timestamp t) override;
  model::Sample at() const override { return cur_; }
  size_t next_batch(model::Timestamp* ts, double* vs, size_t max) override;
  Status status() const override { return status_; }

 private:
  struct Source {
    const std::string* bytes;  // sealed chunk data, or open_ for the open chunk
    model::Timestamp min_t;
    model::Timestamp max_t;
    bool open;
  };

  // Positions on the first sample >= t in the sources from next_source_ on.
  bool enter_source(model::Timestamp t);
  // Applies the upper bound to cur_.
  bool check_max();
  bool stop();

  std::vector<std::shared_ptr<const SealedChunk>> sealed_;
  std::string open_;
  uint32_t open_count_ = 0;
  std::vector<Source> sources_;
  size_t next_source_ = 0;

  chunkenc::XorIterator open_it_;
  std::unique_ptr<SampleIterator> sealed_it_;
  SampleIterator* sub_ = nullptr;  // the current source's iterator, or null
  model::Timestamp sub_max_t_ = 0;

  model::Timestamp mint_ = 0;
  model::Timestamp maxt_ = 0;
  model::Sample cur_;
  bool started_ = false;
  bool done_ = false;
  Status status_;
};

}  // namespace promlite::tsdb::head
