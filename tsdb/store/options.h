// Internal: the RocksDB options the store runs with (tuning notes in
// tsdb/FORMAT.md, "Partition store").
#pragma once

#include <rocksdb/options.h>

#include <memory>

#include "tsdb/store/store.h"

namespace promlite::tsdb::store {

rocksdb::DBOptions make_db_options(const StoreOptions& opts);
// Options of every partition column family; `cache` is the shared block cache.
rocksdb::ColumnFamilyOptions make_partition_options(const StoreOptions& opts,
                                                    std::shared_ptr<rocksdb::Cache> cache);
// The default column family holds only a few metadata keys.
rocksdb::ColumnFamilyOptions make_default_cf_options(std::shared_ptr<rocksdb::Cache> cache);

}  // namespace promlite::tsdb::store
