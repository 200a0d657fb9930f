// One relabel rule, as written under relabel_configs / metric_relabel_configs /
// write_relabel_configs in prometheus.yml. The rules are applied by
// scraper/relabel.h; this header only holds and validates them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/status.h"

namespace re2 {
class RE2;
}

namespace promlite::config {

enum class RelabelAction {
  kReplace,
  kKeep,
  kDrop,
  kKeepEqual,
  kDropEqual,
  kHashMod,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kLowercase,
  kUppercase,
};

// "replace", "keep", ... ; parse is case-insensitive like Prometheus's.
std::string_view relabel_action_name(RelabelAction a);
Result<RelabelAction> parse_relabel_action(std::string_view s);

struct RelabelConfig {
  std::vector<std::string> source_labels;
  std::string separator = ";";
  std::string regex = "(.*)";  // as written; compiled below
  uint64_t modulus = 0;
  std::string target_label;
  std::string replacement = "$1";
  RelabelAction action = RelabelAction::kReplace;

  // `regex` compiled fully anchored with `.` matching newline: ^(?s:regex)$.
  // Set by compile(); shared because configs are copied on reload.
  std::shared_ptr<const re2::RE2> compiled;

  // Compiles `regex` and checks the rule like Prometheus's relabel.Config.Validate
  // (required fields per action, fields an action forbids, label name validity).
  // `source_labels_set` says whether source_labels was given at all (labeldrop
  // and labelkeep forbid it even when empty).
  Status compile(bool source_labels_set = false);
};

using RelabelConfigs = std::vector<RelabelConfig>;

}  // namespace promlite::config
