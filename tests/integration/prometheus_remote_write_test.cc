// A real Prometheus (Debian's package) scrapes a loopback target and sends
// what it stores to promlite by remote write; promlite must then answer the
// same raw samples and the same function results as that Prometheus.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "tests/integration/differential_prometheus.h"
#include "tests/testutil/fake_http_server.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/process.h"

namespace promlite {
namespace {

using nlohmann::json;
using testutil::FakeHttpServer;
using testutil::FakeRequest;
using testutil::FakeResponse;
using testutil::url_encode;

// GET /api/v1/query at a time in ms; the "result" array, or null on error.
json query(uint16_t port, const std::string& q, int64_t t_ms) {
  char t[32];
  std::snprintf(t, sizeof t, "%.3f", static_cast<double>(t_ms) / 1000.0);
  auto r = testutil::http_get(port, "/api/v1/query?query=" + url_encode(q) + "&time=" + t);
  if (r.status != 200) return nullptr;
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || j.value("status", "") != "success") return nullptr;
  return j["data"]["result"];
}

// A result keyed by its label set (printed), for an order-free comparison.
std::map<std::string, json> by_series(const json& result) {
  std::map<std::string, json> out;
  if (!result.is_array()) return out;
  for (const json& s : result) out[s["metric"].dump()] = s;
  return out;
}

// The fake target: a counter, a gauge and a histogram that change each scrape.
class Target {
 public:
  Target()
      : server_([this](const FakeRequest&) {
          int n = ++scrapes_;
          std::string b;
          b += "# TYPE fake_requests_total counter\n";
          b += "fake_requests_total{code=\"200\"} " + std::to_string(n * 17) + "\n";
          b += "fake_requests_total{code=\"500\"} " + std::to_string(n / 3) + "\n";
          b += "# TYPE fake_temperature gauge\n";
          char g[64];
          std::snprintf(g, sizeof g, "fake_temperature %.17g\n", 20 + std::sin(n * 0.7) * 3.3);
          b += g;
          b += "# TYPE fake_latency_seconds histogram\n";
          const char* les[] = {"0.01", "0.1", "1", "+Inf"};
          for (int i = 0; i < 4; ++i) {
            b += "fake_latency_seconds_bucket{le=\"" + std::string(les[i]) + "\"} " +
                 std::to_string(n * (i + 1) * 5) + "\n";
          }
          b += "fake_latency_seconds_sum " + std::to_string(n * 1.25) + "\n";
          b += "fake_latency_seconds_count " + std::to_string(n * 20) + "\n";
          return FakeResponse{200, "text/plain; version=0.0.4", b};
        }) {}
  std::string address() const { return server_.address(); }
  int scrapes() const { return scrapes_.load(); }

 private:
  std::atomic<int> scrapes_{0};
  FakeHttpServer server_;
};

class PrometheusRemoteWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    prometheus_ = differential::find_on_path("prometheus");
    if (prometheus_.empty()) {
      GTEST_SKIP() << "prometheus not installed (scripts/setup.sh --test installs Debian's "
                      "prometheus package)";
    }
    dir_ = testutil::make_temp_dir("promlite-prom-rw");
    promlite_ = std::make_unique<testutil::PromliteProcess>(std::vector<std::string>{
        "--storage.tsdb.path=" + dir_ + "/promlite", "--web.enable-remote-write-receiver"});
    ASSERT_TRUE(promlite_->started()) << promlite_->log();
  }

  void TearDown() override {
    if (prom_pid_ > 0) {
      kill(prom_pid_, SIGKILL);
      int status;
      waitpid(prom_pid_, &status, 0);
    }
    if (promlite_) promlite_->stop(SIGTERM);
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Starts Prometheus scraping `target` every second and writing to promlite.
  void start_prometheus(const std::string& target) {
    std::ofstream(dir_ + "/prometheus.yml")
        << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        << "scrape_configs:\n  - job_name: fake\n    static_configs:\n"
        << "      - targets: ['" << target << "']\n"
        << "remote_write:\n  - url: http://127.0.0.1:" << promlite_->port() << "/api/v1/write\n"
        << "    queue_config:\n      batch_send_deadline: 500ms\n      min_backoff: 50ms\n";
    prom_port_ = differential::free_port();
    prom_pid_ =
        differential::spawn_to_log({prometheus_, "--config.file=" + dir_ + "/prometheus.yml",
                                    "--storage.tsdb.path=" + dir_ + "/prometheus",
                                    "--web.listen-address=127.0.0.1:" + std::to_string(prom_port_)},
                                   dir_ + "/prometheus.log");
  }

  std::string prometheus_log() const { return differential::read_file(dir_ + "/prometheus.log"); }

  std::string prometheus_;
  std::string dir_;
  std::unique_ptr<testutil::PromliteProcess> promlite_;
  pid_t prom_pid_ = -1;
  uint16_t prom_port_ = 0;
};

TEST_F(PrometheusRemoteWrite, PromliteAnswersAsThePrometheusThatSentTheData) {
  Target target;
  start_prometheus(target.address());
  // Five scrapes; Prometheus needs a second or two to start.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (target.scrapes() < 5 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GE(target.scrapes(), 5) << prometheus_log();

  // Evaluation time: a little in the past (sent by now), then nudged so that
  // no sample sits exactly on a window's left edge (Debian's Prometheus 2.42
  // closes range windows on the left, Prometheus 3 and promlite do not).
  int64_t t = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count() -
              1500;
  json raw = query(prom_port_, "{job=\"fake\"}[1m]", t);
  ASSERT_TRUE(raw.is_array() && !raw.empty()) << prometheus_log();
  std::set<int64_t> stamps;
  for (const json& s : raw) {
    for (const json& v : s["values"]) {
      stamps.insert(std::llround(v[0].get<double>() * 1000));
    }
  }
  const int64_t windows[] = {60000, 3000};
  auto on_edge = [&](int64_t at) {
    for (int64_t w : windows) {
      if (stamps.count(at - w)) return true;
    }
    return false;
  };
  while (on_edge(t)) ++t;
  raw = query(prom_port_, "{job=\"fake\"}[1m]", t);

  // promlite has it all once the queue has drained: wait for equal raw data.
  auto want = by_series(raw);
  std::map<std::string, json> got;
  until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    got = by_series(query(promlite_->port(), "{job=\"fake\"}[1m]", t));
    if (got == want) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(got.size(), want.size()) << prometheus_log() << promlite_->log();
  for (const auto& [series, s] : want) {
    ASSERT_TRUE(got.count(series)) << series;
    EXPECT_EQ(got[series]["values"], s["values"]) << series;
  }
  // Prometheus's own scrape series came along: up, scrape_duration_seconds, ...
  EXPECT_TRUE(
      want.count(R"({"__name__":"up","instance":")" + target.address() + R"(","job":"fake"})"));

  // Functions over the forwarded data give Prometheus's answers.
  const char* queries[] = {
      "rate(fake_requests_total[3s])",
      "sum by (job) (increase(fake_requests_total[3s]))",
      "histogram_quantile(0.9, rate(fake_latency_seconds_bucket[3s]))",
      "avg_over_time(fake_temperature[1m])",
      "max_over_time(scrape_samples_scraped{job=\"fake\"}[1m])",
      "count by (__name__) ({job=\"fake\"})",
  };
  for (const char* q : queries) {
    auto p = by_series(query(prom_port_, q, t));
    auto l = by_series(query(promlite_->port(), q, t));
    ASSERT_FALSE(p.empty()) << q;
    ASSERT_EQ(l.size(), p.size()) << q;
    for (const auto& [series, s] : p) {
      ASSERT_TRUE(l.count(series)) << q << " " << series;
      double a = std::stod(s["value"][1].get<std::string>());
      double b = std::stod(l[series]["value"][1].get<std::string>());
      EXPECT_NEAR(b, a, 1e-9 * std::max(1.0, std::fabs(a))) << q << " " << series;
    }
  }
}

}  // namespace
}  // namespace promlite
