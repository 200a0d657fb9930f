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

// `parts` oldest first. The querier takes a snapshot of `db` now and releases
// it when destroyed; `db` must outlive it.
Result<std::unique_ptr<Querier>> make_store_querier(
    rocksdb::DB* db, std::vector<std::shared_ptr<const Partition>> parts, model::Timestamp mint,
    model::Timestamp maxt);

}  // namespace promlite::tsdb::store
