// kubernetes_sd_configs validation at config load, with Prometheus's messages.
#include <gtest/gtest.h>

#include "config/config.h"

namespace promlite {
namespace {

std::string job(const std::string& sd) {
  return "scrape_configs:\n  - job_name: k\n    kubernetes_sd_configs:\n      - " + sd + "\n";
}

TEST(KubernetesSDConfigTest, Errors) {
  struct {
    std::string sd;
    std::string want;  // "" = loads
  } cases[] = {
      {"role: pod", ""},
      {"{role: pod, api_server: 'https://k8s:6443', bearer_token: x}", ""},
      {"{role: pod, selectors: [{role: pod, label: a=b}, {role: node, field: x=y}]}", ""},
      {"{role: endpoints}", "role \"endpoints\" is not supported by promlite (supported: pod)"},
      {"{role: service}", "not supported by promlite"},
      {"{role: pod, bearer_token: x}",
       "to use custom HTTP client configuration please provide the 'api_server' URL explicitly"},
      {"{role: pod, kubeconfig_file: /kc, tls_config: {insecure_skip_verify: true}}",
       "cannot use a custom HTTP client configuration together with 'kubeconfig_file'"},
      {"{role: pod, api_server: 'https://k', namespaces: {own_namespace: true}}",
       "cannot use 'api_server' and 'namespaces.own_namespace' simultaneously"},
      {"{role: pod, kubeconfig_file: /kc, namespaces: {own_namespace: true}}",
       "cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously"},
      {"{role: pod, selectors: [{role: pod}, {role: pod}]}", "duplicated selector role: pod"},
      {"{role: pod, selectors: [{role: service}]}", "pod role supports only pod, node selectors"},
  };
  for (const auto& c : cases) {
    auto r = config::load_config(job(c.sd), "");
    if (c.want.empty()) {
      EXPECT_TRUE(r.is_ok()) << c.sd << ": " << r.status().to_string();
      continue;
    }
    ASSERT_FALSE(r.is_ok()) << c.sd;
    EXPECT_NE(r.status().message().find(c.want), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace promlite
