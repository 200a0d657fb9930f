// QueueManager: one remote_write destination. Tails the WAL, turns its series
// and sample records into batches and sends them over a set of shards.
//
// Threads: one reader thread (tails the WAL, keeps the series map, routes
// samples to shards by series id so each series stays in order, reshards,
// saves the position) and one thread per shard (batches, sends, retries).
// Scraping is never blocked: the manager only reads WAL files. Memory is
// bounded by capacity x shards queued samples plus the series map; a backlog
// stays in the WAL (see RemoteStorage for the segment hold).
//
// Progress: the position of the newest WAL record all of whose samples were
// sent (or dropped) and every record before it, written to `position_file`
// every save_interval and at stop. A restart skips records up to there, after
// learning the labels of earlier series from the newest checkpoint and the
// segments before the position. Without a position file the manager starts at
// the live end of the WAL (as Prometheus does for a new queue).
//
// All public methods are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "model/labels.h"
#include "model/status.h"

namespace prometheus {
class Registry;
}

namespace promlite::remote {

// Applies write_relabel_configs (the cmd layer passes the scraper's relabel
// function: remote/ does not depend on scraper/). Sets *keep=false to drop.
using RelabelFn =
    std::function<model::Labels(const model::Labels&, const config::RelabelConfigs&, bool* keep)>;

struct QueueOptions {
  config::RemoteWriteConfig cfg;
  std::string queue_name;  // remote_name label: cfg.name or a hash of the URL
  model::Labels external_labels;
  RelabelFn relabel;          // may be empty (then write_relabel_configs are ignored)
  std::string wal_dir;        // <data>/wal
  std::string position_file;  // empty: do not persist progress
  std::string user_agent = "promlite";
  std::chrono::milliseconds poll_interval{50};
  std::chrono::milliseconds save_interval{5000};
  std::chrono::milliseconds reshard_interval{10000};
  prometheus::Registry* registry = nullptr;  // self-metrics; may be null
};

// Counters since start (samples unless named otherwise).
struct QueueStats {
  std::atomic<uint64_t> samples_in{0};       // read from the WAL and queued
  std::atomic<uint64_t> samples_sent{0};     // acknowledged with 2xx
  std::atomic<uint64_t> samples_failed{0};   // dropped after a non-retryable answer
  std::atomic<uint64_t> samples_retried{0};  // sent again after 5xx/429/network error
  std::atomic<uint64_t> samples_dropped{0};  // dropped by relabeling or unknown series
  std::atomic<uint64_t> batches_sent{0};
  std::atomic<uint64_t> batches_failed{0};
  std::atomic<uint64_t> bytes_sent{0};        // compressed request bytes acknowledged
  std::atomic<uint64_t> skipped_segments{0};  // WAL segments deleted before they were read
  std::atomic<int64_t> highest_in_ms{0};
  std::atomic<int64_t> highest_sent_ms{0};
  std::atomic<int> shards{0};
  std::atomic<int> desired_shards{0};
  std::atomic<uint64_t> send_nanos{0};  // time spent in successful sends
};

class QueueManager {
 public:
  // Starts the threads. kInvalidArgument for a bad URL or TLS/credential files.
  static Result<std::unique_ptr<QueueManager>> start(QueueOptions opts);
  // stop()s.
  ~QueueManager();

  // Stops the threads (samples not yet acknowledged are resent after the next
  // start, from the saved position) and saves the position. Idempotent.
  void stop();

  // The oldest WAL segment this queue still needs (nullopt: none yet).
  std::optional<uint64_t> oldest_needed_segment() const;
  const QueueStats& stats() const { return stats_; }
  // True once the reader reached the live end of the WAL the first time.
  bool caught_up() const { return caught_up_.load(); }
  const std::string& name() const { return opts_.queue_name; }
  // The saved-or-current progress: segment and frame offset of the last record
  // completely handled (nullopt before any).
  std::optional<std::pair<uint64_t, uint64_t>> position() const;

  struct Shard;
  struct Series;
  struct Metrics;

 private:
  explicit QueueManager(QueueOptions opts);

  void run_reader();
  void load_position();
  void save_position();
  void load_checkpoint_series();
  void handle_series(std::string_view rec);
  void handle_samples(std::string_view rec, uint64_t seg, uint64_t off);
  void mark_done_locked(uint64_t seg, uint64_t off);
  void complete(uint64_t seq, uint32_t n);  // called by shards
  void start_shards(int n);
  void stop_shards();
  bool drain_shards();
  void maybe_reshard();
  void publish_metrics();
  bool wait_stop(std::chrono::milliseconds d);  // true when stopping

  friend struct Shard;

  QueueOptions opts_;
  QueueStats stats_;
  std::unique_ptr<Metrics> metrics_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> caught_up_{false};
  std::thread reader_;

  // Reader-thread state.
  std::vector<std::unique_ptr<Shard>> shards_;
  std::unordered_map<uint64_t, std::unique_ptr<Series>> series_;
  uint64_t next_seq_ = 0;

  // Progress tracking: records with samples still in flight, oldest first.
  struct Pending {
    uint64_t seg, off;
    uint32_t remaining;
  };
  mutable std::mutex track_mu_;
  std::deque<Pending> inflight_;
  uint64_t base_seq_ = 0;  // seq of inflight_.front()
  std::optional<std::pair<uint64_t, uint64_t>> done_pos_;
  std::optional<std::pair<uint64_t, uint64_t>> resume_after_;  // loaded at start

  // Resharding inputs (reader thread).
  std::chrono::steady_clock::time_point last_reshard_;
  uint64_t last_in_ = 0, last_out_ = 0, last_nanos_ = 0;
  double rate_in_ = 0;
};

}  // namespace promlite::remote
