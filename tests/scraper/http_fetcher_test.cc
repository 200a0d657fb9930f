#include "scraper/http_fetcher.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "tests/testutil/fake_http_server.h"

namespace promlite::scraper {
namespace {

using testutil::FakeHttpServer;
using testutil::FakeRequest;
using testutil::FakeResponse;

class FetcherTest : public ::testing::Test {
 protected:
  FetcherTest() : guard_(boost::asio::make_work_guard(ioc_)), thread_([this] { ioc_.run(); }) {}
  ~FetcherTest() override {
    guard_.reset();
    ioc_.stop();
    thread_.join();
  }

  std::shared_ptr<HttpFetcher> make(const config::HTTPClientConfig& c = {}) {
    auto f = HttpFetcher::create(ioc_, c, "promlite-test/1");
    EXPECT_TRUE(f.is_ok()) << f.status().to_string();
    return *f;
  }

  FetchResult fetch(HttpFetcher& f, uint16_t port, const std::string& target = "/metrics",
                    model::Duration timeout = 5000, uint64_t limit = 0) {
    FetchRequest req;
    req.host = "127.0.0.1";
    req.port = std::to_string(port);
    req.target = target;
    req.accept = "text/plain;version=0.0.4";
    req.timeout = timeout;
    req.body_size_limit = limit;
    std::promise<FetchResult> p;
    f.fetch(req, [&p](FetchResult r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

TEST_F(FetcherTest, FetchesKeepsAliveAndSendsPrometheusHeaders) {
  FakeRequest seen;
  FakeHttpServer server([&](const FakeRequest& r) {
    seen = r;
    return FakeResponse{200, "text/plain; version=0.0.4", "up 1\n"};
  });
  auto f = make();
  for (int i = 0; i < 3; ++i) {
    FetchResult r = fetch(*f, server.port(), "/metrics?x=1");
    ASSERT_TRUE(r.status.is_ok()) << r.status.to_string();
    EXPECT_EQ(r.http_status, 200);
    EXPECT_EQ(r.body, "up 1\n");
    EXPECT_EQ(r.content_type, "text/plain; version=0.0.4");
  }
  EXPECT_EQ(server.connections(), 1);  // kept alive
  EXPECT_EQ(seen.target, "/metrics?x=1");
  EXPECT_EQ(seen.headers["accept"], "text/plain;version=0.0.4");
  EXPECT_EQ(seen.headers["accept-encoding"], "gzip");
  EXPECT_EQ(seen.headers["user-agent"], "promlite-test/1");
  EXPECT_EQ(seen.headers["x-prometheus-scrape-timeout-seconds"], "5");
  EXPECT_EQ(seen.headers["host"], "127.0.0.1:" + std::to_string(server.port()));
}

TEST_F(FetcherTest, InflatesGzipAndEnforcesBodyLimit) {
  std::string big(100000, 'a');
  FakeHttpServer server([&](const FakeRequest&) {
    FakeResponse r;
    r.body = big;
    r.gzip = true;
    return r;
  });
  auto f = make();
  FetchResult ok = fetch(*f, server.port());
  ASSERT_TRUE(ok.status.is_ok()) << ok.status.to_string();
  EXPECT_EQ(ok.body, big);
  EXPECT_LT(ok.wire_bytes, 1000u);
  FetchResult limited = fetch(*f, server.port(), "/metrics", 5000, 50000);
  EXPECT_EQ(limited.status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(limited.status.message(), "body size limit exceeded");
}

TEST_F(FetcherTest, ErrorsReadLikePrometheus) {
  FakeHttpServer server([](const FakeRequest& r) {
    if (r.target == "/slow") {
      FakeResponse s;
      s.delay_ms = 2000;
      return s;
    }
    if (r.target == "/hangup") {
      FakeResponse s;
      s.hang_up = true;
      return s;
    }
    return FakeResponse{404, "text/plain", "nope"};
  });
  auto f = make();
  FetchResult nf = fetch(*f, server.port(), "/missing");
  EXPECT_EQ(nf.http_status, 404);
  EXPECT_EQ(nf.status.message(), "server returned HTTP status 404 Not Found");

  FetchResult slow = fetch(*f, server.port(), "/slow", 300);
  EXPECT_FALSE(slow.status.is_ok());
  EXPECT_NE(slow.status.message().find("context deadline exceeded"), std::string::npos)
      << slow.status.message();
  EXPECT_NE(slow.status.message().find("Get \"http://127.0.0.1:"), std::string::npos);

  FetchResult hang = fetch(*f, server.port(), "/hangup");
  EXPECT_FALSE(hang.status.is_ok());

  // Healthy again on the same fetcher after failures.
  server.set_handler([](const FakeRequest&) { return FakeResponse{200, "text/plain", "a 1\n"}; });
  EXPECT_TRUE(fetch(*f, server.port()).status.is_ok());

  server.stop();
  FetchResult gone = fetch(*f, server.port());
  EXPECT_FALSE(gone.status.is_ok());
  EXPECT_NE(gone.status.message().find("connection refused"), std::string::npos)
      << gone.status.message();
}

TEST_F(FetcherTest, ReconnectsWhenTheServerClosesBetweenScrapes) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse r;
    r.body = "a 1\n";
    r.close = true;
    return r;
  });
  auto f = make();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(fetch(*f, server.port()).status.is_ok());
  EXPECT_EQ(server.connections(), 3);
}

TEST_F(FetcherTest, SendsCredentialsReReadingFiles) {
  FakeRequest seen;
  FakeHttpServer server([&](const FakeRequest& r) {
    seen = r;
    return FakeResponse{200, "text/plain", "a 1\n"};
  });
  config::HTTPClientConfig basic;
  basic.basic_auth = config::BasicAuth{"user", "", "pass", ""};
  auto f = make(basic);
  ASSERT_TRUE(fetch(*f, server.port()).status.is_ok());
  EXPECT_EQ(seen.headers["authorization"], "Basic dXNlcjpwYXNz");

  std::string token_file = std::filesystem::temp_directory_path() / "promlite-token-test";
  std::ofstream(token_file) << "tok1\n";
  config::HTTPClientConfig bearer;
  bearer.authorization = config::Authorization{"Bearer", "", token_file};
  auto g = make(bearer);
  ASSERT_TRUE(fetch(*g, server.port()).status.is_ok());
  EXPECT_EQ(seen.headers["authorization"], "Bearer tok1");
  std::ofstream(token_file) << "tok2";
  ASSERT_TRUE(fetch(*g, server.port()).status.is_ok());
  EXPECT_EQ(seen.headers["authorization"], "Bearer tok2");
  std::filesystem::remove(token_file);
}

TEST(SplitHostPort, Table) {
  struct {
    const char* addr;
    const char* scheme;
    bool ok;
    const char* host;
    const char* port;
  } cases[] = {
      {"a:9249", "http", true, "a", "9249"},
      {"a", "http", true, "a", "80"},
      {"a", "https", true, "a", "443"},
      {"[::1]:80", "http", true, "::1", "80"},
      {"[::1]", "https", true, "::1", "443"},
      {"::1:80", "http", false, "", ""},
      {"", "http", false, "", ""},
      {"a:", "http", false, "", ""},
  };
  for (const auto& c : cases) {
    std::string host, port;
    EXPECT_EQ(split_host_port(c.addr, c.scheme, &host, &port), c.ok) << c.addr;
    if (c.ok) {
      EXPECT_EQ(host, c.host);
      EXPECT_EQ(port, c.port);
    }
  }
}

TEST(Gunzip, RejectsGarbageAndTruncation) {
  std::string out;
  EXPECT_FALSE(gunzip("not gzip", 0, &out).is_ok());
  std::string z = testutil::gzip_compress(std::string(1000, 'x'));
  EXPECT_FALSE(gunzip(std::string_view(z).substr(0, z.size() / 2), 0, &out).is_ok());
  EXPECT_TRUE(gunzip(z, 0, &out).is_ok());
  EXPECT_EQ(out, std::string(1000, 'x'));
}

}  // namespace
}  // namespace promlite::scraper
