#include "remote/queue_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "remote/queue_manager.h"

namespace promlite::remote {

namespace {

constexpr const char* kDroppedHelp =
    "Total number of samples which were dropped after being read from the WAL before being sent "
    "via remote write, either via relabelling, due to being too old or unintentionally because "
    "of an unknown reference ID.";

}  // namespace

template <typename T, typename... Args>
T* QueueMetrics::add(prometheus::Family<T>& family,
                     const std::map<std::string, std::string>& labels, Args&&... args) {
  T* m = &family.Add(labels, std::forward<Args>(args)...);
  owned_.emplace_back([&family, m] { family.Remove(m); });
  return m;
}

QueueMetrics::QueueMetrics(prometheus::Registry& reg, const std::string& remote_name,
                           const std::string& url, const config::QueueConfig& qc)
    : labels_{{"remote_name", remote_name}, {"url", url}} {
  auto counter = [&](const char* name, const char* help) {
    return add(prometheus::BuildCounter().Name(name).Help(help).Register(reg), labels_);
  };
  auto gauge = [&](const char* name, const char* help) {
    return add(prometheus::BuildGauge().Name(name).Help(help).Register(reg), labels_);
  };
  sent_ = counter("prometheus_remote_storage_samples_total",
                  "Total number of samples sent to remote storage.");
  failed_ = counter(
      "prometheus_remote_storage_samples_failed_total",
      "Total number of samples which failed on send to remote storage, non-recoverable errors.");
  retried_ = counter("prometheus_remote_storage_samples_retried_total",
                     "Total number of samples which failed on send to remote storage but were "
                     "retried because the send error was recoverable.");
  auto& dropped = prometheus::BuildCounter()
                      .Name("prometheus_remote_storage_samples_dropped_total")
                      .Help(kDroppedHelp)
                      .Register(reg);
  auto with_reason = [&](const char* reason) {
    auto l = labels_;
    l["reason"] = reason;
    return add(dropped, l);
  };
  dropped_series_ = with_reason("dropped_series");
  dropped_unknown_ = with_reason("unintentionally_dropped_series");
  dropped_too_old_ = with_reason("too_old");
  bytes_ = counter("prometheus_remote_storage_bytes_total",
                   "The total number of bytes of data (not metadata) sent by the queue after "
                   "compression. Note that when exemplars over remote write is enabled the "
                   "exemplars included in a remote write request count towards this metric.");
  metadata_sent_ = counter("prometheus_remote_storage_metadata_total",
                           "Total number of metadata entries sent to remote storage.");
  metadata_failed_ = counter("prometheus_remote_storage_metadata_failed_total",
                             "Total number of metadata entries which failed on send to remote "
                             "storage, non-recoverable errors.");
  metadata_retried_ = counter("prometheus_remote_storage_metadata_retried_total",
                              "Total number of metadata entries which failed on send to remote "
                              "storage but were retried because the send error was recoverable.");
  metadata_bytes_ = counter("prometheus_remote_storage_metadata_bytes_total",
                            "The total number of bytes of metadata sent by the queue after "
                            "compression.");
  enqueue_retries_ =
      counter("prometheus_remote_storage_enqueue_retries_total",
              "Total number of times enqueue has failed because a shards queue was full.");
  skipped_ = counter("promlite_remote_storage_wal_segments_skipped_total",
                     "WAL segments deleted (remote WAL size limit) before this queue read them.");
  pending_ = gauge("prometheus_remote_storage_samples_pending",
                   "The number of samples pending in the queues shards to be sent to the remote "
                   "storage.");
  highest_enqueued_ = gauge("prometheus_remote_storage_queue_highest_timestamp_seconds",
                            "Highest timestamp that was enqueued, in seconds since epoch. "
                            "Initialized to 0 when no data has been received yet.");
  highest_sent_ = gauge("prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
                        "Highest timestamp successfully sent by this queue, in seconds since "
                        "epoch. Initialized to 0 when no data has been sent yet.");
  shards_ = gauge("prometheus_remote_storage_shards",
                  "The number of shards used for parallel sending to the remote storage.");
  desired_ = gauge("prometheus_remote_storage_shards_desired",
                   "The number of shards that the queues shard calculation wants to run based on "
                   "the rate of samples in vs. samples out.");
  min_shards_ = gauge("prometheus_remote_storage_shards_min",
                      "The minimum number of shards that the queue is allowed to run.");
  max_shards_ = gauge("prometheus_remote_storage_shards_max",
                      "The maximum number of shards that the queue is allowed to run.");
  capacity_ = gauge("prometheus_remote_storage_shard_capacity",
                    "The capacity of each shard of the queue used for parallel sending to the "
                    "remote storage.");
  max_per_send_ = gauge("prometheus_remote_storage_max_samples_per_send",
                        "The maximum number of samples to be sent, in a single request, to the "
                        "remote storage. Note that, when sending of exemplars over remote write "
                        "is enabled, exemplars count towards this limit.");
  // Prometheus's one unlabelled gauge: the newest timestamp that came into
  // remote storage. Every queue raises it to what it read.
  highest_in_global_ =
      &prometheus::BuildGauge()
           .Name("prometheus_remote_storage_highest_timestamp_in_seconds")
           .Help(
               "Highest timestamp that has come into the remote storage via the Appender "
               "interface, in seconds since epoch. Initialized to 0 when no data has been "
               "received yet. Deprecated, check "
               "prometheus_remote_storage_queue_highest_timestamp_seconds which is more "
               "accurate.")
           .Register(reg)
           .Add({});
  send_duration_ = add(prometheus::BuildHistogram()
                           .Name("prometheus_remote_storage_sent_batch_duration_seconds")
                           .Help("Duration of send calls to the remote storage.")
                           .Register(reg),
                       labels_,
                       prometheus::Histogram::BucketBoundaries{.005, .01, .025, .05, .1, .25, .5, 1,
                                                               2.5, 5, 10, 25, 60, 120, 300});
  failed_batches_ = &prometheus::BuildCounter()
                         .Name("promlite_remote_storage_failed_batches_total")
                         .Help("Batches dropped after a non-recoverable answer, by reason.")
                         .Register(reg);
  // The WAL watcher's metrics; Prometheus's consumer label is the queue name.
  std::map<std::string, std::string> consumer{{"consumer", remote_name}};
  auto& read = prometheus::BuildCounter()
                   .Name("prometheus_wal_watcher_records_read_total")
                   .Help("Number of records read by the WAL watcher from the WAL.")
                   .Register(reg);
  auto typed = [&](const char* type) {
    auto l = consumer;
    l["type"] = type;
    return add(read, l);
  };
  series_read_ = typed("series");
  samples_read_ = typed("samples");
  other_read_ = typed("unknown");
  current_segment_ = add(prometheus::BuildGauge()
                             .Name("prometheus_wal_watcher_current_segment")
                             .Help("Current segment the WAL watcher is reading records from.")
                             .Register(reg),
                         consumer);
  min_shards_->Set(qc.min_shards);
  max_shards_->Set(qc.max_shards);
  capacity_->Set(qc.capacity);
  max_per_send_->Set(qc.max_samples_per_send);
}

QueueMetrics::~QueueMetrics() {
  for (auto& remove : owned_) remove();
}

void QueueMetrics::publish(const QueueStats& st) {
  // Each reason from its own counter: a difference of the total and the
  // others, read while a shard adds to them, could go negative and wrap.
  const uint64_t now[kCounters] = {
      st.samples_sent,     st.samples_failed,  st.samples_retried,  st.dropped_relabel,
      st.dropped_unknown,  st.dropped_too_old, st.bytes_sent,       st.enqueue_retries,
      st.skipped_segments, st.series_records,  st.sample_records,   st.other_records,
      st.metadata_sent,    st.metadata_failed, st.metadata_retried, st.metadata_bytes};
  prometheus::Counter* cs[kCounters] = {sent_,           failed_,          retried_,
                                        dropped_series_, dropped_unknown_, dropped_too_old_,
                                        bytes_,          enqueue_retries_, skipped_,
                                        series_read_,    samples_read_,    other_read_,
                                        metadata_sent_,  metadata_failed_, metadata_retried_,
                                        metadata_bytes_};
  for (int i = 0; i < kCounters; ++i) {
    if (now[i] > last_[i]) cs[i]->Increment(static_cast<double>(now[i] - last_[i]));
    last_[i] = now[i];
  }
  pending_->Set(static_cast<double>(st.samples_pending.load()));
  const double in_s = static_cast<double>(st.highest_in_ms.load()) / 1000.0;
  highest_enqueued_->Set(in_s);
  if (in_s > highest_in_global_->Value()) highest_in_global_->Set(in_s);
  highest_sent_->Set(static_cast<double>(st.highest_sent_ms.load()) / 1000.0);
  shards_->Set(st.shards);
  desired_->Set(st.desired_shards);
  current_segment_->Set(static_cast<double>(st.current_segment.load()));
}

void QueueMetrics::observe_send(double seconds) { send_duration_->Observe(seconds); }

void QueueMetrics::count_failed_batch(const std::string& reason) {
  std::lock_guard<std::mutex> lock(failed_mu_);
  prometheus::Counter*& c = failed_by_reason_[reason];
  if (c == nullptr) {
    auto l = labels_;
    l["reason"] = reason;
    c = add(*failed_batches_, l);
  }
  c->Increment();
}

}  // namespace promlite::remote
