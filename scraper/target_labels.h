// Target label population (Prometheus's scrape.PopulateLabels) and the scrape
// URL of a target.
//
// populate_target_labels() turns one discovered target into the label sets a
// scrape pool needs:
//   1. discovered: the target's labels, then the group's labels where the target
//      has none of that name, then job / __scheme__ / __metrics_path__ /
//      __scrape_interval__ / __scrape_timeout__ (Prometheus duration strings) and
//      __param_<name> (first value) where not already set;
//   2. relabel_configs run over that set; a drop ends here (kDropped);
//   3. checks, each failing with Prometheus's error text (kError): a non-empty
//      __address__ ("no address") without '/' (no scheme or path), and
//      __scrape_interval__ / __scrape_timeout__ that parse, are non-zero, and
//      timeout <= interval;
//   4. every __meta_* label is removed, instance defaults to __address__, and all
//      values must be valid UTF-8.
// The other "__" labels (__address__, __scheme__, __metrics_path__, __param_*,
// __scrape_*__) stay in `internal`, because the scrape needs them, exactly as
// Prometheus keeps them in its Target; `labels` is the public set with every
// "__"-prefixed label removed: what /api/v1/targets shows as `labels` and what
// is attached to every scraped sample.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/relabel_config.h"
#include "model/duration.h"
#include "model/labels.h"

namespace promlite::scraper {

inline constexpr std::string_view kAddressLabel = "__address__";
inline constexpr std::string_view kSchemeLabel = "__scheme__";
inline constexpr std::string_view kMetricsPathLabel = "__metrics_path__";
inline constexpr std::string_view kScrapeIntervalLabel = "__scrape_interval__";
inline constexpr std::string_view kScrapeTimeoutLabel = "__scrape_timeout__";
inline constexpr std::string_view kParamLabelPrefix = "__param_";
inline constexpr std::string_view kMetaLabelPrefix = "__meta_";
inline constexpr std::string_view kReservedLabelPrefix = "__";
inline constexpr std::string_view kJobLabel = "job";
inline constexpr std::string_view kInstanceLabel = "instance";

// The parts of a scrape_config that feed target labels and URLs.
struct ScrapeSettings {
  std::string job_name;
  std::string scheme = "http";
  std::string metrics_path = "/metrics";
  model::Duration scrape_interval = model::kMinute;
  model::Duration scrape_timeout = 10 * model::kSecond;
  std::map<std::string, std::vector<std::string>> params;
};

struct PopulatedTarget {
  enum class Outcome { kKeep, kDropped, kError };
  Outcome outcome = Outcome::kKeep;
  // Pre-relabel labels (step 1 above); set for every outcome.
  model::Labels discovered;
  // kKeep only: the labels after step 4, "__" labels other than __meta_* included.
  model::Labels internal;
  // kKeep only: `internal` without any "__"-prefixed label.
  model::Labels labels;
  // kKeep only: __scrape_interval__ / __scrape_timeout__ as parsed after relabeling.
  model::Duration interval = 0;
  model::Duration timeout = 0;
  // kError only: why the target was rejected (Prometheus's wording).
  std::string error;
};

// Step 1 alone: the pre-relabel label set of a target.
model::Labels discovered_labels(const model::Labels& target, const model::Labels& group,
                                const ScrapeSettings& settings);

// The whole of PopulateLabels, as described above. REQUIRES: every rule compiled.
PopulatedTarget populate_target_labels(const model::Labels& target, const model::Labels& group,
                                       const ScrapeSettings& settings,
                                       const config::RelabelConfigs& relabel_configs);

// The scrape URL of a target from its internal labels, like Prometheus's
// Target.URL(): <__scheme__>://<__address__><__metrics_path__>?<query>, where the
// query holds `params` with each __param_<name> label replacing the first value
// of <name> (or adding it), keys sorted, escaped as Go's url.Values.Encode; the
// path gains a leading '/' when it lacks one and is escaped as Go's URL.String.
std::string scrape_url(const model::Labels& internal,
                       const std::map<std::string, std::vector<std::string>>& params);

}  // namespace promlite::scraper
