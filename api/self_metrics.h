// promlite's own /metrics: a prometheus-cpp registry that every module
// registers its counters in, plus process_* metrics and build info, rendered in
// the Prometheus text format by prometheus-cpp's serializer.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace promlite::api {

// process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds,
// ... read from /proc/self at collection time, as Prometheus's Go client does.
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

// Metrics whose values are read from the owning module at collection time
// (atomics, sizes), so the hot path pays nothing for them.
class CallbackCollector : public prometheus::Collectable {
 public:
  enum class Kind { kCounter, kGauge };
  void add(std::string name, std::string help, Kind kind, std::function<double()> value);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct Entry {
    std::string name, help;
    Kind kind;
    std::function<double()> value;
  };
  mutable std::mutex mu_;
  std::vector<Entry> entries_;
};

class SelfMetrics {
 public:
  // `version` goes into promlite_build_info.
  explicit SelfMetrics(const std::string& version);

  // Where modules register their families (thread-safe).
  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> registry_ptr() { return registry_; }

  // A metric read through `value` at every collection (thread-safe).
  void add_callback(std::string name, std::string help, CallbackCollector::Kind kind,
                    std::function<double()> value) {
    callbacks_.add(std::move(name), std::move(help), kind, std::move(value));
  }

  // The exposition text of everything registered.
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  ProcessCollector process_;
  CallbackCollector callbacks_;
};

inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace promlite::api
