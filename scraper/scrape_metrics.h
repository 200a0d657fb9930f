// The scraper's self-metrics, named as Prometheus names them.
//
// Two kinds:
// - plain atomics, read at collection time by the owner of the self-metrics
//   registry through callbacks (cmd/promlite registers them under
//   prometheus_target_scrapes_sample_out_of_order_total and friends);
// - prometheus-cpp families registered in the registry given at construction
//   (body size / target / label limit hits, forced cache flushes, targets per
//   pool, pool syncs, scrape interval lengths).
// Loops count per-sample rejections locally and publish once per scrape, so
// the hot path touches no shared cache line per sample.
//
// Thread-safe: every member may be used from any thread.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/duration.h"

namespace promlite::scraper {

// Why a scrape failed, for promlite_scrape_failures_by_reason_total{reason}.
enum class FailureReason : uint8_t {
  kTimeout,        // scrape_timeout passed ("context deadline exceeded")
  kConnection,     // DNS, refused, reset, TLS handshake or certificate
  kHttpStatus,     // a non-2xx answer
  kBodySizeLimit,  // body_size_limit
  kParse,          // malformed exposition, bad Content-Type, invalid names
  kSampleLimit,    // sample_limit
  kLabelLimit,     // label_limit and the label length limits
  kStorage,        // the appender refused the batch
  kTargetLimit,    // the pool is over target_limit: every target fails
  kCount,
};
// The `reason` label value: "timeout", "connection", "http_status", ...
const char* failure_reason_name(FailureReason r);

class ScrapeStats {
 public:
  // Registers the families in `registry`, which must outlive this object;
  // nullptr keeps them in a private registry (tests, tools).
  explicit ScrapeStats(prometheus::Registry* registry = nullptr);
  ScrapeStats(const ScrapeStats&) = delete;
  ScrapeStats& operator=(const ScrapeStats&) = delete;

  // --- read through callbacks by the self-metrics owner ---
  std::atomic<uint64_t> scrapes{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<uint64_t> samples_appended{0};
  std::atomic<uint64_t> out_of_order{0};
  std::atomic<uint64_t> duplicates{0};
  std::atomic<uint64_t> out_of_bounds{0};
  std::atomic<uint64_t> sample_limit_hits{0};

  // Counts a failed scrape under its reason (the total is `failures`).
  void count_failure(FailureReason r) { failures_by_reason_[static_cast<size_t>(r)]->Increment(); }

  // --- registered families ---
  // prometheus_target_scrapes_exceeded_body_size_limit_total
  prometheus::Counter& body_size_limit_hits() { return body_size_; }
  // prometheus_target_scrape_pool_exceeded_target_limit_total
  prometheus::Counter& target_limit_hits() { return target_limit_; }
  // prometheus_target_scrape_pool_exceeded_label_limits_total
  prometheus::Counter& label_limit_hits() { return label_limit_; }
  // prometheus_target_scrapes_cache_flush_forced_total
  prometheus::Counter& cache_flush_forced() { return cache_flush_; }

  // prometheus_target_scrape_pool_targets{scrape_job}: set on every sync.
  prometheus::Gauge& pool_targets(const std::string& job);
  // prometheus_target_scrape_pool_sync_total{scrape_job}
  prometheus::Counter& pool_syncs(const std::string& job);
  // prometheus_target_sync_length_seconds{scrape_job} (summary)
  prometheus::Summary& sync_length(const std::string& job);
  // prometheus_target_interval_length_seconds{interval} (summary): the actual
  // time between two scrapes of a target, by configured interval ("15s", "1m0s").
  prometheus::Summary& interval_length(model::Duration interval);
  // Drops the per-job series of a job that is gone.
  void remove_job(const std::string& job);

  // Everything registered, collected (tests).
  std::vector<prometheus::MetricFamily> collect() const { return registry_.Collect(); }

 private:
  std::shared_ptr<prometheus::Registry> own_;  // when no registry was given
  prometheus::Registry& registry_;
  prometheus::Counter& body_size_;
  prometheus::Counter& target_limit_;
  prometheus::Counter& label_limit_;
  prometheus::Counter& cache_flush_;
  prometheus::Family<prometheus::Gauge>& pool_targets_family_;
  prometheus::Family<prometheus::Counter>& pool_syncs_family_;
  prometheus::Family<prometheus::Summary>& sync_length_family_;
  prometheus::Family<prometheus::Summary>& interval_family_;
  prometheus::Counter* failures_by_reason_[static_cast<size_t>(FailureReason::kCount)];
};

// Go's time.Duration spelling of a millisecond duration: "15s", "1m0s",
// "500ms", "1h0m0s" (the `interval` label Prometheus uses).
std::string go_duration_string(model::Duration ms);

}  // namespace promlite::scraper
