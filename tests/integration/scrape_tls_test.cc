// The real binary scraping HTTPS targets on 127.0.0.1 whose CA and
// certificates are made at test time: tls_config with ca_file + server_name,
// client certificates against a target that requires them, and
// insecure_skip_verify; a target whose CA is not trusted is down with Go's
// verification error, as Prometheus reports it in /api/v1/targets.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/scraper/tls_fake_target.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/process.h"

namespace promlite {
namespace {

using testutil::http_get;

template <typename F>
bool eventually(F pred, int ms = 15000) {
  for (int i = 0; i < ms / 50; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(ScrapeTlsIntegration, VerifiedClientCertInsecureAndUntrustedTargets) {
  std::string dir = testutil::make_temp_dir("promlite-scrape-tls");
  testutil::tls::Pki pki = testutil::tls::make_pki(dir);
  testutil::tls::TlsTarget plain(pki, "tls_metric 1\n", /*require_client_cert=*/false);
  testutil::tls::TlsTarget mtls(pki, "mtls_metric 2\n", /*require_client_cert=*/true);

  std::ofstream(dir + "/prometheus.yml")
      << "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
      << "scrape_configs:\n"
      << "  - job_name: verified\n    scheme: https\n"
      << "    tls_config:\n      ca_file: ca.pem\n      server_name: localhost\n"
      << "      cert_file: client.pem\n      key_file: client-key.pem\n"
      << "    static_configs: [{targets: ['" << mtls.address() << "']}]\n"
      << "  - job_name: insecure\n    scheme: https\n"
      << "    tls_config:\n      insecure_skip_verify: true\n"
      << "    static_configs: [{targets: ['" << plain.address() << "']}]\n"
      << "  - job_name: untrusted\n    scheme: https\n"
      << "    tls_config:\n      ca_file: other-ca.pem\n"
      << "    static_configs: [{targets: ['" << plain.address() << "']}]\n";
  testutil::PromliteProcess p(
      {"--config.file=" + dir + "/prometheus.yml", "--storage.tsdb.path=" + dir + "/data"});
  ASSERT_TRUE(p.started()) << p.log();

  auto query = [&](const std::string& q) {
    std::string enc;
    for (unsigned char c : q) {
      if (isalnum(c) || c == '_') {
        enc.push_back(static_cast<char>(c));
      } else {
        char b[4];
        std::snprintf(b, sizeof b, "%%%02X", c);
        enc += b;
      }
    }
    return http_get(p.port(), "/api/v1/query?query=" + enc).body;
  };
  ASSERT_TRUE(eventually([&] {
    return query("up{job=\"verified\"}").find("\"1\"]") != std::string::npos &&
           query("up{job=\"insecure\"}").find("\"1\"]") != std::string::npos &&
           query("up{job=\"untrusted\"}").find("\"0\"]") != std::string::npos;
  })) << query("up")
      << "\n"
      << http_get(p.port(), "/api/v1/targets").body << "\n"
      << p.log();
  EXPECT_NE(query("mtls_metric").find("\"2\"]"), std::string::npos);
  EXPECT_NE(query("tls_metric{job=\"insecure\"}").find("\"1\"]"), std::string::npos);
  EXPECT_NE(query("tls_metric{job=\"untrusted\"}").find("\"result\":[]"), std::string::npos);

  std::string targets = http_get(p.port(), "/api/v1/targets").body;
  EXPECT_NE(targets.find("Get \\\"https://" + plain.address() +
                         "/metrics\\\": tls: failed to verify certificate: x509: certificate "
                         "signed by unknown authority"),
            std::string::npos)
      << targets;

  EXPECT_EQ(p.stop(SIGTERM), 0) << p.log();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace promlite
