// Decoding and validation of prometheus.yml (see config.h).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/config.h"
#include "config/yaml_decoder.h"

namespace promlite::config {

using detail::decode_bool;
using detail::decode_bytes;
using detail::decode_duration;
using detail::decode_int;
using detail::decode_labels;
using detail::decode_string;
using detail::decode_string_list;
using detail::decode_string_map;
using detail::decode_uint;
using detail::fail;
using detail::MapReader;

namespace {

// Makes a relative path absolute against the config file's directory, as
// Prometheus does for every file reference in its config.
struct Paths {
  std::filesystem::path dir;
  std::string resolve(const std::string& p) const {
    if (p.empty() || dir.empty()) return p;
    std::filesystem::path path(p);
    return path.is_absolute() ? p : (dir / path).lexically_normal().string();
  }
};

// Scrape and SD configs of Prometheus that promlite does not implement.
const std::set<std::string> kUnsupportedSD = {"azure_sd_configs",
                                              "consul_sd_configs",
                                              "digitalocean_sd_configs",
                                              "docker_sd_configs",
                                              "dockerswarm_sd_configs",
                                              "dns_sd_configs",
                                              "ec2_sd_configs",
                                              "eureka_sd_configs",
                                              "gce_sd_configs",
                                              "hetzner_sd_configs",
                                              "http_sd_configs",
                                              "ionos_sd_configs",
                                              "kuma_sd_configs",
                                              "lightsail_sd_configs",
                                              "linode_sd_configs",
                                              "marathon_sd_configs",
                                              "nerve_sd_configs",
                                              "nomad_sd_configs",
                                              "openstack_sd_configs",
                                              "ovhcloud_sd_configs",
                                              "puppetdb_sd_configs",
                                              "scaleway_sd_configs",
                                              "serverset_sd_configs",
                                              "triton_sd_configs",
                                              "uyuni_sd_configs",
                                              "vultr_sd_configs",
                                              "stackit_sd_configs",
                                              "oauth2",
                                              "proxy_url",
                                              "no_proxy",
                                              "proxy_from_environment",
                                              "proxy_connect_header",
                                              "native_histogram_bucket_limit",
                                              "native_histogram_min_bucket_factor",
                                              "convert_classic_histograms_to_nhcb",
                                              "keep_dropped_targets",
                                              "scrape_failure_log_file",
                                              "http_headers",
                                              "sigv4",
                                              "azuread",
                                              "google_iam"};

TLSConfig decode_tls(const YAML::Node& n, const Paths& paths) {
  MapReader r(n, "config.TLSConfig", {"ca", "cert", "key", "max_version"});
  TLSConfig t;
  if (auto v = r.get("ca_file")) t.ca_file = paths.resolve(decode_string(v));
  if (auto v = r.get("cert_file")) t.cert_file = paths.resolve(decode_string(v));
  if (auto v = r.get("key_file")) t.key_file = paths.resolve(decode_string(v));
  if (auto v = r.get("server_name")) t.server_name = decode_string(v);
  if (auto v = r.get("insecure_skip_verify")) t.insecure_skip_verify = decode_bool(v);
  if (auto v = r.get("min_version")) {
    t.min_version = decode_string(v);
    if (t.min_version != "TLS10" && t.min_version != "TLS11" && t.min_version != "TLS12" &&
        t.min_version != "TLS13") {
      fail(v, "unknown TLS version: " + t.min_version);
    }
  }
  r.finish();
  if (!t.cert_file.empty() && t.key_file.empty()) {
    fail(n, "client cert file \"" + t.cert_file + "\" specified without client key file");
  }
  if (t.cert_file.empty() && !t.key_file.empty()) {
    fail(n, "client key file \"" + t.key_file + "\" specified without client cert file");
  }
  return t;
}

// Reads the HTTP client fields of a map (they sit inline in scrape configs,
// kubernetes_sd_configs and remote_write, as in Prometheus).
HTTPClientConfig decode_http_client(MapReader& r, const Paths& paths) {
  HTTPClientConfig h;
  if (auto n = r.get("basic_auth")) {
    MapReader b(n, "config.BasicAuth");
    BasicAuth a;
    if (auto v = b.get("username")) a.username = decode_string(v);
    if (auto v = b.get("username_file")) a.username_file = paths.resolve(decode_string(v));
    if (auto v = b.get("password")) a.password = decode_string(v);
    if (auto v = b.get("password_file")) a.password_file = paths.resolve(decode_string(v));
    b.finish();
    if (!a.username.empty() && !a.username_file.empty()) {
      fail(n, "at most one of basic_auth username & username_file must be configured");
    }
    if (!a.password.empty() && !a.password_file.empty()) {
      fail(n, "at most one of basic_auth password & password_file must be configured");
    }
    h.basic_auth = a;
  }
  if (auto n = r.get("authorization")) {
    MapReader b(n, "config.Authorization");
    Authorization a;
    if (auto v = b.get("type")) a.type = decode_string(v);
    if (auto v = b.get("credentials")) a.credentials = decode_string(v);
    if (auto v = b.get("credentials_file")) a.credentials_file = paths.resolve(decode_string(v));
    b.finish();
    if (a.type.empty()) a.type = "Bearer";
    std::string lower = a.type;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "basic") {
      fail(n, "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
    }
    if (!a.credentials.empty() && !a.credentials_file.empty()) {
      fail(n, "at most one of authorization credentials & credentials_file must be configured");
    }
    h.authorization = a;
  }
  // The deprecated bearer_token fields map onto authorization.
  if (auto n = r.get("bearer_token")) {
    if (h.authorization)
      fail(n, "at most one of bearer_token, bearer_token_file & authorization must be configured");
    h.authorization = Authorization{"Bearer", decode_string(n), ""};
  }
  if (auto n = r.get("bearer_token_file")) {
    if (h.authorization)
      fail(n, "at most one of bearer_token, bearer_token_file & authorization must be configured");
    h.authorization = Authorization{"Bearer", "", paths.resolve(decode_string(n))};
  }
  if (h.basic_auth && h.authorization) {
    fail(r.node(),
         "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
  }
  if (auto n = r.get("tls_config")) h.tls_config = decode_tls(n, paths);
  if (auto n = r.get("follow_redirects")) h.follow_redirects = decode_bool(n);
  if (auto n = r.get("enable_http2")) h.enable_http2 = decode_bool(n);
  return h;
}

RelabelConfig decode_relabel(const YAML::Node& n) {
  MapReader r(n, "relabel.Config");
  RelabelConfig c;
  bool source_set = false;
  if (auto v = r.get("source_labels")) {
    c.source_labels = decode_string_list(v);
    source_set = true;
  }
  if (auto v = r.get("separator")) c.separator = decode_string(v);
  if (auto v = r.get("regex")) c.regex = decode_string(v);
  if (auto v = r.get("modulus")) c.modulus = decode_uint(v);
  if (auto v = r.get("target_label")) c.target_label = decode_string(v);
  if (auto v = r.get("replacement")) c.replacement = decode_string(v);
  if (auto v = r.get("action")) {
    auto a = parse_relabel_action(decode_string(v));
    if (!a) fail(v, a.status().message());
    c.action = *a;
  }
  r.finish();
  if (Status s = c.compile(source_set); !s) fail(n, s.message());
  return c;
}

RelabelConfigs decode_relabels(const YAML::Node& n) {
  RelabelConfigs out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsSequence()) fail(n, "cannot unmarshal into []*relabel.Config");
  for (const auto& item : n) out.push_back(decode_relabel(item));
  return out;
}

// Prometheus refuses static targets that look like URLs.
void check_target_address(const YAML::Node& n, const std::string& target) {
  if (target.empty()) fail(n, "\"\" is not a valid hostname");
  if (target.find('/') != std::string::npos) {
    fail(n, "\"" + target + "\" is not a valid hostname");
  }
}

StaticConfig decode_static(const YAML::Node& n) {
  MapReader r(n, "targetgroup.Group");
  StaticConfig s;
  if (auto v = r.get("targets")) {
    if (!v.IsSequence()) fail(v, "cannot unmarshal into []string");
    for (const auto& t : v) {
      s.targets.push_back(decode_string(t));
      check_target_address(t, s.targets.back());
    }
  }
  if (auto v = r.get("labels")) s.labels = decode_labels(v);
  r.finish();
  return s;
}

FileSDConfig decode_file_sd(const YAML::Node& n, const Paths& paths) {
  MapReader r(n, "file.SDConfig");
  FileSDConfig f;
  auto files = r.get("files");
  for (const auto& p : decode_string_list(files)) {
    // Like Prometheus: globs only in the last path element, and only for
    // .json/.yml/.yaml files.
    std::filesystem::path path(p);
    std::string ext = path.extension().string();
    if (ext != ".json" && ext != ".yml" && ext != ".yaml") {
      fail(files, "path name \"" + p + "\" is not valid for file discovery");
    }
    if (path.parent_path().string().find_first_of("*?[") != std::string::npos) {
      fail(files, "path name \"" + p + "\" is not valid for file discovery");
    }
    f.files.push_back(paths.resolve(p));
  }
  if (auto v = r.get("refresh_interval")) f.refresh_interval = decode_duration(v);
  r.finish();
  if (f.files.empty()) fail(n, "file service discovery config must contain at least one path name");
  if (f.refresh_interval <= 0) fail(n, "file service discovery refresh_interval must be positive");
  return f;
}

KubernetesSDConfig decode_kubernetes_sd(const YAML::Node& n, const Paths& paths) {
  MapReader r(n, "kubernetes.SDConfig", {"attach_metadata"});
  KubernetesSDConfig k;
  if (auto v = r.get("role")) k.role = decode_string(v);
  if (auto v = r.get("api_server")) k.api_server = decode_string(v);
  if (auto v = r.get("kubeconfig_file")) k.kubeconfig_file = paths.resolve(decode_string(v));
  if (auto v = r.get("namespaces")) {
    MapReader ns(v, "kubernetes.NamespaceDiscovery");
    if (auto o = ns.get("own_namespace")) k.own_namespace = decode_bool(o);
    k.namespaces = decode_string_list(ns.get("names"));
    ns.finish();
  }
  if (auto v = r.get("selectors")) {
    if (!v.IsSequence()) fail(v, "cannot unmarshal into []kubernetes.SelectorConfig");
    for (const auto& item : v) {
      MapReader s(item, "kubernetes.SelectorConfig");
      KubernetesSelector sel;
      if (auto x = s.get("role")) sel.role = decode_string(x);
      if (auto x = s.get("label")) sel.label = decode_string(x);
      if (auto x = s.get("field")) sel.field = decode_string(x);
      s.finish();
      k.selectors.push_back(sel);
    }
  }
  k.http = decode_http_client(r, paths);
  r.finish();
  static const std::set<std::string> kRoles = {"pod",           "service", "endpoints",
                                               "endpointslice", "node",    "ingress"};
  if (k.role.empty()) {
    fail(n, "role missing (one of: pod, service, endpoints, endpointslice, node, ingress)");
  }
  if (!kRoles.count(k.role)) fail(n, "unknown Kubernetes SD role \"" + k.role + "\"");
  if (!k.api_server.empty() && !k.kubeconfig_file.empty()) {
    fail(n, "cannot use 'kubeconfig_file' and 'api_server' simultaneously");
  }
  // Prometheus's further checks, with its messages.
  const auto& h = k.http;
  const auto& t = h.tls_config;
  bool custom_http = h.basic_auth || h.authorization || !t.ca_file.empty() ||
                     !t.cert_file.empty() || !t.key_file.empty() || !t.server_name.empty() ||
                     t.insecure_skip_verify || !t.min_version.empty() || !h.follow_redirects ||
                     !h.enable_http2;
  if (!k.kubeconfig_file.empty() && custom_http) {
    fail(n, "cannot use a custom HTTP client configuration together with 'kubeconfig_file'");
  }
  if (k.api_server.empty() && k.kubeconfig_file.empty() && custom_http) {
    fail(n,
         "to use custom HTTP client configuration please provide the 'api_server' URL explicitly");
  }
  if (!k.api_server.empty() && k.own_namespace) {
    fail(n, "cannot use 'api_server' and 'namespaces.own_namespace' simultaneously");
  }
  if (!k.kubeconfig_file.empty() && k.own_namespace) {
    fail(n, "cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously");
  }
  static const std::map<std::string, std::vector<std::string>> kSelectorRoles = {
      {"pod", {"pod", "node"}},
      {"service", {"service"}},
      {"endpointslice", {"pod", "service", "endpointslice"}},
      {"endpoints", {"pod", "service", "endpoints"}},
      {"node", {"node"}},
      {"ingress", {"ingress"}}};
  std::set<std::string> seen;
  for (const auto& sel : k.selectors) {
    if (!kRoles.count(sel.role)) fail(n, "invalid selector role \"" + sel.role + "\"");
    if (!seen.insert(sel.role).second) fail(n, "duplicated selector role: " + sel.role);
    const auto& allowed = kSelectorRoles.at(k.role);
    if (std::find(allowed.begin(), allowed.end(), sel.role) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      fail(n, k.role + " role supports only " + list + " selectors");
    }
  }
  // promlite discovers pods only (the annotation-driven setup); other roles
  // are refused at load rather than silently giving no targets.
  if (k.role != "pod") {
    fail(n, "kubernetes_sd_configs role \"" + k.role +
                "\" is not supported by promlite (supported: pod)");
  }
  return k;
}

const std::set<std::string> kScrapeProtocols = {"PrometheusProto", "OpenMetricsText0.0.1",
                                                "OpenMetricsText1.0.0", "PrometheusText0.0.4",
                                                "PrometheusText1.0.0"};

// Prometheus's "unknown scrape protocol X, supported: [...]".
std::string unknown_protocol(const std::string& p) {
  std::string out = "unknown scrape protocol " + p + ", supported: [";
  bool first = true;
  for (const auto& k : kScrapeProtocols) {  // std::set: sorted, as Prometheus prints them
    out += (first ? "" : " ") + k;
    first = false;
  }
  return out + "]";
}

// Decodes and validates a scrape_protocols list as Prometheus 3 does; `where`
// is " for global config" or " for scrape config with job name \"x\"".
// PrometheusProto is accepted (configs written for Prometheus load) but
// promlite never requests it, so a list must keep at least one text format.
std::vector<std::string> decode_scrape_protocols(const YAML::Node& v, const std::string& where) {
  std::vector<std::string> list = decode_string_list(v);
  if (list.empty()) fail(v, "scrape_protocols cannot be empty" + where);
  std::set<std::string> seen;
  bool text = false;
  for (const auto& p : list) {
    std::string lower;
    for (char ch : p)
      lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    if (!seen.insert(lower).second) {
      std::string got;
      for (const auto& q : list) got += (got.empty() ? "" : " ") + q;
      fail(v, "duplicated protocol in scrape_protocols, got [" + got + "]" + where);
    }
    if (!kScrapeProtocols.count(p)) fail(v, "scrape_protocols: " + unknown_protocol(p) + where);
    if (p != "PrometheusProto") text = true;
  }
  if (!text) {
    fail(v,
         "scrape_protocols: PrometheusProto (protobuf) is not supported by promlite; list at "
         "least one text protocol" +
             where);
  }
  return list;
}

const std::set<std::string> kEscapingSchemes = {"allow-utf-8", "underscores", "dots", "values"};

ScrapeConfig decode_scrape(const YAML::Node& n, const GlobalConfig& g, const Paths& paths) {
  MapReader r(n, "config.ScrapeConfig", kUnsupportedSD);
  ScrapeConfig c;
  c.body_size_limit = g.body_size_limit;
  c.sample_limit = g.sample_limit;
  c.target_limit = g.target_limit;
  c.label_limit = g.label_limit;
  c.label_name_length_limit = g.label_name_length_limit;
  c.label_value_length_limit = g.label_value_length_limit;
  c.scrape_protocols = g.scrape_protocols;
  c.always_scrape_classic_histograms = g.always_scrape_classic_histograms;
  if (auto v = r.get("job_name")) c.job_name = decode_string(v);
  if (auto v = r.get("honor_labels")) c.honor_labels = decode_bool(v);
  if (auto v = r.get("honor_timestamps")) c.honor_timestamps = decode_bool(v);
  if (auto v = r.get("track_timestamps_staleness")) c.track_timestamps_staleness = decode_bool(v);
  if (auto v = r.get("scrape_interval")) c.scrape_interval = decode_duration(v);
  if (auto v = r.get("scrape_timeout")) c.scrape_timeout = decode_duration(v);
  if (auto v = r.get("metrics_path")) c.metrics_path = decode_string(v);
  if (auto v = r.get("scheme")) c.scheme = decode_string(v);
  if (auto v = r.get("enable_compression")) c.enable_compression = decode_bool(v);
  const std::string job_where = " for scrape config with job name \"" + c.job_name + "\"";
  if (auto v = r.get("scrape_protocols"))
    c.scrape_protocols = decode_scrape_protocols(v, job_where);
  if (c.scrape_protocols.empty()) c.scrape_protocols = default_scrape_protocols();
  if (auto v = r.get("fallback_scrape_protocol")) {
    c.fallback_scrape_protocol = decode_string(v);
    if (!kScrapeProtocols.count(c.fallback_scrape_protocol)) {
      fail(v, "invalid fallback_scrape_protocol for scrape config with job name \"" + c.job_name +
                  "\": " + unknown_protocol(c.fallback_scrape_protocol));
    }
    if (c.fallback_scrape_protocol == "PrometheusProto") {
      fail(v,
           "fallback_scrape_protocol PrometheusProto is not supported by promlite (it parses "
           "only the text formats)");
    }
  }
  if (auto v = r.get("always_scrape_classic_histograms")) {
    c.always_scrape_classic_histograms = decode_bool(v);  // no-op: no native histograms
  }
  if (auto v = r.get("convert_classic_histograms_to_nhcb"); v && decode_bool(v)) {
    fail(v,
         "convert_classic_histograms_to_nhcb: true is not supported by promlite (it stores "
         "classic histograms only)");
  }
  // Name validation and escaping, resolved as Prometheus 3 does (with its
  // later fix: a job that sets only legacy validation escapes with
  // underscores instead of inheriting the global allow-utf-8 and failing).
  std::string validation = g.metric_name_validation_scheme.empty()
                               ? std::string("utf8")
                               : g.metric_name_validation_scheme;
  std::string escaping = g.metric_name_escaping_scheme.empty()
                             ? std::string(validation == "legacy" ? "underscores" : "allow-utf-8")
                             : g.metric_name_escaping_scheme;
  bool local_validation = false;
  if (auto v = r.get("metric_name_validation_scheme")) {
    std::string s = decode_string(v);
    if (!s.empty() && s != "utf8" && s != "legacy") {
      fail(v,
           "unknown scrape config name validation method specified, must be either 'legacy' "
           "or 'utf8', got " +
               s);
    }
    if (!s.empty()) {
      validation = s;
      local_validation = true;
    }
  }
  bool local_escaping = false;
  if (auto v = r.get("metric_name_escaping_scheme")) {
    std::string s = decode_string(v);
    if (!s.empty() && !kEscapingSchemes.count(s)) {
      fail(v,
           "unknown scrape config name escaping method specified, must be one of "
           "'allow-utf-8', 'underscores', 'dots', or 'values', got " +
               s);
    }
    if (!s.empty()) {
      escaping = s;
      local_escaping = true;
    }
  }
  if (!local_escaping && local_validation) {
    escaping = validation == "legacy" ? "underscores" : "allow-utf-8";
  }
  if (escaping == "allow-utf-8" && validation != "utf8") {
    fail(n, "utf8 metric names requested but validation scheme is not set to UTF8");
  }
  c.metric_name_validation_scheme = validation;
  c.metric_name_escaping_scheme = escaping;
  if (auto v = r.get("params")) {
    if (!v.IsMap()) fail(v, "cannot unmarshal into url.Values");
    for (const auto& kv : v) c.params[decode_string(kv.first)] = decode_string_list(kv.second);
  }
  if (auto v = r.get("sample_limit")) c.sample_limit = decode_uint(v);
  if (auto v = r.get("target_limit")) c.target_limit = decode_uint(v);
  if (auto v = r.get("label_limit")) c.label_limit = decode_uint(v);
  if (auto v = r.get("label_name_length_limit")) c.label_name_length_limit = decode_uint(v);
  if (auto v = r.get("label_value_length_limit")) c.label_value_length_limit = decode_uint(v);
  if (auto v = r.get("body_size_limit")) c.body_size_limit = decode_bytes(v);
  if (auto v = r.get("static_configs")) {
    if (!v.IsSequence()) fail(v, "cannot unmarshal into []*targetgroup.Group");
    for (const auto& item : v) c.static_configs.push_back(decode_static(item));
  }
  if (auto v = r.get("file_sd_configs")) {
    if (!v.IsSequence()) fail(v, "cannot unmarshal into []*file.SDConfig");
    for (const auto& item : v) c.file_sd_configs.push_back(decode_file_sd(item, paths));
  }
  if (auto v = r.get("kubernetes_sd_configs")) {
    if (!v.IsSequence()) fail(v, "cannot unmarshal into []*kubernetes.SDConfig");
    for (const auto& item : v) c.kubernetes_sd_configs.push_back(decode_kubernetes_sd(item, paths));
  }
  c.relabel_configs = decode_relabels(r.get("relabel_configs"));
  c.metric_relabel_configs = decode_relabels(r.get("metric_relabel_configs"));
  c.http = decode_http_client(r, paths);
  r.finish();

  if (c.job_name.empty()) fail(n, "job_name is empty");
  if (c.scheme != "http" && c.scheme != "https") {
    fail(n, "invalid scheme \"" + c.scheme + "\" for scrape config with job name \"" + c.job_name +
                "\": must be \"http\" or \"https\"");
  }
  if (c.metrics_path.empty() || c.metrics_path[0] != '/') {
    fail(n, "metrics_path \"" + c.metrics_path + "\" for scrape config with job name \"" +
                c.job_name + "\" must start with \"/\"");
  }
  // Interval and timeout defaults exactly as Prometheus resolves them.
  if (c.scrape_interval == 0) c.scrape_interval = g.scrape_interval;
  if (c.scrape_timeout > c.scrape_interval) {
    fail(n, "scrape timeout greater than scrape interval for scrape config with job name \"" +
                c.job_name + "\"");
  }
  if (c.scrape_timeout == 0) {
    c.scrape_timeout = std::min(g.scrape_timeout, c.scrape_interval);
  }
  return c;
}

RemoteWriteConfig decode_remote_write(const YAML::Node& n, const Paths& paths) {
  MapReader r(n, "config.RemoteWriteConfig",
              {"oauth2", "sigv4", "azuread", "google_iam", "proxy_url", "round_robin_dns"});
  RemoteWriteConfig c;
  if (auto v = r.get("url")) c.url = decode_string(v);
  if (auto v = r.get("name")) c.name = decode_string(v);
  if (auto v = r.get("remote_timeout")) c.remote_timeout = decode_duration(v);
  if (auto v = r.get("headers")) c.headers = decode_string_map(v);
  if (auto v = r.get("send_exemplars")) c.send_exemplars = decode_bool(v);
  if (auto v = r.get("send_native_histograms"))
    decode_bool(v);  // accepted, no native histograms yet
  if (auto v = r.get("protobuf_message")) {
    c.protobuf_message = decode_string(v);
    if (c.protobuf_message != "prometheus.WriteRequest") {
      fail(v,
           "protobuf_message \"" + c.protobuf_message +
               "\" is not supported by promlite (only prometheus.WriteRequest, remote write 1.0)");
    }
  }
  c.write_relabel_configs = decode_relabels(r.get("write_relabel_configs"));
  if (auto q = r.get("queue_config")) {
    MapReader qr(q, "config.QueueConfig");
    auto& qc = c.queue_config;
    if (auto v = qr.get("capacity")) qc.capacity = decode_int(v);
    if (auto v = qr.get("min_shards")) qc.min_shards = decode_int(v);
    if (auto v = qr.get("max_shards")) qc.max_shards = decode_int(v);
    if (auto v = qr.get("max_samples_per_send")) qc.max_samples_per_send = decode_int(v);
    if (auto v = qr.get("batch_send_deadline")) qc.batch_send_deadline = decode_duration(v);
    if (auto v = qr.get("min_backoff")) qc.min_backoff = decode_duration(v);
    if (auto v = qr.get("max_backoff")) qc.max_backoff = decode_duration(v);
    if (auto v = qr.get("retry_on_http_429")) qc.retry_on_http_429 = decode_bool(v);
    if (auto v = qr.get("sample_age_limit")) qc.sample_age_limit = decode_duration(v);
    qr.finish();
    if (qc.capacity <= 0 || qc.min_shards <= 0 || qc.max_shards < qc.min_shards ||
        qc.max_samples_per_send <= 0) {
      fail(q,
           "queue_config needs capacity, min_shards, max_samples_per_send > 0 and "
           "max_shards >= min_shards");
    }
    if (qc.min_backoff > qc.max_backoff) fail(q, "min_backoff greater than max_backoff");
  }
  if (auto m = r.get("metadata_config")) {
    MapReader mr(m, "config.MetadataConfig");
    if (auto v = mr.get("send")) c.metadata_config.send = decode_bool(v);
    if (auto v = mr.get("send_interval")) c.metadata_config.send_interval = decode_duration(v);
    if (auto v = mr.get("max_samples_per_send")) {
      c.metadata_config.max_samples_per_send = decode_int(v);
    }
    mr.finish();
  }
  c.http = decode_http_client(r, paths);
  r.finish();
  if (c.url.empty()) fail(n, "url for remote_write is empty");
  if (c.url.rfind("http://", 0) != 0 && c.url.rfind("https://", 0) != 0) {
    fail(n, "invalid remote_write url \"" + c.url + "\": scheme must be http or https");
  }
  for (const auto& [k, v] : c.headers) {
    std::string lower = k;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    static const std::set<std::string> kReserved = {"authorization",
                                                    "host",
                                                    "content-encoding",
                                                    "content-length",
                                                    "content-type",
                                                    "user-agent",
                                                    "connection",
                                                    "keep-alive",
                                                    "proxy-authenticate",
                                                    "proxy-authorization",
                                                    "www-authenticate",
                                                    "retry-after",
                                                    "x-prometheus-remote-write-version"};
    if (kReserved.count(lower)) fail(n, "" + k + " is a reserved header. It must not be changed");
  }
  return c;
}

GlobalConfig decode_global(const YAML::Node& n) {
  MapReader r(n, "config.GlobalConfig",
              {"query_log_file", "scrape_failure_log_file", "rule_query_offset",
               "scrape_native_histograms", "convert_classic_histograms_to_nhcb"});
  GlobalConfig g;
  bool timeout_set = false;
  if (auto v = r.get("scrape_interval")) g.scrape_interval = decode_duration(v);
  if (auto v = r.get("scrape_timeout")) {
    g.scrape_timeout = decode_duration(v);
    timeout_set = true;
  }
  if (auto v = r.get("evaluation_interval")) g.evaluation_interval = decode_duration(v);
  if (auto v = r.get("external_labels")) g.external_labels = decode_labels(v);
  if (auto v = r.get("body_size_limit")) g.body_size_limit = decode_bytes(v);
  if (auto v = r.get("sample_limit")) g.sample_limit = decode_uint(v);
  if (auto v = r.get("target_limit")) g.target_limit = decode_uint(v);
  if (auto v = r.get("label_limit")) g.label_limit = decode_uint(v);
  if (auto v = r.get("label_name_length_limit")) g.label_name_length_limit = decode_uint(v);
  if (auto v = r.get("label_value_length_limit")) g.label_value_length_limit = decode_uint(v);
  g.scrape_protocols = default_scrape_protocols();
  if (auto v = r.get("scrape_protocols")) {
    g.scrape_protocols = decode_scrape_protocols(v, " for global config");
  }
  if (auto v = r.get("always_scrape_classic_histograms")) {
    g.always_scrape_classic_histograms = decode_bool(v);
  }
  if (auto v = r.get("convert_classic_histograms_to_nhcb"); v && decode_bool(v)) {
    fail(v,
         "convert_classic_histograms_to_nhcb: true is not supported by promlite (it stores "
         "classic histograms only)");
  }
  if (auto v = r.get("metric_name_validation_scheme")) {
    g.metric_name_validation_scheme = decode_string(v);
    const auto& s = g.metric_name_validation_scheme;
    if (!s.empty() && s != "utf8" && s != "legacy") {
      fail(v,
           "unknown global name validation method specified, must be either 'legacy' or "
           "'utf8', got " +
               s);
    }
  }
  if (auto v = r.get("metric_name_escaping_scheme")) {
    g.metric_name_escaping_scheme = decode_string(v);
    const auto& s = g.metric_name_escaping_scheme;
    if (!s.empty() && !kEscapingSchemes.count(s)) {
      fail(v,
           "unknown global name escaping method specified, must be one of 'allow-utf-8', "
           "'underscores', 'dots', or 'values', got " +
               s);
    }
  }
  r.finish();
  if (g.scrape_interval == 0) g.scrape_interval = GlobalConfig{}.scrape_interval;
  if (g.evaluation_interval == 0) g.evaluation_interval = GlobalConfig{}.evaluation_interval;
  if (timeout_set && g.scrape_timeout > g.scrape_interval) {
    fail(n, "global scrape timeout greater than scrape interval");
  }
  if (!timeout_set || g.scrape_timeout == 0) {
    g.scrape_timeout = std::min(GlobalConfig{}.scrape_timeout, g.scrape_interval);
  }
  return g;
}

Config decode_config(const YAML::Node& root, const Paths& paths) {
  MapReader r(
      root, "config.plain",
      {"alerting", "remote_read", "storage", "tracing", "otlp", "runtime", "scrape_config_files"});
  Config c;
  c.global = decode_global(r.get("global"));
  if (auto v = r.get("rule_files")) {
    for (const auto& f : decode_string_list(v)) {
      std::filesystem::path path(f);
      if (path.parent_path().string().find_first_of("*?[") != std::string::npos) {
        fail(v, "invalid rule file path \"" + f + "\"");
      }
      c.rule_files.push_back(paths.resolve(f));
    }
  }
  if (auto v = r.get("scrape_configs")) {
    if (!v.IsSequence()) fail(v, "cannot unmarshal into []*config.ScrapeConfig");
    std::set<std::string> jobs;
    for (const auto& item : v) {
      c.scrape_configs.push_back(decode_scrape(item, c.global, paths));
      const std::string& job = c.scrape_configs.back().job_name;
      if (!jobs.insert(job).second) {
        fail(item, "found multiple scrape configs with job name \"" + job + "\"");
      }
    }
  }
  if (auto v = r.get("remote_write")) {
    if (!v.IsSequence()) fail(v, "cannot unmarshal into []*config.RemoteWriteConfig");
    std::set<std::string> names;
    for (const auto& item : v) {
      c.remote_write.push_back(decode_remote_write(item, paths));
      const std::string& name = c.remote_write.back().name;
      if (!name.empty() && !names.insert(name).second) {
        fail(item, "found multiple remote write configs with job name \"" + name + "\"");
      }
    }
  }
  r.finish();
  return c;
}

}  // namespace

Result<Config> load_config(const std::string& yaml, const std::string& filename) {
  const std::string where = filename.empty() ? "<embedded default>" : filename;
  Paths paths;
  if (!filename.empty()) {
    paths.dir = std::filesystem::absolute(std::filesystem::path(filename)).parent_path();
  }
  try {
    YAML::Node root = YAML::Load(yaml);
    if (root.IsDefined() && !root.IsNull() && !root.IsMap()) {
      return invalid_argument("parsing YAML file " + where + ": line " +
                              std::to_string(detail::line_of(root)) +
                              ": the top level must be a mapping");
    }
    Config c = decode_config(root, paths);
    c.source = yaml;
    c.filename = filename;
    return c;
  } catch (const detail::DecodeError& e) {
    std::string msg = "parsing YAML file " + where + ": ";
    if (e.line > 0) msg += "line " + std::to_string(e.line) + ": ";
    return invalid_argument(msg + e.what());
  } catch (const YAML::Exception& e) {
    return invalid_argument("parsing YAML file " + where + ": line " +
                            std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Result<Config> load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status(StatusCode::kNotFound, "open " + path + ": " + std::string(std::strerror(errno)));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return load_config(buf.str(), path);
}

Result<uint64_t> parse_bytes(std::string_view s) {
  auto bad = [&] { return invalid_argument("invalid size \"" + std::string(s) + "\""); };
  size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == 0 || i > 19) return bad();
  uint64_t n = std::stoull(std::string(s.substr(0, i)));
  std::string_view unit = s.substr(i);
  struct U {
    std::string_view a, b;
    int shift;
  };
  static constexpr U kUnits[] = {{"B", "B", 0},     {"KB", "KiB", 10}, {"MB", "MiB", 20},
                                 {"GB", "GiB", 30}, {"TB", "TiB", 40}, {"PB", "PiB", 50},
                                 {"EB", "EiB", 60}};
  if (unit.empty()) {
    if (n == 0) return uint64_t{0};
    return bad();
  }
  for (const auto& u : kUnits) {
    if (unit == u.a || unit == u.b) {
      if (u.shift && n > (~uint64_t{0} >> u.shift)) return bad();
      return n << u.shift;
    }
  }
  return bad();
}

std::string default_config_yaml(const std::string& self_address, bool in_kubernetes) {
  std::string y =
      "# promlite's embedded default configuration (used when --config.file is not given).\n"
      "global:\n"
      "  scrape_interval: 15s\n"
      "  scrape_timeout: 10s\n"
      "  evaluation_interval: 15s\n"
      "scrape_configs:\n"
      "  - job_name: promlite\n"
      "    static_configs:\n"
      "      - targets: ['" +
      self_address + "']\n";
  if (in_kubernetes) {
    // The standard annotation rule set: prometheus.io/scrape, /port, /path, /scheme.
    y += "  - job_name: kubernetes-pods\n"
         "    kubernetes_sd_configs:\n"
         "      - role: pod\n"
         "    relabel_configs:\n"
         "      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]\n"
         "        action: keep\n"
         "        regex: \"true\"\n"
         "      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scheme]\n"
         "        action: replace\n"
         "        regex: (https?)\n"
         "        target_label: __scheme__\n"
         "      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path]\n"
         "        action: replace\n"
         "        regex: (.+)\n"
         "        target_label: __metrics_path__\n"
         // The port from prometheus.io/port, on the pod IP (IPv6 in brackets).
         "      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_port, "
         "__meta_kubernetes_pod_ip]\n"
         "        action: replace\n"
         "        regex: (\\d+);(([A-Fa-f0-9]{1,4}::?){1,7}[A-Fa-f0-9]{1,4})\n"
         "        replacement: '[$2]:$1'\n"
         "        target_label: __address__\n"
         "      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_port, "
         "__meta_kubernetes_pod_ip]\n"
         "        action: replace\n"
         "        regex: (\\d+);((([0-9]+?)(\\.|$)){4})\n"
         "        replacement: $2:$1\n"
         "        target_label: __address__\n"
         "      - source_labels: [__meta_kubernetes_namespace]\n"
         "        target_label: namespace\n"
         "      - source_labels: [__meta_kubernetes_pod_name]\n"
         "        target_label: pod\n"
         "      - source_labels: [__meta_kubernetes_pod_container_name]\n"
         "        target_label: container\n";
  }
  return y;
}

}  // namespace promlite::config
