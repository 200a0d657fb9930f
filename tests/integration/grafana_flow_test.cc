// Replays the requests Grafana's Prometheus data source sends (see
// ../shared/reference/grafana-contract.md) against the real binary, scraping
// a Fluss-shaped target, and checks status, headers and JSON shapes.
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
using testutil::http_request;

const std::map<std::string, std::string> kForm = {
    {"Content-Type", "application/x-www-form-urlencoded"}, {"User-Agent", "Grafana/12.0.0"}};

class GrafanaFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    target_ = std::make_unique<FakeHttpServer>([](const FakeRequest&) {
      return FakeResponse{200, "text/plain; version=0.0.4",
                          "# HELP fluss_client_writer_records_total Records written.\n"
                          "# TYPE fluss_client_writer_records_total counter\n"
                          "fluss_client_writer_records_total{client_id=\"p1\"} 1000\n"
                          "# TYPE fluss_client_writer_sendLatencyMs histogram\n"
                          "fluss_client_writer_sendLatencyMs_bucket{le=\"10\"} 5\n"
                          "fluss_client_writer_sendLatencyMs_bucket{le=\"+Inf\"} 7\n"
                          "fluss_client_writer_sendLatencyMs_sum 40\n"
                          "fluss_client_writer_sendLatencyMs_count 7\n"};
    });
    dir_ = testutil::make_temp_dir("promlite-grafana-it");
    std::ofstream(dir_ + "/prometheus.yml")
        << "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: producer\n"
        << "    static_configs:\n      - targets: ['" << target_->address() << "']\n";
    proc_ = std::make_unique<testutil::PromliteProcess>(std::vector<std::string>{
        "--config.file=" + dir_ + "/prometheus.yml", "--storage.tsdb.path=" + dir_ + "/data"});
    ASSERT_TRUE(proc_->started()) << proc_->log();
    port_ = proc_->port();
    for (int i = 0; i < 300; ++i) {
      auto r = http_get(port_, "/api/v1/query?query=up");
      if (r.body.find("\"1\"]") != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "target never scraped\n" << proc_->log();
  }
  void TearDown() override {
    if (proc_) {
      EXPECT_EQ(proc_->stop(SIGTERM), 0);
    }
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<FakeHttpServer> target_;
  std::string dir_;
  std::unique_ptr<testutil::PromliteProcess> proc_;
  uint16_t port_ = 0;
};

TEST_F(GrafanaFlow, SaveAndTest) {
  // The health check: POST query=1+1 at time=4, and buildinfo by GET.
  auto r = http_request(port_, "POST", "/api/v1/query", "query=1%2B1&time=4", kForm);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"scalar","result":[4,"2"]}})");
  r = http_get(port_, "/api/v1/status/buildinfo");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(R"("version":"3.)"), std::string::npos);
  EXPECT_EQ(r.body.find("features"), std::string::npos);
}

TEST_F(GrafanaFlow, MetricBrowserAndVariables) {
  auto r = http_get(port_, "/api/v1/label/__name__/values?limit=40000&start=0&end=99999999999");
  EXPECT_NE(r.body.find("\"fluss_client_writer_records_total\""), std::string::npos) << r.body;
  r = http_request(
      port_, "POST", "/api/v1/labels",
      "limit=40000&match%5B%5D=%7B__name__%3D%22fluss_client_writer_records_total%22%7D", kForm);
  EXPECT_EQ(r.body, R"({"status":"success","data":["__name__","client_id","instance","job"]})");
  r = http_get(port_,
               "/api/v1/label/client_id/values?match%5B%5D=fluss_client_writer_records_total");
  EXPECT_EQ(r.body, R"({"status":"success","data":["p1"]})");
  r = http_request(port_, "POST", "/api/v1/series",
                   "match%5B%5D=fluss_client_writer_records_total&start=0&end=99999999999", kForm);
  EXPECT_NE(r.body.find(R"({"__name__":"fluss_client_writer_records_total","client_id":"p1",)"),
            std::string::npos)
      << r.body;
  r = http_get(port_, "/api/v1/metadata?limit=40000");
  EXPECT_NE(
      r.body.find(
          R"("fluss_client_writer_records_total":[{"type":"counter","help":"Records written.","unit":""}])"),
      std::string::npos)
      << r.body;
  r = http_get(port_, "/api/v1/rules");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"groups":[]}})");
  r = http_request(port_, "POST", "/api/v1/query_exemplars",
                   "query=test&start=1755010545123&end=1755012345123", kForm);
  EXPECT_EQ(r.body, R"({"status":"success","data":[]})");
}

TEST_F(GrafanaFlow, PanelsRangeQueriesAndGzip) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::string body =
      "query=sum(rate(fluss_client_writer_records_total%5B1m0s%5D))%20by%20(instance)"
      "&start=" +
      std::to_string(now - 60) + "&end=" + std::to_string(now) + "&step=15";
  auto r = http_request(port_, "POST", "/api/v1/query_range", body,
                        {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"({"status":"success","data":{"resultType":"matrix","result":[)"),
            std::string::npos)
      << r.body;
  // A p95 panel over the histogram.
  r = http_get(port_,
               "/api/v1/query?query=histogram_quantile(0.95%2C%20sum(rate("
               "fluss_client_writer_sendLatencyMs_bucket%5B5m%5D))%20by%20(le))");
  EXPECT_EQ(r.status, 200) << r.body;
  // Parse errors: 400 bad_data with Prometheus's position prefix.
  r = http_get(port_, "/api/v1/query?query=sum(");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find(
                R"("errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error)"),
            std::string::npos)
      << r.body;
  // Too many points.
  r = http_get(port_, "/api/v1/query_range?query=up&start=0&end=100000&step=1");
  EXPECT_EQ(r.status, 400);
  // gzip when asked, for large enough answers.
  r = http_request(port_, "GET", "/metrics", "", {{"Accept-Encoding", "gzip, deflate, br"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-encoding"], "gzip");
  EXPECT_EQ(r.body.substr(0, 2), "\x1f\x8b");
  r = http_request(port_, "GET", "/metrics", "", {{"Accept-Encoding", "gzip;q=0"}});
  EXPECT_EQ(r.headers["content-encoding"], "");
}

}  // namespace
}  // namespace promlite
