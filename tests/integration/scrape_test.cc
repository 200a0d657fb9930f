// The real binary scraping loopback targets: one healthy, one returning
// garbage, one hanging past its timeout, one that disappears. What it stores is
// read back through the HTTP API, as a user (or Grafana) would.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/testutil/fake_http_server.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/process.h"

namespace promlite {
namespace {

using testutil::FakeHttpServer;
using testutil::FakeRequest;
using testutil::FakeResponse;
using testutil::http_get;

std::string url_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '_' || c == '.' || c == '-') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string instant(uint16_t port, const std::string& q) {
  return http_get(port, "/api/v1/query?query=" + url_escape(q)).body;
}

template <typename F>
bool eventually(F pred, int ms = 15000) {
  for (int i = 0; i < ms / 50; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(ScrapeIntegration, HealthyGarbageHangingAndVanishingTargets) {
  FakeHttpServer healthy([](const FakeRequest&) {
    return FakeResponse{200, "text/plain; version=0.0.4",
                        "# TYPE fluss_requests_total counter\nfluss_requests_total 42\n"};
  });
  FakeHttpServer garbage([](const FakeRequest&) {
    return FakeResponse{200, "text/plain; version=0.0.4", "ok_metric 1\nthis is { not valid\n"};
  });
  FakeHttpServer hanging([](const FakeRequest&) {
    FakeResponse r;
    r.body = "slow_metric 1\n";
    r.delay_ms = 3000;
    return r;
  });
  auto vanishing = std::make_unique<FakeHttpServer>([](const FakeRequest&) {
    return FakeResponse{200, "text/plain", "going_metric 7\n"};
  });
  const std::string vanishing_addr = vanishing->address();

  std::string dir = testutil::make_temp_dir("promlite-scrape-it");
  std::ofstream(dir + "/prometheus.yml")
      << "global:\n  scrape_interval: 1s\n  scrape_timeout: 500ms\n"
      << "scrape_configs:\n  - job_name: fluss\n    static_configs:\n      - targets: ['"
      << healthy.address() << "', '" << garbage.address() << "', '" << hanging.address() << "', '"
      << vanishing_addr << "']\n";
  testutil::PromliteProcess p(
      {"--config.file=" + dir + "/prometheus.yml", "--storage.tsdb.path=" + dir + "/data"});
  ASSERT_TRUE(p.started()) << p.log();

  auto up_of = [&](const std::string& addr) {
    return instant(p.port(), "up{instance=\"" + addr + "\"}");
  };
  // Healthy: up 1 and its sample stored.
  ASSERT_TRUE(eventually([&] {
    return up_of(healthy.address()).find("\"1\"]") != std::string::npos &&
           up_of(vanishing_addr).find("\"1\"]") != std::string::npos;
  })) << up_of(healthy.address())
      << "\n"
      << p.log();
  EXPECT_NE(instant(p.port(), "fluss_requests_total").find("\"42\"]"), std::string::npos);

  // Garbage and hanging: up 0, nothing of the body stored.
  EXPECT_TRUE(eventually([&] {
    return up_of(garbage.address()).find("\"0\"]") != std::string::npos &&
           up_of(hanging.address()).find("\"0\"]") != std::string::npos;
  }));
  EXPECT_NE(instant(p.port(), "ok_metric").find("\"result\":[]"), std::string::npos);
  EXPECT_NE(instant(p.port(), "slow_metric").find("\"result\":[]"), std::string::npos);
  std::string targets = http_get(p.port(), "/api/v1/targets").body;
  EXPECT_NE(targets.find("context deadline exceeded"), std::string::npos) << targets;
  EXPECT_NE(targets.find("line 2"), std::string::npos) << targets;

  // The vanishing target goes away: up turns 0 and its series is marked stale,
  // so an instant query no longer returns it (within the 5m lookback).
  ASSERT_NE(instant(p.port(), "going_metric").find("\"7\"]"), std::string::npos);
  vanishing.reset();
  EXPECT_TRUE(eventually([&] {
    return instant(p.port(), "going_metric").find("\"result\":[]") != std::string::npos;
  })) << instant(p.port(), "going_metric");
  EXPECT_NE(up_of(vanishing_addr).find("\"0\"]"), std::string::npos);

  EXPECT_EQ(p.stop(SIGTERM), 0) << p.log();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace promlite
