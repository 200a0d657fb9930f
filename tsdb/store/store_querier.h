// Internal: the tsdb::Querier over a set of partitions at one RocksDB snapshot.
#pragma once

#include <memory>
#include <vector>

#include "model/sample.h"
#include "model/status.h"
#include "tsdb/querier.h"
#include "tsdb/store/partition.h"

namespace rocksdb {
class DB;
}

namespace promlite::tsdb::store {

// What the head holds of the store's series ids (they are the head's ids), so
// a select can leave out what the head alone answers.
class HeadView {
 public:
  virtual ~HeadView() = default;
  // True when the head holds every sample of series `id` from `mint` on, in
  // chunks it keeps in memory for the life of the querier this view was
  // given to: that series' store chunks are then not needed. Thread-safe.
  virtual bool holds_from(uint64_t id, model::Timestamp mint) const = 0;
};

// `parts` oldest first. The querier takes a snapshot of `db` now and releases
// it when destroyed; `db` must outlive it. With `head`, select() leaves out
// the series ids `head` holds from mint on; `head` must outlive the querier.
Result<std::unique_ptr<Querier>> make_store_querier(
    rocksdb::DB* db, std::vector<std::shared_ptr<const Partition>> parts, model::Timestamp mint,
    model::Timestamp maxt, const HeadView* head = nullptr);

}  // namespace promlite::tsdb::store
