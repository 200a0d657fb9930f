// DB: the whole TSDB behind tsdb::Appender and tsdb::Querier: the in-memory
// head, its write-ahead log and checkpoints, and the RocksDB partition store.
//
//   auto db = DB::open(opts);          // locks the dir, loads checkpoint, replays WAL
//   auto app = (*db)->appender();      // commits are logged, then applied
//   auto q = (*db)->querier(mint, maxt);  // head and store, merged per series
//
// Data directory:
//   lock                 flock held while open (a second promlite is refused)
//   wal/00000012 ...     write-ahead log segments (tsdb/wal)
//   checkpoint.00000012/ head snapshot taken when segment 12 was started
//   store/               RocksDB: one column family per time partition, plus
//                        the tombstones of delete_series (tsdb/tombstones.h)
//   snapshots/<name>/    snapshot(): a data directory of its own (store/ and
//                        checkpoint.00000000/), not counted by size retention
//
// Life of a sample: HeadAppender::commit() logs the batch to the WAL (written
// to the OS before commit returns, fsynced every wal_sync_interval) and applies
// it to the head. The head cuts full chunks (120 samples or a 2 h boundary);
// maintenance() writes sealed chunks to the store, and drops them from memory
// once no querier that started before the write is still open. A checkpoint
// (every checkpoint_interval) rotates the WAL, snapshots every series' open
// chunk and unflushed sealed chunks, and then deletes the older segments, so
// replay after a crash reads one snapshot plus at most one interval of WAL.
//
// Thread-safety: every public method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "model/status.h"
#include "tsdb/appender.h"
#include "tsdb/data_dir.h"
#include "tsdb/head/head.h"
#include "tsdb/querier.h"
#include "tsdb/stats.h"
#include "tsdb/store/store.h"
#include "tsdb/tombstones.h"
#include "tsdb/wal/reader.h"
#include "tsdb/wal/writer.h"

namespace promlite::tsdb {

class HeadHolds;  // db_querier.h

struct DbOptions {
  std::string dir;
  int64_t retention_ms = 30LL * 24 * 3600 * 1000;  // 0: no time limit
  uint64_t retention_bytes = 0;                    // 0: no size limit
  // Committed samples reach the disk (fsync) at most this long after commit.
  // 0 fsyncs inside every commit.
  std::chrono::milliseconds wal_sync_interval{1000};
  size_t wal_segment_bytes = 64 << 20;
  // How often the background thread flushes chunks and applies retention, and
  // how often it checkpoints the head (also when the WAL outgrows
  // checkpoint_wal_bytes). 0 disables the thread (tests call maintenance()).
  // A pass visits every series; chunks fill in 30 minutes at 15 s, so a
  // minute loses nothing and costs a quarter of 15 s (Prometheus also checks
  // its head once a minute).
  std::chrono::milliseconds maintenance_interval{60000};
  std::chrono::milliseconds checkpoint_interval{10 * 60 * 1000};
  uint64_t checkpoint_wal_bytes = 256 << 20;
  // A series whose newest sample is this much older than the head's newest
  // (capped by the clock) has its open chunk cut and written to the store, and
  // leaves the head.
  int64_t head_idle_ms = 3600 * 1000;
  // Chunks written to the store stay in the head, as a cache of recent data,
  // while their newest sample is within head_cache_ms of the head's newest
  // and all of them together fit in head_cache_bytes (the oldest leave
  // first): queries over recent hours, most dashboards' ranges, then read
  // memory instead of seeking every series in the store. An idle series (see
  // head_idle_ms) stays in the head while its chunks are cached, and counts
  // in the budget whole. 0 bytes: chunks leave as soon as written.
  int64_t head_cache_ms = 2 * 3600 * 1000;
  uint64_t head_cache_bytes = 64 << 20;
  head::HeadOptions head;
  store::StoreOptions store;
  // Wall clock in ms (tests inject a fake one).
  std::function<int64_t()> now_ms;
};

// Self-metrics (see api/self_metrics wiring in cmd/).
struct DbStats {
  head::HeadStats head;
  uint64_t chunks_flushed = 0;  // sealed chunks written to the store
  uint64_t flush_failures = 0;  // store writes that failed (retried later)
  double flush_seconds = 0;     // time spent writing chunks
  uint64_t checkpoints = 0;     // checkpoints written
  uint64_t checkpoint_failures = 0;
  double checkpoint_seconds = 0;
  uint64_t partitions = 0;          // partitions in the store
  uint64_t partitions_dropped = 0;  // by retention (time or size)
  uint64_t store_bytes = 0;         // store directory
  uint64_t wal_bytes = 0;           // WAL segments and checkpoints
  uint64_t replayed_samples = 0;    // at the last open
  uint64_t replay_skipped = 0;      // WAL samples for unknown series
  double replay_seconds = 0;
  uint64_t wal_corruptions = 0;   // torn or corrupt tails truncated at open
  model::Timestamp min_time = 0;  // oldest sample time held (store or head), 0 if none
  wal::WalStats wal;
};

// The DB is also the API's StatsProvider and AdminProvider (tsdb/stats.h;
// implemented in db_stats.cc and db_admin.cc).
class DB final : public Appendable, public Queryable, public StatsProvider, public AdminProvider {
 public:
  static Result<std::unique_ptr<DB>> open(DbOptions opts);
  // Stops the background thread, flushes, checkpoints and closes.
  ~DB() override;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;

  std::unique_ptr<Appender> appender(const AppendOptions& opts = {}) override;
  Result<std::unique_ptr<Querier>> querier(model::Timestamp mint, model::Timestamp maxt) override;

  // One maintenance round: cut idle series, flush sealed chunks to the store,
  // drop written chunks outside the cache of recent data that no querier
  // reads, gc idle series, retention; then a checkpoint when one is due (or
  // `force_checkpoint`).
  Status maintenance(bool force_checkpoint = false);
  // Writes a checkpoint now and deletes the WAL segments it covers.
  Status checkpoint();

  DbStats stats() const;

  // Remote-write senders read the WAL (wal_dir()). `hold` returns the oldest
  // segment some sender still needs; checkpoints keep segments from there on
  // unless the WAL would then pass `max_bytes` (the oldest go regardless and
  // the sender counts what it skipped).
  void set_wal_hold(std::function<std::optional<uint64_t>()> hold, uint64_t max_bytes);
  std::string wal_dir() const;

  head::Head& head() { return head_; }
  const head::Head& head() const { return head_; }
  // Bytes of the whole data directory (WAL, checkpoints, store).
  uint64_t disk_bytes() const;

  // --- StatsProvider (db_stats.cc) ---
  // The head's cardinality statistics (as Prometheus's /api/v1/status/tsdb,
  // which reports its head only).
  Result<TsdbStatus> tsdb_status(size_t limit) const override;
  // The WAL segments replayed at open: first, last, and the last one read
  // (equal to max once open() has returned). All zero without a WAL.
  WalReplayStatus wal_replay_status() const override;

  // --- AdminProvider (db_admin.cc) ---
  // Marks the samples in [mint, maxt] of every series matching one of the
  // selectors deleted, as Prometheus does: per series the range is clamped to
  // its newest sample at the time of the call (later appends stay visible;
  // for a series only in the store, to the newest sample of the whole DB).
  // Nothing is rewritten: a tombstone per label set is stored (synced) and
  // every reader filters it out (tombstone_querier.h). Selectors are checked
  // against the stored and head series whose samples fall in [mint, maxt].
  Status delete_series(model::Timestamp mint, model::Timestamp maxt,
                       const std::vector<model::Matchers>& selectors) override;
  // Rewrites the chunks holding deleted samples (store partitions and head),
  // checkpoints the head (so WAL replay cannot bring them back) and then drops
  // the tombstones. Blocks maintenance while it runs.
  Status clean_tombstones() override;
  // Writes <dir>/snapshots/<UTC time>-<16 hex digits>/ and returns its name: a
  // RocksDB checkpoint of the store (hard links) and, with `with_head`, a head
  // checkpoint, so that promlite started on (a copy of) that directory answers
  // queries as this DB did at the call. Without `with_head` only what is in
  // the store (plus its tombstones) is included.
  Result<std::string> snapshot(bool with_head) override;
  // The current tombstones (null when there are none), for tests and stats.
  std::shared_ptr<const TombstoneSet> tombstones() const;

  // --- For queriers: epochs that keep flushed chunks in memory while read. ---
  uint64_t pin_epoch();
  void unpin_epoch(uint64_t epoch);

 private:
  explicit DB(DbOptions opts);
  Status recover();
  Status flush_chunks();
  Status checkpoint_locked();
  uint64_t keep_wal_from(uint64_t checkpoint_segment);
  // Schedules written chunks to leave the head (all of them, or with
  // `keep_recent` those outside the cache of recent data) and drops the
  // scheduled chunks no open querier may count on.
  void evict_flushed_chunks(bool keep_recent);
  void release_free_memory();  // hands freed heap pages back to the OS
  Status apply_retention();
  void run();
  int64_t now() const;
  model::Timestamp head_reference_time() const;

  class WalLog;

  // Head and store merged, without the tombstones applied.
  Result<std::unique_ptr<Querier>> raw_querier(model::Timestamp mint, model::Timestamp maxt);
  Status load_tombstones();
  void publish_tombstones(std::shared_ptr<const TombstoneSet> ts);
  // After head::MemSeries::delete_samples() removed flushed chunks of `s`
  // (their indices before the removal): lowers the pending drops that count
  // them (those scheduled to leave, the first evicting() chunks). REQUIRES:
  // maintenance_mu_ held.
  void forget_flushed_chunks(const head::SeriesPtr& s, const std::vector<size_t>& removed);

  // WAL replay progress (db_stats.cc): the segment range at the start of
  // recover(), the last segment read once replay ends.
  void start_replay_status(const std::string& wal_dir, uint64_t first_segment);
  void finish_replay_status();
  std::atomic<int64_t> replay_min_{0};
  std::atomic<int64_t> replay_max_{0};
  std::atomic<int64_t> replay_current_{0};

  DbOptions opts_;
  std::unique_ptr<DataDirLock> lock_;
  head::Head head_;
  std::unique_ptr<store::Store> store_;
  // Given to store queriers: what the head answers alone.
  std::unique_ptr<HeadHolds> head_holds_;
  std::unique_ptr<wal::Writer> wal_;
  std::unique_ptr<WalLog> wal_log_;

  // Chunks scheduled to leave the head at epoch E wait here until every
  // querier pinned at or before E is closed (it may have read them from the
  // head instead of from the store, see HeadHolds); then the head drops them.
  struct PendingDrop {
    uint64_t epoch;
    std::vector<std::pair<head::SeriesPtr, uint32_t>> chunks;  // series, count
  };
  std::mutex epoch_mu_;
  uint64_t epoch_ = 1;
  std::multiset<uint64_t> pinned_;
  std::vector<PendingDrop> drops_;

  std::mutex hold_mu_;
  std::function<std::optional<uint64_t>()> wal_hold_;
  uint64_t wal_hold_max_bytes_ = 0;

  // delete_series, clean_tombstones and snapshot one at a time (taken before
  // maintenance_mu_).
  std::mutex admin_mu_;
  mutable std::mutex tombstones_mu_;                // guards the pointer only
  std::shared_ptr<const TombstoneSet> tombstones_;  // null or non-empty

  std::mutex maintenance_mu_;  // one maintenance/checkpoint at a time
  int64_t last_checkpoint_ms_ = 0;
  uint64_t wal_bytes_at_checkpoint_ = 0;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;

  std::atomic<uint64_t> chunks_flushed_{0};
  std::atomic<uint64_t> flush_failures_{0};
  std::atomic<uint64_t> flush_ns_{0};
  std::atomic<uint64_t> checkpoints_{0};
  std::atomic<uint64_t> checkpoint_failures_{0};
  std::atomic<uint64_t> checkpoint_ns_{0};
  std::atomic<uint64_t> partitions_dropped_{0};
  uint64_t replayed_samples_ = 0;
  uint64_t replay_skipped_ = 0;
  double replay_seconds_ = 0;
  uint64_t wal_corruptions_ = 0;
};

}  // namespace promlite::tsdb
