// Where and how to reach the Kubernetes API server: from kubernetes_sd_configs'
// api_server (plus its HTTP client options), from a kubeconfig file, or from
// the pod's service account (in-cluster). Credentials files are re-read for
// every request, so a rotated service-account token takes effect at the next
// list or watch.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "config/config.h"
#include "model/status.h"

namespace promlite::scraper::discovery::kubernetes {

struct ClientConfig {
  std::string scheme = "https";  // https, or http (e.g. behind kubectl proxy)
  std::string host;              // name or IP (IPv6 without brackets)
  std::string port;
  std::string path_prefix;  // api_server path, without a trailing '/'
  // Auth (basic_auth / authorization, their *_file re-read per request) and
  // TLS files (ca_file, cert_file, key_file, server_name, insecure_skip_verify).
  config::HTTPClientConfig http;
  // PEM data given inline by a kubeconfig (*-data fields, base64-decoded).
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  // The service account's namespace when in-cluster (for own_namespace).
  std::string own_namespace;
};

// The files and variables of the in-cluster service account; overridable by tests.
struct InClusterEnv {
  std::string host;  // KUBERNETES_SERVICE_HOST
  std::string port;  // KUBERNETES_SERVICE_PORT
  std::string token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
  // Reads the two variables from the process environment.
  static InClusterEnv from_environment();
};

// Resolves the client for one kubernetes_sd_configs entry, as Prometheus does:
// kubeconfig_file, else api_server with the entry's HTTP options, else in-cluster.
Result<ClientConfig> resolve_client_config(const config::KubernetesSDConfig& sd,
                                           const InClusterEnv& env);

// Parses "https://host:port/prefix" (api_server).
Result<ClientConfig> client_config_from_url(const std::string& url);

// A minimal kubeconfig reader: current-context -> cluster (server,
// certificate-authority(-data), insecure-skip-tls-verify, tls-server-name) and
// user (token, tokenFile, client-certificate(-data), client-key(-data),
// username/password). Relative file paths resolve against the file's directory.
Result<ClientConfig> parse_kubeconfig(const std::string& yaml, const std::string& path);
Result<ClientConfig> load_kubeconfig(const std::string& path);

// A TLS context for one connection (CA and client certificate loaded now, so
// rotated files are picked up by the next connection). Peer verification is on
// unless insecure_skip_verify.
Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const ClientConfig& c);

// The Authorization header value for the next request ("" for none); files are
// read now and trimmed of surrounding whitespace.
Result<std::string> authorization_header(const ClientConfig& c);

// Reads a credentials file, trimming leading and trailing whitespace (newlines).
Result<std::string> read_credentials_file(const std::string& path);

std::string base64_decode(std::string_view in, bool* ok);

}  // namespace promlite::scraper::discovery::kubernetes
