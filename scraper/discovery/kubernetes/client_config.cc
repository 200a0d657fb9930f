#include "scraper/discovery/kubernetes/client_config.h"

#include <openssl/ssl.h>
#include <yaml-cpp/yaml.h>

#include <boost/asio/ssl.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace promlite::scraper::discovery::kubernetes {

namespace ssl = boost::asio::ssl;

namespace {

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("open " + path + ": no such file or directory");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trim(std::string v) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!v.empty() && space(v.back())) v.pop_back();
  size_t i = 0;
  while (i < v.size() && space(v[i])) ++i;
  return v.substr(i);
}

std::string base64_encode(std::string_view in) {
  static constexpr char kChars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kChars[(n >> s) & 63]);
  }
  if (i < in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    out.push_back(kChars[(n >> 18) & 63]);
    out.push_back(kChars[(n >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kChars[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// The list entry named `name` of a kubeconfig section (clusters, users, contexts).
// Returns an undefined node when there is no such entry or it is not a mapping.
YAML::Node named(const YAML::Node& list, const std::string& name, const char* field) {
  YAML::Node missing(YAML::NodeType::Undefined);
  if (!list || !list.IsSequence()) return missing;
  for (const auto& item : list) {
    if (item.IsMap() && item["name"] && item["name"].IsScalar() &&
        item["name"].as<std::string>() == name && item[field] && item[field].IsMap()) {
      return item[field];
    }
  }
  return missing;
}

std::string str(const YAML::Node& n, const char* key) {
  auto v = n[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

}  // namespace

std::string base64_decode(std::string_view in, bool* ok) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  *ok = true;
  for (char ch : in) {
    int v;
    if (ch >= 'A' && ch <= 'Z')
      v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z')
      v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9')
      v = ch - '0' + 52;
    else if (ch == '+' || ch == '-')
      v = 62;
    else if (ch == '/' || ch == '_')
      v = 63;
    else if (ch == '=' || ch == '\n' || ch == '\r' || ch == ' ')
      continue;
    else {
      *ok = false;
      return {};
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

InClusterEnv InClusterEnv::from_environment() {
  InClusterEnv e;
  if (const char* h = std::getenv("KUBERNETES_SERVICE_HOST")) e.host = h;
  if (const char* p = std::getenv("KUBERNETES_SERVICE_PORT")) e.port = p;
  return e;
}

Result<std::string> read_credentials_file(const std::string& path) {
  auto content = read_file(path);
  if (!content) return Status(content.status().code(), "unable to read " + path);
  return trim(std::move(content).value());
}

Result<ClientConfig> client_config_from_url(const std::string& url) {
  ClientConfig c;
  size_t p = url.find("://");
  if (p == std::string::npos) return invalid_argument("invalid api_server URL \"" + url + "\"");
  c.scheme = url.substr(0, p);
  if (c.scheme != "https" && c.scheme != "http") {
    return invalid_argument("invalid api_server URL \"" + url + "\": scheme must be http or https");
  }
  std::string rest = url.substr(p + 3);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) {
    c.path_prefix = rest.substr(slash);
    while (!c.path_prefix.empty() && c.path_prefix.back() == '/') c.path_prefix.pop_back();
  }
  std::string def = c.scheme == "https" ? "443" : "80";
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos)
      return invalid_argument("invalid api_server URL \"" + url + "\"");
    c.host = authority.substr(1, close - 1);
    c.port = close + 2 < authority.size() && authority[close + 1] == ':'
                 ? authority.substr(close + 2)
                 : def;
  } else {
    size_t colon = authority.rfind(':');
    c.host = authority.substr(0, colon);
    c.port = colon == std::string::npos ? def : authority.substr(colon + 1);
  }
  if (c.host.empty() || c.port.empty()) {
    return invalid_argument("invalid api_server URL \"" + url + "\": no host");
  }
  return c;
}

Result<ClientConfig> parse_kubeconfig(const std::string& yaml, const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  auto resolve = [&](const std::string& p) {
    if (p.empty() || std::filesystem::path(p).is_absolute() || dir.empty()) return p;
    return (dir / p).lexically_normal().string();
  };
  try {
    YAML::Node root = YAML::Load(yaml);
    if (!root.IsMap()) return invalid_argument("kubeconfig " + path + ": not a mapping");
    std::string ctx_name = str(root, "current-context");
    if (ctx_name.empty()) {
      return invalid_argument("kubeconfig " + path + ": invalid configuration: no current-context");
    }
    YAML::Node ctx = named(root["contexts"], ctx_name, "context");
    if (!ctx) {
      return invalid_argument("kubeconfig " + path +
                              ": context was not found for specified context: " + ctx_name);
    }
    std::string cluster_name = str(ctx, "cluster");
    YAML::Node cluster = named(root["clusters"], cluster_name, "cluster");
    if (!cluster) {
      return invalid_argument("kubeconfig " + path + ": cluster \"" + cluster_name +
                              "\" not found");
    }
    std::string server = str(cluster, "server");
    if (server.empty()) {
      return invalid_argument("kubeconfig " + path + ": cluster \"" + cluster_name +
                              "\" has no server");
    }
    auto c = client_config_from_url(server);
    if (!c) return invalid_argument("kubeconfig " + path + ": " + c.status().message());
    bool ok = true;
    if (auto d = str(cluster, "certificate-authority-data"); !d.empty()) {
      c->ca_pem = base64_decode(d, &ok);
    } else {
      c->http.tls_config.ca_file = resolve(str(cluster, "certificate-authority"));
    }
    if (cluster["insecure-skip-tls-verify"]) {
      c->http.tls_config.insecure_skip_verify = cluster["insecure-skip-tls-verify"].as<bool>();
    }
    c->http.tls_config.server_name = str(cluster, "tls-server-name");

    std::string user_name = str(ctx, "user");
    YAML::Node user = named(root["users"], user_name, "user");
    if (!user_name.empty() && !user) {
      return invalid_argument("kubeconfig " + path + ": user \"" + user_name + "\" not found");
    }
    if (user && user.IsMap()) {
      if (user["exec"] || user["auth-provider"]) {
        return invalid_argument("kubeconfig " + path + ": user \"" + user_name +
                                "\": exec and auth-provider credentials are not supported by "
                                "promlite (use a token or a client certificate)");
      }
      if (auto d = str(user, "client-certificate-data"); !d.empty()) {
        c->cert_pem = base64_decode(d, &ok);
      } else {
        c->http.tls_config.cert_file = resolve(str(user, "client-certificate"));
      }
      if (auto d = str(user, "client-key-data"); !d.empty()) {
        c->key_pem = base64_decode(d, &ok);
      } else {
        c->http.tls_config.key_file = resolve(str(user, "client-key"));
      }
      if (auto t = str(user, "token"); !t.empty()) {
        c->http.authorization = config::Authorization{"Bearer", t, ""};
      } else if (auto f = str(user, "tokenFile"); !f.empty()) {
        c->http.authorization = config::Authorization{"Bearer", "", resolve(f)};
      } else if (auto u = str(user, "username"); !u.empty()) {
        c->http.basic_auth = config::BasicAuth{u, "", str(user, "password"), ""};
      }
    }
    if (!ok) return invalid_argument("kubeconfig " + path + ": invalid base64 in a *-data field");
    return c;
  } catch (const YAML::Exception& e) {
    return invalid_argument("kubeconfig " + path + ": line " + std::to_string(e.mark.line + 1) +
                            ": " + e.msg);
  }
}

Result<ClientConfig> load_kubeconfig(const std::string& path) {
  auto content = read_file(path);
  if (!content) return content.status();
  return parse_kubeconfig(*content, path);
}

Result<ClientConfig> resolve_client_config(const config::KubernetesSDConfig& sd,
                                           const InClusterEnv& env) {
  if (!sd.kubeconfig_file.empty()) return load_kubeconfig(sd.kubeconfig_file);
  if (!sd.api_server.empty()) {
    auto c = client_config_from_url(sd.api_server);
    if (!c) return c;
    c->http = sd.http;
    return c;
  }
  if (env.host.empty() || env.port.empty()) {
    return invalid_argument(
        "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and "
        "KUBERNETES_SERVICE_PORT must be defined");
  }
  ClientConfig c;
  c.scheme = "https";
  c.host = env.host;
  c.port = env.port;
  c.http.authorization = config::Authorization{"Bearer", "", env.token_file};
  c.http.tls_config.ca_file = env.ca_file;
  if (!read_file(env.token_file)) {
    return invalid_argument("open " + env.token_file + ": no such file or directory");
  }
  if (sd.own_namespace) {
    auto ns = read_file(env.namespace_file);
    if (!ns) {
      return invalid_argument("could not determine the pod's namespace: " + ns.status().message());
    }
    c.own_namespace = trim(*ns);
    if (c.own_namespace.empty()) {
      return invalid_argument("could not read own namespace name (empty file)");
    }
  }
  return c;
}

Result<std::shared_ptr<ssl::context>> make_tls_context(const ClientConfig& c) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  const auto& t = c.http.tls_config;
  try {
    if (!c.ca_pem.empty()) {
      ctx->add_certificate_authority(boost::asio::buffer(c.ca_pem));
    } else if (!t.ca_file.empty()) {
      ctx->load_verify_file(t.ca_file);
    } else {
      ctx->set_default_verify_paths();
    }
    if (!c.cert_pem.empty()) {
      ctx->use_certificate_chain(boost::asio::buffer(c.cert_pem));
    } else if (!t.cert_file.empty()) {
      ctx->use_certificate_chain_file(t.cert_file);
    }
    if (!c.key_pem.empty()) {
      ctx->use_private_key(boost::asio::buffer(c.key_pem), ssl::context::pem);
    } else if (!t.key_file.empty()) {
      ctx->use_private_key_file(t.key_file, ssl::context::pem);
    }
  } catch (const boost::system::system_error& e) {
    return invalid_argument(std::string("unable to load TLS settings for the Kubernetes API: ") +
                            e.what());
  }
  ctx->set_verify_mode(t.insecure_skip_verify ? ssl::verify_none : ssl::verify_peer);
  int min = TLS1_2_VERSION;
  if (t.min_version == "TLS10") min = TLS1_VERSION;
  if (t.min_version == "TLS11") min = TLS1_1_VERSION;
  if (t.min_version == "TLS13") min = TLS1_3_VERSION;
  SSL_CTX_set_min_proto_version(ctx->native_handle(), min);
  return ctx;
}

Result<std::string> authorization_header(const ClientConfig& c) {
  if (c.http.basic_auth) {
    const auto& b = *c.http.basic_auth;
    std::string user = b.username, pass = b.password;
    if (!b.username_file.empty()) {
      auto u = read_credentials_file(b.username_file);
      if (!u) return u.status();
      user = *u;
    }
    if (!b.password_file.empty()) {
      auto p = read_credentials_file(b.password_file);
      if (!p) return p.status();
      pass = *p;
    }
    return "Basic " + base64_encode(user + ":" + pass);
  }
  if (c.http.authorization) {
    const auto& a = *c.http.authorization;
    std::string cred = a.credentials;
    if (!a.credentials_file.empty()) {
      auto f = read_credentials_file(a.credentials_file);
      if (!f) return f.status();
      cred = *f;
    }
    if (cred.empty()) return std::string();
    return (a.type.empty() ? std::string("Bearer") : a.type) + " " + cred;
  }
  return std::string();
}

}  // namespace promlite::scraper::discovery::kubernetes
