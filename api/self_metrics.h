// promlite's own /metrics: a prometheus-cpp registry that every module
// registers its counters in, plus process_* metrics and build info, rendered in
// the Prometheus text format by prometheus-cpp's serializer.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <vector>

namespace promlite::api {

// process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds,
// ... read from /proc/self at collection time, as Prometheus's Go client does.
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

class SelfMetrics {
 public:
  // `version` goes into promlite_build_info.
  explicit SelfMetrics(const std::string& version);

  // Where modules register their families (thread-safe).
  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> registry_ptr() { return registry_; }

  // The exposition text of everything registered.
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  ProcessCollector process_;
};

inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace promlite::api
