#include "scraper/discovery/file_sd_parse.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "model/utf8.h"

namespace promlite::scraper::discovery {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Length of the valid UTF-8 sequence at s[0], or 0 when it is invalid.
size_t utf8_len(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) >= 0xA0)) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) >= 0x90)) return 0;
    return 4;
  }
  return 0;
}

// Each invalid byte becomes U+FFFD, as Go's JSON decoder does inside strings.
std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_len(s.substr(i));
    if (n == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

// A double-quoted rendering for error messages (Go's %q, roughly).
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out.append("\\x");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
  return out;
}

Status group_error(size_t index, const std::string& msg) {
  return invalid_argument("target group " + std::to_string(index) + ": " + msg);
}

Status check_label_names(size_t index, const Pairs& labels) {
  for (const auto& [name, value] : labels) {
    if (name.empty() || !model::valid_utf8(name)) {
      return group_error(index, quote(name) + " is not a valid label name");
    }
  }
  return Status::ok();
}

// Builds the group from what was read, as Prometheus's readFile finishes it.
TargetGroup make_group(std::string_view path, size_t index, const std::vector<std::string>& targets,
                       Pairs labels) {
  TargetGroup g;
  g.source = std::string(path) + ":" + std::to_string(index);
  g.targets.reserve(targets.size());
  for (const auto& t : targets) g.targets.push_back(model::Labels{{"__address__", t}});
  // __meta_filepath replaces any given value: from_pairs keeps the last duplicate.
  labels.emplace_back(std::string(kFilepathLabel), std::string(path));
  g.labels = model::Labels::from_pairs(std::move(labels));
  return g;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

const char* json_kind(const nlohmann::json& j) { return j.type_name(); }

// ---- JSON ----

Result<std::vector<TargetGroup>> parse_json(std::string_view path, std::string_view content) {
  std::string sanitized;
  if (!model::valid_utf8(content)) {
    sanitized = sanitize_utf8(content);
    content = sanitized;
  }
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(content.begin(), content.end());
  } catch (const nlohmann::json::exception& e) {
    return invalid_argument(std::string("invalid JSON: ") + e.what());
  }
  std::vector<TargetGroup> groups;
  if (doc.is_null()) return groups;
  if (!doc.is_array()) {
    return invalid_argument(std::string("expected a list of target groups, got ") + json_kind(doc));
  }
  for (size_t i = 0; i < doc.size(); ++i) {
    const nlohmann::json& item = doc[i];
    if (item.is_null()) return invalid_argument("nil target group item found");
    if (!item.is_object()) {
      return group_error(i, std::string("expected an object, got ") + json_kind(item));
    }
    std::vector<std::string> targets;
    Pairs labels;
    for (const auto& [key, value] : item.items()) {
      if (iequals(key, "targets")) {
        targets.clear();
        if (value.is_null()) continue;
        if (!value.is_array()) {
          return group_error(
              i, std::string("\"targets\" must be a list of strings, got ") + json_kind(value));
        }
        for (const auto& t : value) {
          if (t.is_null()) {
            targets.emplace_back();
          } else if (t.is_string()) {
            targets.push_back(t.get<std::string>());
          } else {
            return group_error(
                i, std::string("\"targets\" must be a list of strings, found ") + json_kind(t));
          }
        }
      } else if (iequals(key, "labels")) {
        labels.clear();
        if (value.is_null()) continue;
        if (!value.is_object()) {
          return group_error(
              i, std::string("\"labels\" must be an object of strings, got ") + json_kind(value));
        }
        for (const auto& [name, v] : value.items()) {
          if (v.is_null()) {
            labels.emplace_back(name, std::string());
          } else if (v.is_string()) {
            labels.emplace_back(name, v.get<std::string>());
          } else {
            return group_error(
                i, "value of label " + quote(name) + " must be a string, got " + json_kind(v));
          }
        }
        if (Status s = check_label_names(i, labels); !s) return s;
      } else {
        return group_error(i, "unknown field " + quote(key));
      }
    }
    groups.push_back(make_group(path, i, targets, std::move(labels)));
  }
  return groups;
}

// ---- YAML ----

const char* yaml_kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "nothing";
  }
}

std::string yaml_where(const YAML::Node& n) {
  YAML::Mark m = n.Mark();
  if (m.is_null()) return "";
  return " (line " + std::to_string(m.line + 1) + ")";
}

// A scalar as yaml.v2 decodes it into a string: its text, or "" for null.
bool yaml_string(const YAML::Node& n, std::string* out) {
  if (n.IsNull()) {
    out->clear();
    return true;
  }
  if (!n.IsScalar()) return false;
  *out = n.Scalar();
  return true;
}

Result<std::vector<TargetGroup>> parse_yaml(std::string_view path, std::string_view content) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(content));
  } catch (const YAML::Exception& e) {
    return invalid_argument(std::string("invalid YAML: ") + e.what());
  }
  std::vector<TargetGroup> groups;
  if (!doc.IsDefined() || doc.IsNull()) return groups;
  if (!doc.IsSequence()) {
    return invalid_argument(std::string("expected a list of target groups, got ") + yaml_kind(doc));
  }
  for (size_t i = 0; i < doc.size(); ++i) {
    const YAML::Node item = doc[i];
    if (item.IsNull()) return invalid_argument("nil target group item found");
    if (!item.IsMap()) {
      return group_error(
          i, std::string("expected a mapping, got ") + yaml_kind(item) + yaml_where(item));
    }
    std::vector<std::string> targets;
    Pairs labels;
    std::set<std::string> seen;
    for (const auto& kv : item) {
      std::string key;
      if (!yaml_string(kv.first, &key)) {
        return group_error(i, std::string("keys must be strings, got ") + yaml_kind(kv.first) +
                                  yaml_where(kv.first));
      }
      if (!seen.insert(key).second) {
        return group_error(i, "field " + quote(key) + " set twice" + yaml_where(kv.first));
      }
      const YAML::Node& value = kv.second;
      if (key == "targets") {
        if (value.IsNull()) continue;
        if (!value.IsSequence()) {
          return group_error(i, std::string("\"targets\" must be a list of strings, got ") +
                                    yaml_kind(value) + yaml_where(value));
        }
        for (const auto& t : value) {
          std::string s;
          if (!yaml_string(t, &s)) {
            return group_error(i, std::string("\"targets\" must be a list of strings, found ") +
                                      yaml_kind(t) + yaml_where(t));
          }
          targets.push_back(std::move(s));
        }
      } else if (key == "labels") {
        if (value.IsNull()) continue;
        if (!value.IsMap()) {
          return group_error(i, std::string("\"labels\" must be a mapping of strings, got ") +
                                    yaml_kind(value) + yaml_where(value));
        }
        std::set<std::string> names;
        for (const auto& l : value) {
          std::string name, v;
          if (!yaml_string(l.first, &name)) {
            return group_error(i, std::string("label names must be strings, got ") +
                                      yaml_kind(l.first) + yaml_where(l.first));
          }
          if (!names.insert(name).second) {
            return group_error(i, "label " + quote(name) + " set twice" + yaml_where(l.first));
          }
          if (!yaml_string(l.second, &v)) {
            return group_error(i, "value of label " + quote(name) + " must be a string, got " +
                                      yaml_kind(l.second) + yaml_where(l.second));
          }
          labels.emplace_back(std::move(name), std::move(v));
        }
        if (Status s = check_label_names(i, labels); !s) return s;
      } else {
        return group_error(i, "unknown field " + quote(key) + yaml_where(kv.first));
      }
    }
    groups.push_back(make_group(path, i, targets, std::move(labels)));
  }
  return groups;
}

}  // namespace

Result<FileSdFormat> file_sd_format(std::string_view path) {
  // Go's filepath.Ext: from the last '.' of the last path element.
  size_t slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = base.rfind('.');
  std::string ext(dot == std::string_view::npos ? std::string_view() : base.substr(dot));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  if (ext == ".json") return FileSdFormat::kJson;
  if (ext == ".yml" || ext == ".yaml") return FileSdFormat::kYaml;
  return invalid_argument("unsupported file_sd file extension in " + quote(path) +
                          " (want .json, .yml or .yaml)");
}

Result<std::vector<TargetGroup>> parse_file_sd(std::string_view path, std::string_view content) {
  auto format = file_sd_format(path);
  if (!format) return format.status();
  return parse_file_sd(path, content, *format);
}

Result<std::vector<TargetGroup>> parse_file_sd(std::string_view path, std::string_view content,
                                               FileSdFormat format) {
  return format == FileSdFormat::kJson ? parse_json(path, content) : parse_yaml(path, content);
}

}  // namespace promlite::scraper::discovery
