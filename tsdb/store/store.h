// Store: the persistent chunk store, sealed chunks in RocksDB time partitions.
//
// Each time partition (default one day, aligned to multiples of partition_ms
// since the epoch) is one RocksDB column family "p_<start_ms>" holding its own
// series table, postings and chunks (key layout: keys.h and tsdb/FORMAT.md,
// "Partition store"), so retention drops a partition in O(1) with
// DropColumnFamily: no rewrite, its files go once no reader holds them. Blocks
// are zstd-compressed (with a trained dictionary by default), which shrinks
// the repeated label text and chunk headers.
//
//   auto store = Store::open(dir);
//   Status s = (*store)->write(records, /*sync=*/false);  // chunks cut by the head
//   (*store)->sync_wal();                                  // durable from here
//   auto q = (*store)->querier(mint, maxt);                // tsdb::Querier
//   (*store)->drop_before(now - retention);
//
// Thread-safety: write() may be called from one thread at a time (a mutex
// serialises accidental concurrent callers). querier(), drop_before(),
// drop_oldest(), partitions(), disk_bytes(), flush(), compact() and sync_wal()
// are safe from any thread, concurrently with writes. A querier keeps reading a
// consistent snapshot even when its partitions are dropped meanwhile (their
// files are removed once the last querier using them is gone).
// Lifetimes: every Querier (and its sets, series, iterators) must be destroyed
// before the Store.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels.h"
#include "model/sample.h"
#include "model/status.h"
#include "tsdb/intervals.h"
#include "tsdb/querier.h"

namespace rocksdb {
class Cache;
class ColumnFamilyHandle;
class DB;
class WriteBatch;
struct ColumnFamilyOptions;
}  // namespace rocksdb

namespace promlite::tsdb::store {

class HeadView;  // store_querier.h

struct StoreOptions {
  // Partition length. Persisted at creation: a store reopened with another value
  // keeps the one it was created with (and logs a warning).
  int64_t partition_ms = 24 * 3600 * 1000;
  size_t block_size = 64 << 10;   // RocksDB data block size (see FORMAT.md for the figures)
  int zstd_level = 3;             // memtable flushes and intermediate levels
  int zstd_bottommost_level = 9;  // the last level, where a partition's data settles
  bool zstd_dictionary = true;    // train a zstd dictionary per SST file
  size_t block_cache_bytes = 32 << 20;
  size_t write_buffer_bytes = 16 << 20;  // per memtable; all memtables together <= 3x this
  int bloom_bits_per_key = 0;            // 0: no filter (every lookup is a seek; see FORMAT.md)
  int max_open_files = 512;
};

struct ChunkRecord {  // one sealed chunk of one series, as the head cut it
  uint64_t series_id = 0;
  // Needed the first time a series is written to a partition; may be null
  // otherwise (write() fails with kInvalidArgument when it is needed and null).
  const model::Labels* labels = nullptr;
  std::string_view data;  // sealed chunk bytes (chunkenc format, header has min_t/max_t)
};

struct PartitionInfo {
  model::Timestamp start = 0;   // inclusive
  model::Timestamp end = 0;     // exclusive: start + partition_ms
  uint64_t disk_bytes = 0;      // SST files of the partition
  uint64_t estimated_keys = 0;  // RocksDB's estimate (series + postings + chunks)
  // Approximate SST bytes of each key kind (RocksDB's GetApproximateSizes).
  uint64_t series_bytes = 0;
  uint64_t postings_bytes = 0;
  uint64_t chunk_bytes = 0;
};

// Deleted samples of one label set (delete_samples()).
struct SeriesDeletion {
  const model::Labels* labels = nullptr;
  const Intervals* intervals = nullptr;
};

// A record of the default column family (put_meta()): nullopt deletes it.
struct MetaWrite {
  std::string key;
  std::optional<std::string> value;
};

struct Partition;

class Store {
 public:
  // Opens or creates the store in `dir`. kIOError (or kCorruption) with
  // RocksDB's message when it cannot be opened, e.g. when another process holds
  // its LOCK file.
  static Result<std::unique_ptr<Store>> open(const std::string& dir, const StoreOptions& opts = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Writes the chunks in one atomic RocksDB write batch. Each chunk goes to the
  // partition containing its min_t; a chunk whose max_t falls in a later
  // partition, or whose header does not parse, fails the whole call with
  // kInvalidArgument and nothing is written. Labels and postings are written
  // once per (partition, series id). With `sync` the batch is durable when this
  // returns (fsync of RocksDB's WAL); otherwise after the next sync_wal(). Disk
  // full: kResourceExhausted, without RocksDB being asked to write when the
  // filesystem lacks room for the batch plus a margin (see kFreeSpaceMargin);
  // other write errors: kIOError, both with RocksDB's message. The store stays
  // usable and later writes succeed once the cause is gone (a failed memtable
  // flush recovers by itself through the SstFileManager, other background
  // errors are cleared with Resume()). Exception: should RocksDB's own WAL fail
  // a write for lack of space, every later write fails with kResourceExhausted
  // until the store is reopened (RocksDB 7.8 reuses the failed log writer:
  // an error forever, or an assertion in builds with assertions).
  // One writer thread at a time.
  Status write(std::span<const ChunkRecord> chunks, bool sync);
  Status sync_wal();

  // A tsdb::Querier over the partitions overlapping [mint, maxt] (inclusive),
  // reading a RocksDB snapshot taken now. Series with one label set stored under
  // several ids or in several partitions come out as one Series whose samples
  // are merged in time order, a timestamp seen twice given once. Samples
  // outside [mint, maxt] are not returned.
  // With `head` (which must outlive the querier), select() leaves out the
  // series the head holds from mint on (see HeadView in store_querier.h).
  Result<std::unique_ptr<Querier>> querier(model::Timestamp mint, model::Timestamp maxt,
                                           const HeadView* head = nullptr);

  // Retention: drops every partition whose end <= t. Returns how many.
  Result<size_t> drop_before(model::Timestamp t);
  // Drops the oldest partition (size-based retention). Returns 0 or 1.
  Result<size_t> drop_oldest();

  std::vector<PartitionInfo> partitions() const;  // oldest first
  // The highest series id with labels in any partition, 0 when there is none:
  // the head numbers new series above it, so an id never names two label
  // sets in the store.
  Result<uint64_t> max_series_id() const;
  uint64_t disk_bytes() const;  // bytes of every file in the store dir
  // Memtables -> SST files; also deletes the files of dropped partitions that
  // queriers held until now.
  Status flush();
  Status compact();  // full compaction of every partition

  // Small records beside the partitions (the DB's tombstones), in the default
  // column family, written atomically; with `sync` durable on return. Keys
  // must not start with "meta/" (the store's own). Disk full as for write().
  Status put_meta(std::span<const MetaWrite> writes, bool sync);
  // Calls fn(key, value) for every record whose key starts with `prefix`, in
  // key order; a non-ok Status from fn stops the scan and is returned.
  Status scan_meta(std::string_view prefix,
                   const std::function<Status(std::string_view, std::string_view)>& fn) const;

  // Rewrites the chunks of the series with these label sets without the
  // samples in their intervals (clean_tombstones): chunks left empty are
  // deleted, and a series left without chunks in a partition loses its series
  // and postings keys there. One synced write batch per partition; readers see
  // each partition before or after, never half of it. Serialised with write().
  // Disk full as for write() (partitions already rewritten stay rewritten).
  // Returns how many chunks were rewritten or deleted.
  Result<uint64_t> delete_samples(std::span<const SeriesDeletion> deletions);

  // A consistent copy of the whole store in `dir` (which must not exist):
  // RocksDB's Checkpoint, hard links to the immutable files (copies when `dir`
  // is on another file system) and a flushed memtable.
  Status checkpoint(const std::string& dir);

  int64_t partition_ms() const { return partition_ms_; }
  // Bytes held by the per-partition sets of series already written (the
  // writer's bookkeeping), for self-metrics.
  size_t written_sets_bytes() const;

 private:
  Store(std::string dir, const StoreOptions& opts);
  model::Timestamp partition_start(model::Timestamp t) const;
  Result<std::shared_ptr<Partition>> partition_for_write(model::Timestamp start);
  Status load_written(Partition& p);
  void evict_written_sets();
  Result<size_t> drop(std::vector<std::shared_ptr<Partition>> victims);
  std::shared_ptr<Partition> make_partition(model::Timestamp start,
                                            rocksdb::ColumnFamilyHandle* cf);
  std::vector<std::shared_ptr<Partition>> all_partitions() const;
  void purge_obsolete_files();
  // Every RocksDB write goes through here: refused with kResourceExhausted when
  // RocksDB's WAL failed for lack of space earlier, or when the filesystem lacks
  // room for the batch plus kFreeSpaceMargin (RocksDB is then not asked); one
  // retry after Resume() for a background error; marks wal_failed_ when the WAL
  // runs out of space. Errors are prefixed with `what` ("writing chunks").
  // Callers serialise themselves as their own contracts say.
  Status write_batch(rocksdb::WriteBatch& batch, bool sync, std::string_view what);

  const std::string dir_;
  const StoreOptions opts_;
  int64_t partition_ms_;
  std::shared_ptr<rocksdb::Cache> cache_;
  std::unique_ptr<rocksdb::ColumnFamilyOptions> cf_opts_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> other_handles_;  // default and unknown CFs

  mutable std::shared_mutex mu_;  // guards parts_
  std::map<model::Timestamp, std::shared_ptr<Partition>> parts_;

  mutable std::mutex write_mu_;  // one writer; guards the written sets and write_counter_
  uint64_t write_counter_ = 0;
  // RocksDB's WAL failed a write for lack of space: writes, WAL syncs and
  // flushes are refused from then on (they would reuse the failed writer).
  std::atomic<bool> wal_failed_{false};
};

}  // namespace promlite::tsdb::store
