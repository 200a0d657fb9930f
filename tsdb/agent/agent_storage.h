// AgentStorage: the storage of agent mode (--agent), as Prometheus's
// tsdb/agent: scraped samples go to a write-ahead log that the remote-write
// queues tail, and nowhere else. No chunks, no store, no queries.
//
//   auto st = AgentStorage::open({.dir = "data-agent/"});  // locks, replays
//   st->set_wal_hold([&rs] { return rs.oldest_needed_segment(); }, max_bytes);
//   auto app = st->appender();       // same contract as tsdb::Appender
//
// Directory (the layout remote/ reads: <dir>/wal and <dir>/checkpoint.N):
//   lock                  flock held while open (unless no_lockfile)
//   wal/00000012 ...      segments: kSeries and kSamples records (tsdb/wal)
//   checkpoint.00000012/  the series live when segment 12 was started: type-16
//                         snapshot records (id, labels, newest time; the DB's
//                         layout with no chunks), plus a `next_ref` file
//
// Series refs are the WAL's series ids: stable across restarts (the WAL and
// the checkpoint are replayed with their ids and new ids continue above every
// id ever logged), so the senders' saved positions stay valid.
//
// Truncation (every truncate_frequency, and at close): series whose newest
// sample is older than a cut-off, and that no open appender holds, leave
// memory (Prometheus's rule: the
// lowest time still to be sent minus min_wal_time, but never older than now
// minus max_wal_time); then the WAL is rotated, a checkpoint of the series
// written, and the segments before it deleted unless a remote_write queue
// still needs them (set_wal_hold, bounded by its byte limit). A dropped series
// stays in the checkpoints as long as a kept segment may refer to it.
//
// Out-of-order: a sample not newer than its series' newest committed sample,
// nor than a sample of that series already in the same batch, is refused with
// kOutOfOrder ("out of order sample"), as Prometheus's agent does (no
// duplicate check: equal timestamps are out of order too).
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
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "model/status.h"
#include "tsdb/agent/series_map.h"
#include "tsdb/appender.h"
#include "tsdb/data_dir.h"
#include "tsdb/querier.h"
#include "tsdb/wal/writer.h"

namespace promlite::tsdb::agent {

// Prometheus's tsdb/agent defaults.
inline constexpr int64_t kDefaultMinWalTimeMs = 5 * 60 * 1000;
inline constexpr int64_t kDefaultMaxWalTimeMs = 4 * 3600 * 1000;
inline constexpr std::chrono::milliseconds kDefaultTruncateFrequency{2 * 3600 * 1000};

// What a querier of the agent answers (Prometheus's agent.ErrUnsupported).
inline constexpr const char* kUnsupportedMessage = "unsupported operation with WAL-only storage";

struct AgentOptions {
  std::string dir = "data-agent/";
  size_t wal_segment_bytes = 128 << 20;  // Prometheus's default segment size
  std::chrono::milliseconds wal_sync_interval{1000};
  // 0 disables the background thread (tests call truncate()).
  std::chrono::milliseconds truncate_frequency = kDefaultTruncateFrequency;
  int64_t min_wal_time_ms = kDefaultMinWalTimeMs;
  int64_t max_wal_time_ms = kDefaultMaxWalTimeMs;
  bool no_lockfile = false;
  std::function<int64_t()> now_ms;  // wall clock in ms; tests inject one
};

struct AgentStats {
  uint64_t active_series = 0;   // in memory
  uint64_t deleted_series = 0;  // dropped, still kept for the checkpoints
  uint64_t series_created = 0;
  uint64_t samples_appended = 0;  // committed to the WAL
  uint64_t out_of_order = 0;      // refused appends
  uint64_t checkpoints = 0;
  uint64_t checkpoint_failures = 0;
  uint64_t checkpoint_deletions = 0;  // old checkpoints removed
  uint64_t truncations = 0;
  double truncate_seconds = 0;  // total
  double replay_seconds = 0;    // at open
  uint64_t replayed_records = 0;
  uint64_t replay_unknown_series = 0;  // samples of series without a record
  uint64_t wal_corruptions = 0;        // torn or corrupt tails cut at open
  uint64_t memory_bytes = 0;           // series map
  uint64_t wal_bytes = 0;              // segments and checkpoints on disk
  wal::WalStats wal;
};

class AgentStorage final : public Appendable, public Queryable {
 public:
  static Result<std::unique_ptr<AgentStorage>> open(AgentOptions opts);
  // Stops the background thread, truncates once more and closes.
  ~AgentStorage() override;
  AgentStorage(const AgentStorage&) = delete;
  AgentStorage& operator=(const AgentStorage&) = delete;

  std::unique_ptr<Appender> appender(const AppendOptions& opts = {}) override;
  // Always kUnavailable with kUnsupportedMessage: agent mode stores nothing to query.
  Result<std::unique_ptr<Querier>> querier(model::Timestamp mint, model::Timestamp maxt) override;

  // See DB::set_wal_hold: `hold` names the oldest segment a remote_write
  // queue still needs; segments from there on are kept while the WAL stays
  // under `max_bytes` (0: no limit).
  void set_wal_hold(std::function<std::optional<uint64_t>()> hold, uint64_t max_bytes);
  std::string wal_dir() const;
  const std::string& dir() const { return opts_.dir; }

  // One truncation now (see the header comment). `mint`, when given,
  // replaces the computed cut-off (tests).
  Status truncate(std::optional<int64_t> mint = std::nullopt);

  AgentStats stats() const;

  // --- For the appender (agent_appender.cc). ---
  SeriesMap& series() { return series_; }
  uint64_t new_id() { return next_id_.fetch_add(1, std::memory_order_relaxed); }
  // Logs a committed batch (`min_t`: its oldest sample) and runs `applied`
  // under the commit gate once the records are written.
  Status log(std::span<const std::string_view> records, int64_t min_t,
             const std::function<void()>& applied);
  uint64_t pin();
  void unpin(uint64_t epoch);
  void count_appended(uint64_t n, uint64_t created, uint64_t out_of_order);

 private:
  explicit AgentStorage(AgentOptions opts);
  Status lock_dir();
  Status recover();
  Status replay_segments(uint64_t from);
  Status write_checkpoint(uint64_t segment, uint64_t keep_from);
  uint64_t keep_wal_from(uint64_t segment);
  int64_t cutoff();
  void bury(std::vector<Series*> dead);
  void settle_graveyard(uint64_t keep_from);
  void run();
  int64_t now() const;

  AgentOptions opts_;
  std::unique_ptr<DataDirLock> lock_;  // null with no_lockfile; released last
  SeriesMap series_;
  std::atomic<uint64_t> next_id_{1};
  std::unique_ptr<wal::Writer> wal_;
  // Commits log under a shared lock; a rotation for a checkpoint takes it
  // exclusively, so every series logged before the rotation is marked logged
  // when the checkpoint looks.
  std::shared_mutex commit_gate_;

  // The first sample time logged into each segment (for the cut-off while a
  // queue holds old segments).
  std::mutex seg_mu_;
  std::map<uint64_t, int64_t> segment_min_t_;

  // Appenders pin the epoch they started in; dropped series are freed only
  // once no appender that might still point at them is open.
  std::mutex epoch_mu_;
  uint64_t epoch_ = 1;
  std::multiset<uint64_t> pinned_;
  struct Dead {
    Series* series;
    uint64_t epoch;                   // dropped at
    std::optional<uint64_t> segment;  // last segment that may refer to it
  };
  std::vector<Dead> graveyard_;  // guarded by maintenance_mu_

  std::mutex hold_mu_;
  std::function<std::optional<uint64_t>()> wal_hold_;
  uint64_t wal_hold_max_bytes_ = 0;

  std::mutex maintenance_mu_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;

  std::atomic<uint64_t> series_created_{0};
  std::atomic<uint64_t> samples_appended_{0};
  std::atomic<uint64_t> out_of_order_{0};
  std::atomic<uint64_t> checkpoints_{0};
  std::atomic<uint64_t> checkpoint_failures_{0};
  std::atomic<uint64_t> checkpoint_deletions_{0};
  std::atomic<uint64_t> truncations_{0};
  std::atomic<uint64_t> truncate_ns_{0};
  std::atomic<uint64_t> deleted_series_{0};
  double replay_seconds_ = 0;
  uint64_t replayed_records_ = 0;
  uint64_t replay_unknown_ = 0;
  uint64_t wal_corruptions_ = 0;
};

}  // namespace promlite::tsdb::agent
