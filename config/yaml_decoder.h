// Strict YAML decoding helpers for the config loader: every map is read through
// a MapReader that refuses fields it was not asked about, and every error names
// its line, in the shape of Prometheus's "line 5: field foo not found in type
// config.ScrapeConfig".
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/duration.h"
#include "model/labels.h"

namespace promlite::config::detail {

// Thrown inside the loader only; load_config() turns it into a Status.
struct DecodeError : std::runtime_error {
  DecodeError(int line, const std::string& msg) : std::runtime_error(msg), line(line) {}
  int line;  // 1-based; 0 when unknown
};

int line_of(const YAML::Node& n);
[[noreturn]] void fail(const YAML::Node& n, const std::string& msg);

std::string decode_string(const YAML::Node& n);
bool decode_bool(const YAML::Node& n);
uint64_t decode_uint(const YAML::Node& n);
int decode_int(const YAML::Node& n);
model::Duration decode_duration(const YAML::Node& n);
uint64_t decode_bytes(const YAML::Node& n);
std::vector<std::string> decode_string_list(const YAML::Node& n);
std::map<std::string, std::string> decode_string_map(const YAML::Node& n);
// A label map: names must be valid label names, values valid UTF-8.
model::Labels decode_labels(const YAML::Node& n);

// Reads a YAML mapping field by field; finish() refuses the fields never read.
class MapReader {
 public:
  // `type` is the Prometheus type name used in messages, e.g. "config.ScrapeConfig".
  // `unsupported` lists Prometheus fields promlite does not implement: they get
  // a "not supported by promlite" message instead of "not found".
  MapReader(const YAML::Node& node, std::string type, std::set<std::string> unsupported = {});

  // The node of `key`, or an undefined node when absent (or null).
  YAML::Node get(const std::string& key);
  bool has(const std::string& key) const;
  const YAML::Node& node() const { return node_; }

  void finish() const;

 private:
  YAML::Node node_;
  std::string type_;
  std::set<std::string> unsupported_;
  std::set<std::string> read_;
};

}  // namespace promlite::config::detail
