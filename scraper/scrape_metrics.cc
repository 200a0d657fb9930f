#include "scraper/scrape_metrics.h"

namespace promlite::scraper {
namespace {

// Prometheus's objectives for its scrape summaries, and the Go client's
// default window (10m in 5 age buckets).
prometheus::Summary::Quantiles objectives() {
  return {{0.01, 0.001}, {0.05, 0.005}, {0.5, 0.05}, {0.9, 0.01}, {0.99, 0.001}};
}
constexpr std::chrono::milliseconds kMaxAge{10 * 60 * 1000};
constexpr int kAgeBuckets = 5;

prometheus::Registry& pick(prometheus::Registry* given,
                           const std::shared_ptr<prometheus::Registry>& own) {
  return given ? *given : *own;
}

prometheus::Counter& counter(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}

}  // namespace

const char* failure_reason_name(FailureReason r) {
  switch (r) {
    case FailureReason::kTimeout:
      return "timeout";
    case FailureReason::kConnection:
      return "connection";
    case FailureReason::kHttpStatus:
      return "http_status";
    case FailureReason::kBodySizeLimit:
      return "body_size_limit";
    case FailureReason::kParse:
      return "parse";
    case FailureReason::kSampleLimit:
      return "sample_limit";
    case FailureReason::kLabelLimit:
      return "label_limit";
    case FailureReason::kStorage:
      return "storage";
    case FailureReason::kTargetLimit:
      return "target_limit";
    case FailureReason::kCount:
      break;
  }
  return "unknown";
}

ScrapeStats::ScrapeStats(prometheus::Registry* registry)
    : own_(registry ? nullptr : std::make_shared<prometheus::Registry>()),
      registry_(pick(registry, own_)),
      body_size_(counter(registry_, "prometheus_target_scrapes_exceeded_body_size_limit_total",
                         "Total number of scrapes that hit the body size limit")),
      target_limit_(
          counter(registry_, "prometheus_target_scrape_pool_exceeded_target_limit_total",
                  "Total number of times scrape pools hit the target limit, during sync or "
                  "config reload.")),
      label_limit_(counter(registry_, "prometheus_target_scrape_pool_exceeded_label_limits_total",
                           "Total number of times scrape pools hit the label limits, during sync "
                           "or config reload.")),
      cache_flush_(counter(registry_, "prometheus_target_scrapes_cache_flush_forced_total",
                           "How many times a scrape cache was flushed due to getting big while "
                           "scrapes are failing.")),
      pool_targets_family_(prometheus::BuildGauge()
                               .Name("prometheus_target_scrape_pool_targets")
                               .Help("Current number of targets in this scrape pool.")
                               .Register(registry_)),
      pool_syncs_family_(prometheus::BuildCounter()
                             .Name("prometheus_target_scrape_pool_sync_total")
                             .Help("Total number of syncs that were executed on a scrape pool.")
                             .Register(registry_)),
      sync_length_family_(prometheus::BuildSummary()
                              .Name("prometheus_target_sync_length_seconds")
                              .Help("Actual interval to sync the scrape pool.")
                              .Register(registry_)),
      interval_family_(prometheus::BuildSummary()
                           .Name("prometheus_target_interval_length_seconds")
                           .Help("Actual intervals between scrapes.")
                           .Register(registry_)) {
  // Every reason is exported from the start, at 0, so rate() works at once.
  auto& family = prometheus::BuildCounter()
                     .Name("promlite_scrape_failures_by_reason_total")
                     .Help("Failed scrapes (target down), by the reason of the failure.")
                     .Register(registry_);
  for (size_t i = 0; i < static_cast<size_t>(FailureReason::kCount); ++i) {
    failures_by_reason_[i] =
        &family.Add({{"reason", failure_reason_name(static_cast<FailureReason>(i))}});
  }
}

prometheus::Gauge& ScrapeStats::pool_targets(const std::string& job) {
  return pool_targets_family_.Add({{"scrape_job", job}});
}

prometheus::Counter& ScrapeStats::pool_syncs(const std::string& job) {
  return pool_syncs_family_.Add({{"scrape_job", job}});
}

prometheus::Summary& ScrapeStats::sync_length(const std::string& job) {
  return sync_length_family_.Add({{"scrape_job", job}}, objectives(), kMaxAge, kAgeBuckets);
}

prometheus::Summary& ScrapeStats::interval_length(model::Duration interval) {
  return interval_family_.Add({{"interval", go_duration_string(interval)}}, objectives(), kMaxAge,
                              kAgeBuckets);
}

void ScrapeStats::remove_job(const std::string& job) {
  pool_targets_family_.Remove(&pool_targets(job));
  pool_syncs_family_.Remove(&pool_syncs(job));
  sync_length_family_.Remove(&sync_length(job));
}

std::string go_duration_string(model::Duration ms) {
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  if (ms < 1000) return out + std::to_string(ms) + "ms";
  int64_t h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, frac = ms % 1000;
  if (h) out += std::to_string(h) + "h";
  if (h || m) out += std::to_string(m) + "m";
  out += std::to_string(s);
  if (frac) {
    std::string f = std::to_string(frac);
    f = std::string(3 - f.size(), '0') + f;
    while (f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out + "s";
}

}  // namespace promlite::scraper
