#include "config/relabel_config.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>

namespace promlite::config {
namespace {

constexpr std::pair<std::string_view, RelabelAction> kActions[] = {
    {"replace", RelabelAction::kReplace},     {"keep", RelabelAction::kKeep},
    {"drop", RelabelAction::kDrop},           {"keepequal", RelabelAction::kKeepEqual},
    {"dropequal", RelabelAction::kDropEqual}, {"hashmod", RelabelAction::kHashMod},
    {"labelmap", RelabelAction::kLabelMap},   {"labeldrop", RelabelAction::kLabelDrop},
    {"labelkeep", RelabelAction::kLabelKeep}, {"lowercase", RelabelAction::kLowercase},
    {"uppercase", RelabelAction::kUppercase},
};

// Prometheus 3 validates label names as UTF-8: any non-empty valid UTF-8 string.
bool valid_label_name(std::string_view s) {
  if (s.empty()) return false;
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

std::string_view relabel_action_name(RelabelAction a) {
  for (const auto& [name, act] : kActions) {
    if (act == a) return name;
  }
  return "unknown";
}

Result<RelabelAction> parse_relabel_action(std::string_view s) {
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.empty()) return invalid_argument("relabel action cannot be empty");
  for (const auto& [name, act] : kActions) {
    if (name == lower) return act;
  }
  return invalid_argument("unknown relabel action \"" + std::string(s) + "\"");
}

Status RelabelConfig::compile(bool source_labels_set) {
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<RE2>("^(?s:" + regex + ")$", opts);
  if (!re->ok()) {
    return invalid_argument("invalid regex \"" + regex +
                            "\": error parsing regexp: " + re->error());
  }
  compiled = std::move(re);

  const std::string name(relabel_action_name(action));
  using A = RelabelAction;
  const RelabelConfig defaults;
  if (action == A::kHashMod && modulus == 0) {
    return invalid_argument("relabel configuration for hashmod requires non-zero modulus");
  }
  bool needs_target = action == A::kReplace || action == A::kHashMod || action == A::kLowercase ||
                      action == A::kUppercase || action == A::kKeepEqual || action == A::kDropEqual;
  if (needs_target && target_label.empty()) {
    return invalid_argument("relabel configuration for " + name +
                            " action requires 'target_label' value");
  }
  if (needs_target && !valid_label_name(target_label)) {
    return invalid_argument("\"" + target_label + "\" is invalid 'target_label' for " + name +
                            " action");
  }
  bool no_replacement = action == A::kLowercase || action == A::kUppercase ||
                        action == A::kKeepEqual || action == A::kDropEqual;
  if (no_replacement && replacement != defaults.replacement) {
    return invalid_argument("'replacement' can not be set for " + name + " action");
  }
  if (action == A::kLabelMap && !valid_label_name(replacement)) {
    return invalid_argument("\"" + replacement + "\" is invalid 'replacement' for " + name +
                            " action");
  }
  if ((action == A::kKeepEqual || action == A::kDropEqual) &&
      (regex != defaults.regex || modulus != defaults.modulus || separator != defaults.separator ||
       replacement != defaults.replacement)) {
    return invalid_argument(name +
                            " action requires only 'source_labels' and `target_label`, and no "
                            "other fields");
  }
  if ((action == A::kLabelDrop || action == A::kLabelKeep) &&
      (source_labels_set || !source_labels.empty() || target_label != defaults.target_label ||
       modulus != defaults.modulus || separator != defaults.separator ||
       replacement != defaults.replacement)) {
    return invalid_argument(name + " action requires only 'regex', and no other fields");
  }
  return Status::ok();
}

}  // namespace promlite::config
