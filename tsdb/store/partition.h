// Internal: one open time partition (a RocksDB column family) and helpers shared
// by the store and its querier.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "model/sample.h"
#include "model/status.h"
#include "tsdb/store/id_set.h"

namespace rocksdb {
class ColumnFamilyHandle;
class Status;
}  // namespace rocksdb

namespace promlite::tsdb::store {

struct Partition {
  model::Timestamp start = 0;  // inclusive
  model::Timestamp end = 0;    // exclusive
  // Readers copy this pointer; the handle is destroyed (and a dropped column
  // family's files released) when the last copy goes.
  std::shared_ptr<rocksdb::ColumnFamilyHandle> cf;

  // Writer bookkeeping, guarded by Store::write_mu_: ids whose labels and
  // postings are in this partition (null until needed), and when it was last
  // used (a counter) so that sets of partitions no longer written are freed.
  std::unique_ptr<SeriesIdSet> written;
  uint64_t last_write = 0;
};

// RocksDB status -> promlite Status: NoSpace -> kResourceExhausted, corruption
// -> kCorruption, invalid argument -> kInvalidArgument, the rest -> kIOError.
Status from_rocks(const rocksdb::Status& s, std::string_view what);

}  // namespace promlite::tsdb::store
