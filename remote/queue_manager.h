// QueueManager: one remote_write destination. Tails the WAL, turns its series
// and sample records into batches and sends them over a set of shards.
//
// Threads: one reader thread (tails the WAL, keeps the series map, routes
// samples to shards by series id so each series stays in order, reshards,
// saves the position) and one thread per shard (batches, sends, retries);
// with metadata_config.send and a MetadataSource, a MetadataSender thread.
// Scraping is never blocked: the manager only reads WAL files. Memory is
// bounded per shard by capacity queued samples plus one WAL record (the
// reader queues a record's samples whole once the queue is below capacity)
// plus the batch in flight, and by the series map; a backlog
// stays in the WAL (see RemoteStorage for the segment hold).
//
// Progress: the position of the newest WAL record all of whose samples were
// sent (or dropped) and every record before it, written to `position_file`
// when the reader first catches up, every save_interval and at stop. A restart
// skips records up to there, after learning the labels of earlier series from
// the newest checkpoint and the segments before the position. Without a
// position file the manager starts at the live end of the WAL as it is when
// start() returns (as Prometheus does for a new queue): every record logged
// after that is sent.
//
// Series the DB dropped (absent from a newer checkpoint) are forgotten once
// the reader is past that checkpoint and their queued samples are done, so
// series churn does not grow the map forever.
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
#include "remote/metadata_sender.h"

namespace prometheus {
class Registry;
}

namespace promlite::remote {

class HttpClient;

class QueueMetrics;

// Applies write_relabel_configs (the cmd layer passes the scraper's relabel
// function: remote/ does not depend on scraper/). Sets *keep=false to drop.
using RelabelFn =
    std::function<model::Labels(const model::Labels&, const config::RelabelConfigs&, bool* keep)>;

struct QueueOptions {
  config::RemoteWriteConfig cfg;
  std::string queue_name;  // remote_name label: cfg.name or a hash of the queue config
  model::Labels external_labels;
  RelabelFn relabel;  // may be empty (then write_relabel_configs are ignored)
  // Scraped metadata to send per cfg.metadata_config; empty: none is sent.
  MetadataSource metadata;
  std::string wal_dir;        // <data>/wal
  std::string position_file;  // empty: do not persist progress
  std::string user_agent = "promlite";
  std::chrono::milliseconds poll_interval{50};
  // A SIGKILL resends at most what was acknowledged in the last interval.
  std::chrono::milliseconds save_interval{1000};
  std::chrono::milliseconds reshard_interval{10000};
  prometheus::Registry* registry = nullptr;  // self-metrics; may be null
};

// Counters since start (samples unless named otherwise).
struct QueueStats {
  std::atomic<uint64_t> samples_in{0};       // read from the WAL and queued
  std::atomic<uint64_t> samples_sent{0};     // acknowledged with 2xx
  std::atomic<uint64_t> samples_failed{0};   // dropped after a non-retryable answer
  std::atomic<uint64_t> samples_retried{0};  // sent again after 5xx/429/network error
  std::atomic<uint64_t> samples_dropped{0};  // all reasons: relabeling, unknown series, too old
  std::atomic<uint64_t> dropped_relabel{0};  // of those: write_relabel_configs dropped the series
  std::atomic<uint64_t> dropped_unknown{0};  // of those: series id never seen
  std::atomic<uint64_t> dropped_too_old{0};  // of those: older than sample_age_limit
  std::atomic<int64_t> samples_pending{0};   // queued or being sent
  std::atomic<uint64_t> enqueue_retries{0};  // the reader waited for room in a full shard
  std::atomic<uint64_t> series_records{0};   // WAL records read, by type
  std::atomic<uint64_t> sample_records{0};
  std::atomic<uint64_t> other_records{0};
  std::atomic<uint64_t> current_segment{0};  // the WAL segment being read
  std::atomic<uint64_t> series{0};           // series known to the reader
  std::atomic<uint64_t> batches_sent{0};
  std::atomic<uint64_t> batches_failed{0};
  std::atomic<uint64_t> bytes_sent{0};        // compressed request bytes acknowledged
  std::atomic<uint64_t> skipped_segments{0};  // WAL segments deleted before they were read
  std::atomic<int64_t> highest_in_ms{0};      // newest sample queued
  std::atomic<int64_t> highest_sent_ms{0};    // newest sample acknowledged
  std::atomic<int> shards{0};
  std::atomic<int> desired_shards{0};
  std::atomic<uint64_t> send_nanos{0};  // time spent in successful sends
  // metadata_config: entries (MetricMetadata) and compressed request bytes.
  std::atomic<uint64_t> metadata_sent{0};     // acknowledged with 2xx
  std::atomic<uint64_t> metadata_failed{0};   // non-retryable answer or deadline
  std::atomic<uint64_t> metadata_retried{0};  // sent again after 5xx/429/network error
  std::atomic<uint64_t> metadata_bytes{0};    // of acknowledged requests
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

 private:
  explicit QueueManager(QueueOptions opts);

  void run_reader();
  void load_position();
  void find_start();
  void save_position();
  // Periodic work of the reader (metrics, position, freeing forgotten series);
  // also called while it waits for room in a shard or for a drain.
  void tick();
  // Reads the series of the newest checkpoint; with `gc`, then forgets the
  // series that checkpoint no longer has. Returns the checkpoint's number.
  std::optional<uint64_t> read_checkpoint(bool gc);
  void handle_series(std::string_view rec, uint64_t segment);
  void handle_samples(std::string_view rec, uint64_t seg, uint64_t off);
  void mark_done_locked(uint64_t seg, uint64_t off);
  void complete(uint64_t seq, uint32_t n);  // called by shards
  // `n` clients, or none when one cannot be created (then logged).
  std::vector<std::unique_ptr<HttpClient>> make_clients(int n);
  void start_shards(std::vector<std::unique_ptr<HttpClient>> clients);
  void stop_shards();
  bool drain_shards();
  void maybe_reshard();
  void publish_metrics();
  bool wait_stop(std::chrono::milliseconds d);  // true when stopping

  friend struct Shard;

  QueueOptions opts_;
  QueueStats stats_;
  std::unique_ptr<QueueMetrics> metrics_;
  std::unique_ptr<MetadataSender> metadata_;  // null unless metadata_config.send

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> caught_up_{false};
  std::thread reader_;

  // Reader-thread state.
  std::vector<std::unique_ptr<Shard>> shards_;
  std::unique_ptr<HttpClient> spare_client_;  // made but not in use by a shard
  std::unordered_map<uint64_t, std::unique_ptr<Series>> series_;
  // Forgotten series, freed once every record before `seq` is done (queued
  // samples point at them until then).
  struct Grave {
    uint64_t seq;
    std::vector<std::unique_ptr<Series>> series;
  };
  std::deque<Grave> graves_;
  uint64_t first_segment_ = 0;    // where reading starts: the oldest segment at start()
  uint64_t last_checkpoint_ = 0;  // number of the newest checkpoint read (0: none)
  std::chrono::steady_clock::time_point last_save_, last_publish_;

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
  // Without a saved position: the end of the WAL when start() ran; records
  // before it are only read for their series.
  std::optional<std::pair<uint64_t, uint64_t>> live_end_;

  // Resharding inputs (reader thread).
  std::chrono::steady_clock::time_point last_reshard_;
  uint64_t last_in_ = 0, last_out_ = 0, last_nanos_ = 0;
  double rate_in_ = 0;
};

}  // namespace promlite::remote
