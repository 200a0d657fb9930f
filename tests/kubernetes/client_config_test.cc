// Kubeconfig reading, api_server URLs, in-cluster resolution and credentials files.
#include "scraper/discovery/kubernetes/client_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace promlite::scraper::discovery::kubernetes {
namespace {

class ClientConfigTest : public ::testing::Test {
 protected:
  ClientConfigTest() {
    dir_ = std::filesystem::temp_directory_path() /
           ("promlite-k8scc-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  ~ClientConfigTest() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& content) {
    std::string p = (dir_ / name).string();
    std::ofstream(p) << content;
    return p;
  }
  std::filesystem::path dir_;
};

TEST_F(ClientConfigTest, KubeconfigWithInlineDataAndToken) {
  // "Q0EtUEVN" = "CA-PEM", "Q0VSVA==" = "CERT", "S0VZ" = "KEY".
  auto c = parse_kubeconfig(R"(apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: dev
  cluster:
    server: https://dev.example:6443
- name: prod-cluster
  cluster:
    server: https://10.0.0.1:6443/k8s/
    certificate-authority-data: Q0EtUEVN
    tls-server-name: kubernetes.default
contexts:
- name: dev
  context: {cluster: dev, user: dev}
- name: prod
  context:
    cluster: prod-cluster
    user: promlite
    namespace: monitoring
users:
- name: promlite
  user:
    token: abc.def
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
)",
                            "/etc/promlite/kubeconfig");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->scheme, "https");
  EXPECT_EQ(c->host, "10.0.0.1");
  EXPECT_EQ(c->port, "6443");
  EXPECT_EQ(c->path_prefix, "/k8s");
  EXPECT_EQ(c->ca_pem, "CA-PEM");
  EXPECT_EQ(c->cert_pem, "CERT");
  EXPECT_EQ(c->key_pem, "KEY");
  EXPECT_EQ(c->http.tls_config.server_name, "kubernetes.default");
  ASSERT_TRUE(c->http.authorization.has_value());
  EXPECT_EQ(c->http.authorization->credentials, "abc.def");
  auto h = authorization_header(*c);
  ASSERT_TRUE(h.is_ok());
  EXPECT_EQ(*h, "Bearer abc.def");
}

TEST_F(ClientConfigTest, KubeconfigFilesResolveAgainstItsDirectory) {
  write("token", "tok-from-file\n\n");
  std::string path = write("config", R"(current-context: c
clusters: [{name: k, cluster: {server: "https://[fd00::1]:443", certificate-authority: ca.crt, insecure-skip-tls-verify: true}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users: [{name: u, user: {tokenFile: token, client-certificate: /abs/cert.pem, client-key: key.pem}}]
)");
  auto c = load_kubeconfig(path);
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->host, "fd00::1");
  EXPECT_EQ(c->port, "443");
  EXPECT_EQ(c->http.tls_config.ca_file, (dir_ / "ca.crt").string());
  EXPECT_TRUE(c->http.tls_config.insecure_skip_verify);
  EXPECT_EQ(c->http.tls_config.cert_file, "/abs/cert.pem");
  EXPECT_EQ(c->http.tls_config.key_file, (dir_ / "key.pem").string());
  auto h = authorization_header(*c);
  ASSERT_TRUE(h.is_ok()) << h.status().to_string();
  EXPECT_EQ(*h, "Bearer tok-from-file");
}

TEST_F(ClientConfigTest, KubeconfigErrors) {
  struct {
    const char* yaml;
    const char* want;
  } cases[] = {
      {"clusters: []", "no current-context"},
      {"current-context: x\ncontexts: []", "context was not found for specified context: x"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: k}}]",
       "cluster \"k\" not found"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: k, user: u}}]\n"
       "clusters: [{name: k, cluster: {server: 'https://a:1'}}]\n"
       "users: [{name: u, user: {exec: {command: aws}}}]",
       "exec and auth-provider credentials are not supported"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: k}}]\n"
       "clusters: [{name: k, cluster: {server: 'ftp://a'}}]",
       "scheme must be http or https"},
      {"current-context: [", "kubeconfig"},
  };
  for (const auto& c : cases) {
    auto r = parse_kubeconfig(c.yaml, "kc");
    ASSERT_FALSE(r.is_ok()) << c.yaml;
    EXPECT_NE(r.status().message().find(c.want), std::string::npos) << r.status().message();
  }
  EXPECT_FALSE(load_kubeconfig((dir_ / "missing").string()).is_ok());
}

TEST_F(ClientConfigTest, ApiServerUrls) {
  struct {
    const char* url;
    const char* scheme;
    const char* host;
    const char* port;
    const char* prefix;
  } cases[] = {
      {"https://kubernetes.default.svc", "https", "kubernetes.default.svc", "443", ""},
      {"http://127.0.0.1:8001/", "http", "127.0.0.1", "8001", ""},
      {"https://[::1]:6443/api-proxy", "https", "::1", "6443", "/api-proxy"},
  };
  for (const auto& c : cases) {
    auto r = client_config_from_url(c.url);
    ASSERT_TRUE(r.is_ok()) << c.url;
    EXPECT_EQ(r->scheme, c.scheme);
    EXPECT_EQ(r->host, c.host);
    EXPECT_EQ(r->port, c.port);
    EXPECT_EQ(r->path_prefix, c.prefix);
  }
  EXPECT_FALSE(client_config_from_url("kubernetes:443").is_ok());
  EXPECT_FALSE(client_config_from_url("https://").is_ok());
}

TEST_F(ClientConfigTest, InCluster) {
  InClusterEnv env;
  env.host = "10.96.0.1";
  env.port = "443";
  env.token_file = write("token", "sa-token\n");
  env.ca_file = (dir_ / "ca.crt").string();
  env.namespace_file = write("namespace", "monitoring\n");
  config::KubernetesSDConfig sd;
  sd.role = "pod";
  sd.own_namespace = true;
  auto c = resolve_client_config(sd, env);
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->host, "10.96.0.1");
  EXPECT_EQ(c->http.tls_config.ca_file, env.ca_file);
  EXPECT_EQ(c->own_namespace, "monitoring");
  EXPECT_EQ(*authorization_header(*c), "Bearer sa-token");
  // Rotation: the file is read for every request.
  write("token", "rotated\r\n");
  EXPECT_EQ(*authorization_header(*c), "Bearer rotated");

  InClusterEnv none;
  auto e = resolve_client_config(sd, none);
  ASSERT_FALSE(e.is_ok());
  EXPECT_EQ(e.status().message(),
            "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and "
            "KUBERNETES_SERVICE_PORT must be defined");
  env.namespace_file = write("namespace", "");
  EXPECT_FALSE(resolve_client_config(sd, env).is_ok());
}

TEST_F(ClientConfigTest, BasicAuthFromApiServerConfig) {
  config::KubernetesSDConfig sd;
  sd.role = "pod";
  sd.api_server = "https://k8s.example";
  sd.http.basic_auth = config::BasicAuth{"admin", "", "", write("pw", "p@ss\n")};
  auto c = resolve_client_config(sd, InClusterEnv{});
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(*authorization_header(*c), "Basic YWRtaW46cEBzcw==");
}

TEST(Base64Test, Decode) {
  bool ok = false;
  EXPECT_EQ(base64_decode("aGVsbG8gd29ybGQ=", &ok), "hello world");
  EXPECT_TRUE(ok);
  base64_decode("a$b", &ok);
  EXPECT_FALSE(ok);
}

}  // namespace
}  // namespace promlite::scraper::discovery::kubernetes
