// promlite's configuration: the parts of Prometheus's prometheus.yml that
// promlite supports, with Prometheus's defaults. Anything else in the file is
// refused at load with a message naming it and its line.
//
// load_config() parses and validates; a Config that loaded is complete and
// ready to use (durations resolved from global defaults, regexes compiled,
// relative file paths made absolute against the config file's directory).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/relabel_config.h"
#include "model/duration.h"
#include "model/labels.h"
#include "model/status.h"

namespace promlite::config {

struct TLSConfig {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  bool insecure_skip_verify = false;
  std::string min_version;  // "TLS12", "TLS13" or empty
};

struct BasicAuth {
  std::string username;
  std::string username_file;
  std::string password;
  std::string password_file;
};

struct Authorization {
  std::string type = "Bearer";
  std::string credentials;
  std::string credentials_file;
};

// The HTTP client options shared by scrape configs, kubernetes_sd and remote_write.
struct HTTPClientConfig {
  std::optional<BasicAuth> basic_auth;
  std::optional<Authorization> authorization;
  TLSConfig tls_config;
  bool follow_redirects = true;
  bool enable_http2 = true;  // accepted for compatibility; promlite speaks HTTP/1.1
};

struct StaticConfig {
  std::vector<std::string> targets;  // host:port
  model::Labels labels;
};

struct FileSDConfig {
  std::vector<std::string> files;  // globs allowed in the last path element
  model::Duration refresh_interval = 5 * model::kMinute;
};

struct KubernetesSelector {
  std::string role;
  std::string label;
  std::string field;
};

struct KubernetesSDConfig {
  std::string role;  // pod, endpoints, service, node, endpointslice, ingress
  std::string api_server;
  std::string kubeconfig_file;
  bool own_namespace = false;
  std::vector<std::string> namespaces;
  std::vector<KubernetesSelector> selectors;
  HTTPClientConfig http;
};

struct ScrapeConfig {
  std::string job_name;
  bool honor_labels = false;
  bool honor_timestamps = true;
  bool track_timestamps_staleness = false;
  model::Duration scrape_interval = 0;  // resolved from global when absent
  model::Duration scrape_timeout = 0;   // resolved from global when absent
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  std::map<std::string, std::vector<std::string>> params;
  bool enable_compression = true;
  // Resolved at load: the job's list, else the global one, else Prometheus 3's
  // default (OpenMetricsText1.0.0, OpenMetricsText0.0.1, PrometheusText1.0.0,
  // PrometheusText0.0.4). "PrometheusProto" is accepted but never requested:
  // promlite parses only the text formats.
  std::vector<std::string> scrape_protocols;
  std::string fallback_scrape_protocol;  // empty: none (a bad Content-Type fails the scrape)
  std::string metric_name_validation_scheme = "utf8";       // or "legacy"
  std::string metric_name_escaping_scheme = "allow-utf-8";  // underscores, dots, values
  bool always_scrape_classic_histograms = false;  // accepted; promlite only stores classic
  HTTPClientConfig http;

  uint64_t sample_limit = 0;  // 0: no limit
  uint64_t target_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  uint64_t body_size_limit = 0;  // bytes; 0: no limit

  std::vector<StaticConfig> static_configs;
  std::vector<FileSDConfig> file_sd_configs;
  std::vector<KubernetesSDConfig> kubernetes_sd_configs;
  RelabelConfigs relabel_configs;
  RelabelConfigs metric_relabel_configs;
};

struct QueueConfig {
  int capacity = 10000;
  int min_shards = 1;
  int max_shards = 50;
  int max_samples_per_send = 2000;
  model::Duration batch_send_deadline = 5 * model::kSecond;
  model::Duration min_backoff = 30;
  model::Duration max_backoff = 5 * model::kSecond;
  bool retry_on_http_429 = false;  // as Prometheus: a 429 is final unless this is set
  model::Duration sample_age_limit = 0;
};

struct MetadataConfig {
  bool send = true;
  model::Duration send_interval = model::kMinute;
  int max_samples_per_send = 2000;
};

struct RemoteWriteConfig {
  std::string url;
  std::string name;
  model::Duration remote_timeout = 30 * model::kSecond;
  std::map<std::string, std::string> headers;
  RelabelConfigs write_relabel_configs;
  QueueConfig queue_config;
  MetadataConfig metadata_config;
  bool send_exemplars = false;
  std::string protobuf_message = "prometheus.WriteRequest";
  HTTPClientConfig http;
};

struct GlobalConfig {
  model::Duration scrape_interval = model::kMinute;
  model::Duration scrape_timeout = 10 * model::kSecond;
  model::Duration evaluation_interval = model::kMinute;
  model::Labels external_labels;
  uint64_t body_size_limit = 0;
  uint64_t sample_limit = 0;
  uint64_t target_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  std::vector<std::string> scrape_protocols;  // resolved: Prometheus 3's default when absent
  std::string metric_name_validation_scheme;  // empty: "utf8"
  std::string metric_name_escaping_scheme;    // empty: derived from the validation scheme
  bool always_scrape_classic_histograms = false;
};

// Prometheus 3's default scrape_protocols, in preference order.
inline const std::vector<std::string>& default_scrape_protocols() {
  static const std::vector<std::string> k = {"OpenMetricsText1.0.0", "OpenMetricsText0.0.1",
                                             "PrometheusText1.0.0", "PrometheusText0.0.4"};
  return k;
}

struct Config {
  GlobalConfig global;
  std::vector<std::string> rule_files;
  std::vector<ScrapeConfig> scrape_configs;
  std::vector<RemoteWriteConfig> remote_write;

  std::string source;    // the YAML text as loaded (for /api/v1/status/config)
  std::string filename;  // empty for the embedded default
};

// Parses and validates YAML text. `filename` is used in messages and to make
// relative paths absolute (its directory); it may be empty.
Result<Config> load_config(const std::string& yaml, const std::string& filename);

// Reads and loads a file.
Result<Config> load_config_file(const std::string& path);

// The configuration promlite runs with when no --config.file is given: it
// scrapes itself at `self_address` (host:port) and, when `in_kubernetes`, the
// pods annotated prometheus.io/scrape: "true" in every namespace.
std::string default_config_yaml(const std::string& self_address, bool in_kubernetes);

// Parses "512MB", "1GB", "100KiB", "0" (base-2 units like Prometheus's
// Base2Bytes: B, KB/KiB, MB/MiB, GB/GiB, TB/TiB, PB/PiB, EB/EiB).
Result<uint64_t> parse_bytes(std::string_view s);

}  // namespace promlite::config
