// HTTPS scrapes against a TLS target on 127.0.0.1 with a CA and certificates
// made at test time: tls_config's ca_file, server_name, insecure_skip_verify
// and client certificates, and the exact (Go-worded) errors when
// verification fails, as Prometheus reports them.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <future>
#include <thread>

#include "scraper/http_fetcher.h"
#include "tests/scraper/tls_fake_target.h"
#include "tests/testutil/process.h"

namespace promlite::scraper {
namespace {

namespace tlsu = testutil::tls;

class TlsFetchTest : public ::testing::Test {
 protected:
  TlsFetchTest()
      : dir_(testutil::make_temp_dir("promlite-tls")),
        pki_(tlsu::make_pki(dir_)),
        guard_(boost::asio::make_work_guard(ioc_)),
        thread_([this] { ioc_.run(); }) {}
  ~TlsFetchTest() override {
    guard_.reset();
    ioc_.stop();
    thread_.join();
    std::filesystem::remove_all(dir_);
  }

  FetchResult fetch(const config::TLSConfig& t, uint16_t port,
                    const std::string& host = "127.0.0.1") {
    config::HTTPClientConfig c;
    c.tls_config = t;
    auto f = HttpFetcher::create(ioc_, c, "promlite-test/1");
    EXPECT_TRUE(f.is_ok()) << f.status().to_string();
    if (!f) return {};
    FetchRequest req;
    req.scheme = "https";
    req.host = host;
    req.port = std::to_string(port);
    req.timeout = 5000;
    std::promise<FetchResult> p;
    (*f)->fetch(req, [&p](FetchResult r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  std::string dir_;
  tlsu::Pki pki_;
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

struct TlsCase {
  const char* name;
  bool mtls;  // target requires a client certificate
  const char* server_name;
  bool insecure_skip_verify;
  const char* files;       // "ca", "other-ca", "client", "ca+client" or ""
  const char* want_error;  // "" for success; else the exact error after the URL
};

TEST_F(TlsFetchTest, TableOfConfigurations) {
  const TlsCase cases[] = {
      {"ca_file_verifies_ip_san", false, "", false, "ca", ""},
      {"server_name_verifies_dns_san", false, "localhost", false, "ca", ""},
      {"insecure_skip_verify_without_ca", false, "", true, "", ""},
      {"client_cert_accepted", true, "", false, "ca+client", ""},
      {"system_roots_do_not_know_the_ca", false, "", false, "",
       "tls: failed to verify certificate: x509: certificate signed by unknown authority"},
      {"wrong_ca", false, "", false, "other-ca",
       "tls: failed to verify certificate: x509: certificate signed by unknown authority"},
      {"server_name_mismatch", false, "wrong.example", false, "ca",
       "tls: failed to verify certificate: x509: certificate is valid for localhost, not "
       "wrong.example"},
      {"ip_mismatch", false, "127.0.0.2", false, "ca",
       "tls: failed to verify certificate: x509: certificate is valid for 127.0.0.1, not "
       "127.0.0.2"},
      {"client_cert_missing", true, "", false, "ca", "remote error: tls: certificate required"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    tlsu::TlsTarget target(pki_, "secure_metric 1\n", c.mtls);
    config::TLSConfig t;
    t.server_name = c.server_name;
    t.insecure_skip_verify = c.insecure_skip_verify;
    std::string files = c.files;
    if (files == "ca" || files == "ca+client") t.ca_file = pki_.ca;
    if (files == "other-ca") t.ca_file = pki_.other_ca;
    if (files == "ca+client") {
      t.cert_file = pki_.client_cert;
      t.key_file = pki_.client_key;
    }
    FetchResult r = fetch(t, target.port());
    if (std::string(c.want_error).empty()) {
      ASSERT_TRUE(r.status.is_ok()) << r.status.to_string();
      EXPECT_EQ(r.body, "secure_metric 1\n");
      EXPECT_EQ(target.served(), 1);
    } else {
      ASSERT_FALSE(r.status.is_ok());
      EXPECT_EQ(r.status.message(), "Get \"https://127.0.0.1:" + std::to_string(target.port()) +
                                        "/metrics\": " + c.want_error);
      EXPECT_EQ(target.served(), 0);
    }
  }
}

TEST_F(TlsFetchTest, BadClientKeyFileFailsAtCreation) {
  config::HTTPClientConfig c;
  c.tls_config.cert_file = pki_.client_cert;
  c.tls_config.key_file = dir_ + "/missing-key.pem";
  auto f = HttpFetcher::create(ioc_, c, "promlite-test/1");
  ASSERT_FALSE(f.is_ok());
  EXPECT_NE(f.status().message().find("unable to load TLS settings"), std::string::npos);
}

}  // namespace
}  // namespace promlite::scraper
