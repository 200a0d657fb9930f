// A read-only view of the scraper's targets and per-target metadata, for the
// HTTP API (/api/v1/targets, /api/v1/targets/metadata, /api/v1/metadata). The
// API depends on this header only, never on the scrape loops themselves.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/duration.h"
#include "model/labels.h"
#include "model/sample.h"

namespace promlite::scraper {

enum class TargetHealth { kUnknown, kUp, kDown };

// "unknown", "up", "down" as /api/v1/targets writes them.
inline const char* target_health_name(TargetHealth h) {
  switch (h) {
    case TargetHealth::kUp:
      return "up";
    case TargetHealth::kDown:
      return "down";
    default:
      return "unknown";
  }
}

struct MetricMetadata {
  std::string type = "unknown";  // counter, gauge, histogram, summary, ...
  std::string help;
  std::string unit;
  bool operator==(const MetricMetadata&) const = default;
};

struct ActiveTarget {
  model::Labels discovered_labels;  // before relabeling
  model::Labels labels;             // after relabeling, "__" labels removed
  std::string scrape_pool;
  std::string scrape_url;
  TargetHealth health = TargetHealth::kUnknown;
  std::string last_error;
  model::Timestamp last_scrape = 0;  // ms; 0 before the first scrape
  double last_scrape_duration = 0;   // seconds
  model::Duration scrape_interval = 0;
  model::Duration scrape_timeout = 0;
};

struct DroppedTarget {
  model::Labels discovered_labels;
  std::string scrape_pool;
};

class TargetStatusProvider {
 public:
  virtual ~TargetStatusProvider() = default;
  virtual std::vector<ActiveTarget> active_targets() const = 0;
  virtual std::vector<DroppedTarget> dropped_targets() const = 0;
  // Metric family name -> metadata, per target (labels as in ActiveTarget).
  virtual std::vector<std::pair<model::Labels, std::map<std::string, MetricMetadata>>>
  target_metadata() const = 0;
};

}  // namespace promlite::scraper
