// QueueMetrics: the self-metrics of one remote_write queue, named and
// labelled as Prometheus 3 names its own, so dashboards and alerts written for
// Prometheus (e.g. the mixin's PrometheusRemoteWriteBehind) work unchanged:
//
//   prometheus_remote_storage_*{remote_name, url}   one series per queue
//       (samples_*, bytes_total, metadata_*: metadata_config's sends)
//   prometheus_remote_storage_samples_dropped_total{..., reason}
//   prometheus_remote_storage_highest_timestamp_in_seconds   no labels: the
//       newest timestamp any queue read from the WAL
//   prometheus_wal_watcher_*{consumer}              the queue's WAL reading
//
// Most values are mirrored from QueueStats by publish() (the reader thread,
// about once a second); send durations and failed batches are recorded by
// the shard threads as they happen. Thread-safe.
//
// The destructor removes the queue's labelled series from the registry (as
// Prometheus unregisters a stopped queue's metrics), so a queue that a reload
// removed leaves none behind; a queue that comes back starts from zero.
// RemoteStorage gives every live queue a name of its own and destroys a
// stopped queue before it starts its successor, so no two live QueueMetrics
// on one registry ever share a remote_name.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace promlite::remote {

struct QueueStats;

class QueueMetrics {
 public:
  // Registers the queue's metrics in `reg`, which must outlive this object.
  // REQUIRES: no other live QueueMetrics on `reg` has this remote_name (its
  // series would be shared, and removed under it by the first destructor).
  QueueMetrics(prometheus::Registry& reg, const std::string& remote_name, const std::string& url,
               const config::QueueConfig& qc);
  // Removes the queue's series. REQUIRES: no call of another method is
  // running or follows.
  ~QueueMetrics();
  QueueMetrics(const QueueMetrics&) = delete;
  QueueMetrics& operator=(const QueueMetrics&) = delete;

  // Copies the counters and gauges of `st` (one thread at a time).
  void publish(const QueueStats& st);
  // One send attempt that got an answer (any status), in seconds.
  void observe_send(double seconds);
  // A batch dropped after a non-recoverable answer (e.g. "http_400").
  void count_failed_batch(const std::string& reason);

 private:
  // Adds a series to `family` and records it for removal.
  template <typename T, typename... Args>
  T* add(prometheus::Family<T>& family, const std::map<std::string, std::string>& labels,
         Args&&... args);

  std::map<std::string, std::string> labels_;
  // How to remove each series this object added.
  std::vector<std::function<void()>> owned_;  // guarded by failed_mu_ after construction
  std::mutex failed_mu_;
  std::map<std::string, prometheus::Counter*> failed_by_reason_;  // guarded by failed_mu_
  prometheus::Counter *sent_, *failed_, *retried_, *dropped_series_, *dropped_unknown_,
      *dropped_too_old_, *bytes_, *enqueue_retries_, *skipped_, *series_read_, *samples_read_,
      *other_read_, *metadata_sent_, *metadata_failed_, *metadata_retried_, *metadata_bytes_;
  prometheus::Gauge *pending_, *highest_enqueued_, *highest_sent_, *highest_in_global_, *shards_,
      *desired_, *min_shards_, *max_shards_, *capacity_, *max_per_send_, *current_segment_;
  prometheus::Histogram* send_duration_;
  prometheus::Family<prometheus::Counter>* failed_batches_;
  static constexpr int kCounters = 16;
  // Values already added to the counters (publish() adds the difference).
  uint64_t last_[kCounters] = {};
};

}  // namespace promlite::remote
