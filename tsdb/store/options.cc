#include "tsdb/store/options.h"

#include <rocksdb/cache.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/sst_file_manager.h>
#include <rocksdb/table.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <string>

#include "model/log.h"

namespace promlite::tsdb::store {

namespace {

// RocksDB's warnings and errors go to promlite's log instead of a LOG file in
// the store directory. Besides saving the files, this keeps a full disk from
// killing the process: Debian's librocksdb is built with assertions, and its
// file logger asserts on the line after one it failed to write.
class RocksLogger final : public rocksdb::Logger {
 public:
  RocksLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::WARN_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    // HEADER_LEVEL is the option dump at open, not a problem report.
    if (level < GetInfoLogLevel() || level >= rocksdb::InfoLogLevel::HEADER_LEVEL) return;
    char buf[1024];
    int n = std::vsnprintf(buf, sizeof(buf), format, ap);
    if (n < 0) return;
    std::string_view msg(buf, std::min<size_t>(static_cast<size_t>(n), sizeof(buf) - 1));
    if (level == rocksdb::InfoLogLevel::WARN_LEVEL) {
      LOG_WARN("RocksDB", {"msg", msg});
    } else {
      LOG_ERROR("RocksDB", {"msg", msg});
    }
  }
};

}  // namespace

rocksdb::DBOptions make_db_options(const StoreOptions& opts) {
  rocksdb::DBOptions o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.max_open_files = opts.max_open_files;
  o.max_background_jobs = 2;
  // All memtables together (every partition's) stay under 3 write buffers: the
  // largest one is flushed when the total exceeds it.
  o.write_buffer_manager =
      std::make_shared<rocksdb::WriteBufferManager>(3 * opts.write_buffer_bytes);
  // Partitions that stopped receiving writes would otherwise pin old WAL files.
  o.max_total_wal_size = 4 * opts.write_buffer_bytes;
  // With an SstFileManager RocksDB polls free space after a disk-full error and
  // clears the background error by itself once space returns.
  o.sst_file_manager.reset(rocksdb::NewSstFileManager(rocksdb::Env::Default()));
  // Compactions (zstd up to level 9, dictionary training) are background
  // work: at low CPU priority they yield to queries and scrapes, and run at
  // full speed on an otherwise idle core. Memtable flushes (the HIGH pool)
  // keep the normal priority, so a busy machine cannot stall writes behind
  // them. (Env::Default() is process-wide; one store runs per process.)
  (void)rocksdb::Env::Default()->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::LOW,
                                                            rocksdb::CpuPriority::kLow);
  o.bytes_per_sync = 1 << 20;
  o.wal_bytes_per_sync = 0;
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  o.info_log = std::make_shared<RocksLogger>();
  o.stats_dump_period_sec = 0;
  o.stats_persist_period_sec = 0;
  o.table_cache_numshardbits = 4;
  o.avoid_unnecessary_blocking_io = true;
  o.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  // Open keeps what its WAL replays in memtables instead of writing it out at
  // once: on a full disk that write fails Open, and promlite could not start
  // (a crash loop) until space returned. The regular flushes write it later.
  o.avoid_flush_during_recovery = true;
  return o;
}

rocksdb::ColumnFamilyOptions make_partition_options(const StoreOptions& opts,
                                                    std::shared_ptr<rocksdb::Cache> cache) {
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = opts.write_buffer_bytes;
  o.max_write_buffer_number = 2;
  o.level_compaction_dynamic_level_bytes = true;  // least space amplification
  o.compression = rocksdb::kZSTD;
  o.bottommost_compression = rocksdb::kZSTD;
  o.compression_opts.level = opts.zstd_level;
  if (opts.zstd_dictionary) {
    // A dictionary trained on the file's own blocks: label sets and chunk
    // headers repeat across blocks, which block-local compression cannot see.
    o.compression_opts.max_dict_bytes = 16 << 10;
    o.compression_opts.zstd_max_train_bytes = 100 * (16 << 10);
    o.compression_opts.max_dict_buffer_bytes = 4 << 20;
  }
  o.compression_opts.enabled = true;
  // Data settles in the last level once (a day partition is compacted a few
  // times, then never again): a slower, tighter level there costs little CPU.
  o.bottommost_compression_opts = o.compression_opts;
  if (opts.zstd_bottommost_level > 0) {
    o.bottommost_compression_opts.level = opts.zstd_bottommost_level;
  }

  rocksdb::BlockBasedTableOptions t;
  t.block_size = opts.block_size;
  t.block_cache = std::move(cache);
  // Index and filter blocks live in (and are bounded by) the block cache rather
  // than in every open table reader.
  t.cache_index_and_filter_blocks = true;
  t.cache_index_and_filter_blocks_with_high_priority = true;
  t.format_version = 5;
  if (opts.bloom_bits_per_key > 0) {
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(opts.bloom_bits_per_key));
    t.optimize_filters_for_memory = true;
  }
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

rocksdb::ColumnFamilyOptions make_default_cf_options(std::shared_ptr<rocksdb::Cache> cache) {
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = 1 << 20;
  o.max_write_buffer_number = 2;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = std::move(cache);
  t.cache_index_and_filter_blocks = true;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

}  // namespace promlite::tsdb::store
