// TargetGroup: the unit every discovery provider (static, file, kubernetes)
// emits, as Prometheus's targetgroup.Group.
#pragma once

#include <string>
#include <vector>

#include "model/labels.h"

namespace promlite::scraper::discovery {

struct TargetGroup {
  // Identifies the group within its provider, e.g. "<file path>:<index>" for
  // file_sd. A later group with the same source replaces the earlier one; a
  // group with no targets removes them.
  std::string source;
  // One label set per target: __address__ plus any per-target labels.
  std::vector<model::Labels> targets;
  // Labels common to every target of the group (a target's own labels win).
  model::Labels labels;

  bool operator==(const TargetGroup&) const = default;
};

}  // namespace promlite::scraper::discovery
