#include "config/yaml_decoder.h"

#include "config/config.h"
#include "model/utf8.h"

namespace promlite::config::detail {

int line_of(const YAML::Node& n) {
  if (!n.IsDefined()) return 0;
  int line = n.Mark().line;
  return line >= 0 ? line + 1 : 0;
}

void fail(const YAML::Node& n, const std::string& msg) { throw DecodeError(line_of(n), msg); }

namespace {

std::string kind_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "!!map";
    case YAML::NodeType::Sequence:
      return "!!seq";
    case YAML::NodeType::Scalar:
      return "!!str";
    default:
      return "!!null";
  }
}

void require_scalar(const YAML::Node& n, const char* into) {
  if (!n.IsScalar()) fail(n, "cannot unmarshal " + kind_name(n) + " into " + into);
}

}  // namespace

std::string decode_string(const YAML::Node& n) {
  require_scalar(n, "string");
  return n.Scalar();
}

bool decode_bool(const YAML::Node& n) {
  require_scalar(n, "bool");
  const std::string& s = n.Scalar();
  if (s == "true" || s == "True" || s == "TRUE" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "False" || s == "FALSE" || s == "no" || s == "off") return false;
  fail(n, "cannot unmarshal !!str `" + s + "` into bool");
}

uint64_t decode_uint(const YAML::Node& n) {
  require_scalar(n, "uint");
  const std::string& s = n.Scalar();
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos) {
    fail(n, "cannot unmarshal !!str `" + s + "` into uint");
  }
  return std::stoull(s);
}

int decode_int(const YAML::Node& n) {
  require_scalar(n, "int");
  const std::string& s = n.Scalar();
  size_t start = (!s.empty() && s[0] == '-') ? 1 : 0;
  if (s.size() == start || s.size() > 10 ||
      s.find_first_not_of("0123456789", start) != std::string::npos) {
    fail(n, "cannot unmarshal !!str `" + s + "` into int");
  }
  return std::stoi(s);
}

model::Duration decode_duration(const YAML::Node& n) {
  require_scalar(n, "model.Duration");
  auto d = model::parse_duration(n.Scalar());
  if (!d) fail(n, d.status().message());
  return *d;
}

uint64_t decode_bytes(const YAML::Node& n) {
  require_scalar(n, "units.Base2Bytes");
  auto b = parse_bytes(n.Scalar());
  if (!b) fail(n, b.status().message());
  return *b;
}

std::vector<std::string> decode_string_list(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsSequence()) fail(n, "cannot unmarshal " + kind_name(n) + " into []string");
  for (const auto& item : n) out.push_back(decode_string(item));
  return out;
}

std::map<std::string, std::string> decode_string_map(const YAML::Node& n) {
  std::map<std::string, std::string> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsMap()) fail(n, "cannot unmarshal " + kind_name(n) + " into map[string]string");
  for (const auto& kv : n) {
    std::string key = decode_string(kv.first);
    if (!out.emplace(key, decode_string(kv.second)).second) {
      fail(kv.first, "mapping key \"" + key + "\" already defined");
    }
  }
  return out;
}

model::Labels decode_labels(const YAML::Node& n) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (!n.IsDefined() || n.IsNull()) return {};
  if (!n.IsMap()) fail(n, "cannot unmarshal " + kind_name(n) + " into model.LabelSet");
  for (const auto& kv : n) {
    std::string name = decode_string(kv.first);
    std::string value = decode_string(kv.second);
    if (name.empty() || !model::valid_utf8(name))
      fail(kv.first, "\"" + name + "\" is not a valid label name");
    if (!model::valid_utf8(value)) fail(kv.second, "\"" + value + "\" is not a valid label value");
    for (const auto& p : pairs) {
      if (p.first == name) fail(kv.first, "mapping key \"" + name + "\" already defined");
    }
    pairs.emplace_back(std::move(name), std::move(value));
  }
  return model::Labels::from_pairs(std::move(pairs));
}

MapReader::MapReader(const YAML::Node& node, std::string type, std::set<std::string> unsupported)
    : node_(node), type_(std::move(type)), unsupported_(std::move(unsupported)) {
  if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap()) {
    fail(node_, "cannot unmarshal " + kind_name(node_) + " into " + type_);
  }
}

YAML::Node MapReader::get(const std::string& key) {
  read_.insert(key);
  if (!node_.IsDefined() || node_.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& kv : node_) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) {
      if (kv.second.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
      return kv.second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

bool MapReader::has(const std::string& key) const {
  if (!node_.IsDefined() || node_.IsNull()) return false;
  for (const auto& kv : node_) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return !kv.second.IsNull();
  }
  return false;
}

void MapReader::finish() const {
  if (!node_.IsDefined() || node_.IsNull()) return;
  std::set<std::string> seen;
  for (const auto& kv : node_) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (!seen.insert(key).second) {
      fail(kv.first, "mapping key \"" + key + "\" already defined");
    }
    if (read_.count(key)) continue;
    if (unsupported_.count(key)) {
      fail(kv.first, "field " + key + " of " + type_ + " is not supported by promlite");
    }
    fail(kv.first, "field " + key + " not found in type " + type_);
  }
}

}  // namespace promlite::config::detail
