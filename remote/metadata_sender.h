// MetadataSender: the metadata_config half of a remote_write queue. Every
// send_interval it asks a MetadataSource for the metadata of the metric
// families the scrape targets expose and POSTs it as WriteRequest.metadata
// (remote-write 1.0 MetricMetadata, no samples), as Prometheus's metadata
// watcher does:
//   - the first round runs one send_interval after start, then one per interval;
//   - entries equal in family, type, help and unit are sent once per round
//     (families that differ between targets are sent once per variant);
//   - requests hold at most metadata_config.max_samples_per_send entries;
//   - 5xx, network errors and 429 (with retry_on_http_429) are retried with
//     the queue's min/max backoff (and Retry-After), the whole round bounded
//     by the queue's batch_send_deadline; other answers, or the deadline, fail the batch
//     (counted in QueueStats::metadata_failed, logged) and the next goes on.
// Relabeling and external labels do not apply to metadata.
//
// It has its own thread and HTTP connection, so it never delays the sample
// shards. stop() returns once a request in flight (bounded by remote_timeout)
// ends; a backoff wait or the interval wait ends at once. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "remote/http_client.h"
#include "remote/write_request.h"

namespace promlite::remote {

struct QueueStats;
class QueueMetrics;

// Returns the metadata of every active scrape target (duplicates allowed).
// Called from the sender's thread; must be thread-safe and must not block for
// long. remote/ does not depend on scraper/: the cmd layer provides this.
using MetadataSource = std::function<std::vector<MetricMetadataEntry>()>;

class MetadataSender {
 public:
  // Starts the thread. `stats` and `metrics` (may be null) must outlive this.
  MetadataSender(const config::RemoteWriteConfig& cfg, std::string queue_name,
                 MetadataSource source, std::unique_ptr<HttpClient> client, QueueStats& stats,
                 QueueMetrics* metrics);
  ~MetadataSender();  // stop()s

  // Stops the thread (an unfinished round is abandoned, not counted). Idempotent.
  void stop();

 private:
  enum class Outcome { kSent, kFailed, kStopped };

  void run();
  // Collects, deduplicates and sends one round; false when stopping.
  bool send_round();
  Outcome send_batch(std::span<const MetricMetadataEntry> batch,
                     std::chrono::steady_clock::time_point deadline);
  bool wait_stop(std::chrono::steady_clock::duration d);  // true when stopping

  const config::RemoteWriteConfig cfg_;
  const std::string name_;
  MetadataSource source_;
  std::unique_ptr<HttpClient> client_;
  QueueStats& stats_;
  QueueMetrics* metrics_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace promlite::remote
