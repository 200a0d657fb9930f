// The real binary: a query whose client goes away stops and frees its slot;
// --web.cors.origin, --web.enable-admin-api, /api/v1/parse_query and
// /api/v1/status/{tsdb,walreplay} answer as Prometheus's do; the admin
// endpoints delete series, clean tombstones and write snapshots that another
// promlite can start from.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <thread>

#include "tests/testutil/http_client.h"
#include "tests/testutil/process.h"
#include "tests/testutil/remote_write_encoder.h"

namespace promlite {
namespace {

using namespace std::chrono_literals;
using testutil::http_get;
using testutil::http_request;

// A query that runs for minutes in this build (nested subqueries of ~8k and
// ~75k steps over 3.6k-point windows) while checking for interruption often.
constexpr const char* kSlowQuery =
    "query=quantile_over_time(0.5%2Cquantile_over_time(0.5%2Cvector(1)%5B1h%3A1s%5D)"
    "%5B1d%3A10s%5D)&start=0&end=660000&step=60";

double metric_value(uint16_t port, const std::string& name) {
  auto r = http_get(port, "/metrics");
  size_t at = r.body.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(r.body.substr(at + name.size() + 2));
}

class ApiBinaryTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> extra) {
    dir_ = testutil::make_temp_dir("promlite-api-it");
    extra.push_back("--storage.tsdb.path=" + dir_ + "/data");
    proc_ = std::make_unique<testutil::PromliteProcess>(extra);
    ASSERT_TRUE(proc_->started()) << proc_->log();
    port_ = proc_->port();
  }
  void TearDown() override {
    if (proc_) {
      EXPECT_EQ(proc_->stop(SIGTERM), 0) << proc_->log();
    }
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::unique_ptr<testutil::PromliteProcess> proc_;
  uint16_t port_ = 0;
};

TEST_F(ApiBinaryTest, ClientGoingAwayStopsTheQuery) {
  // One query at a time: a query left running would make the next one wait.
  start({"--query.max-concurrency=1"});
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string body = kSlowQuery;
  std::string req =
      "POST /api/v1/query_range HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  // Let the server take the slow query into the only slot first.
  std::this_thread::sleep_for(500ms);
  // While it runs, another query waits for the only slot and times out.
  auto blocked = http_request(port_, "GET", "/api/v1/query?query=1%2B1&timeout=300ms");
  EXPECT_EQ(blocked.status, 503) << blocked.body;
  EXPECT_NE(blocked.body.find("query timed out in queue"), std::string::npos) << blocked.body;
  EXPECT_EQ(metric_value(port_, "promlite_http_requests_canceled_total"), 0);

  ::close(fd);
  bool counted = false;
  for (int i = 0; i < 500 && !counted; ++i) {
    counted = metric_value(port_, "promlite_http_requests_canceled_total") == 1;
    if (!counted) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(counted) << proc_->log();
  // The slot is free again.
  auto r = http_request(port_, "GET", "/api/v1/query?query=1%2B1&time=4&timeout=5s");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"scalar","result":[4,"2"]}})");
}

TEST_F(ApiBinaryTest, CorsAdminAndParseQuery) {
  start({"--web.enable-admin-api", R"(--web.cors.origin=https?://grafana\.example)"});
  auto r =
      http_request(port_, "GET", "/api/v1/labels", "", {{"Origin", "https://grafana.example"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["access-control-allow-origin"], "https://grafana.example");
  EXPECT_EQ(r.headers["access-control-allow-methods"], "GET, POST, OPTIONS");
  EXPECT_EQ(r.headers["vary"], "Origin");
  r = http_request(port_, "GET", "/api/v1/labels", "", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(r.headers.count("access-control-allow-origin"), 0u);
  r = http_request(port_, "OPTIONS", "/api/v1/query_range", "",
                   {{"Origin", "http://grafana.example"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers["access-control-allow-origin"], "http://grafana.example");
  EXPECT_EQ(r.headers.count("content-length"), 0u);
  // /metrics is not an API endpoint.
  r = http_request(port_, "GET", "/metrics", "", {{"Origin", "https://grafana.example"}});
  EXPECT_EQ(r.headers.count("access-control-allow-origin"), 0u);

  r = http_request(port_, "POST", "/api/v1/admin/tsdb/delete_series", "match%5B%5D=up",
                   {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 204) << r.body;
  r = http_request(port_, "POST", "/api/v1/admin/tsdb/delete_series", "",
                   {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            R"({"status":"error","errorType":"bad_data","error":"no match[] parameter provided"})");

  r = http_request(port_, "POST", "/api/v1/parse_query", "query=rate(up%5B5m%5D)",
                   {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":{"args":[{"matchers":[{"name":"__name__","type":"=","value":"up"}],)"
      R"("name":"up","offset":0,"range":300000,"startOrEnd":null,"timestamp":null,"type":"matrixSelector"}],)"
      R"("func":{"argTypes":["matrix"],"name":"rate","returnType":"vector","variadic":0},"type":"call"}})");
  r = http_get(port_, "/api/v1/status/flags");
  EXPECT_NE(r.body.find(R"("web.enable-admin-api":"true")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("web.cors.origin":"https?://grafana\\.example")"), std::string::npos)
      << r.body;
}

TEST_F(ApiBinaryTest, AdminDisabledByDefault) {
  start({});
  auto r = http_request(port_, "PUT", "/api/v1/admin/tsdb/snapshot");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body,
            R"({"status":"error","errorType":"unavailable","error":"admin APIs disabled"})");
  // The default origin pattern allows any origin with "*".
  r = http_request(port_, "GET", "/api/v1/status/buildinfo", "", {{"Origin", "http://a"}});
  EXPECT_EQ(r.headers["access-control-allow-origin"], "*");
}

TEST(ApiBinary, BadCorsPatternIsRefused) {
  std::string out;
  int code =
      testutil::run_binary({"--web.cors.origin=(", "--storage.tsdb.path=/nonexistent"}, &out);
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("web.cors.origin"), std::string::npos) << out;
}

TEST_F(ApiBinaryTest, TsdbStatusFromTheHead) {
  start({"--web.enable-remote-write-receiver"});
  // Recent samples (older ones would fall out of the retention window); the
  // oldest is older than anything the self-scrape adds.
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t oldest = now - 600000;
  std::vector<testutil::RwSeries> series;
  for (int i = 0; i < 50; ++i) {
    series.push_back(
        {{{"__name__", "http_requests_total"}, {"job", "api"}, {"pod", "p" + std::to_string(i)}},
         {{oldest + 1000 + i, 1.0}, {oldest + 60000, 2.0}}});
  }
  series.push_back({{{"__name__", "up"}, {"job", "api"}}, {{oldest, 1.0}}});
  auto rw = http_request(port_, "POST", "/api/v1/write",
                         testutil::snappy_compress(testutil::encode_write_request(series)),
                         {{"Content-Type", "application/x-protobuf"},
                          {"Content-Encoding", "snappy"},
                          {"X-Prometheus-Remote-Write-Version", "0.1.0"}});
  ASSERT_EQ(rw.status, 204) << rw.body;

  auto r = http_get(port_, "/api/v1/status/tsdb?limit=2");
  ASSERT_EQ(r.status, 200) << r.body;
  // The self-scrape may add series of its own before this runs: check what
  // the remote-written series guarantee.
  EXPECT_NE(r.body.find(R"("seriesCountByMetricName":[{"name":"http_requests_total","value":50})"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"minTime\":" + std::to_string(oldest) + ","), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"("labelValueCountByLabelName":[)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("memoryInBytesByLabelName":[)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"({"name":"pod","value":50})"), std::string::npos) << r.body;
  r = http_get(port_, "/api/v1/status/tsdb?limit=0");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      R"({"status":"error","errorType":"bad_data","error":"limit must be a positive number"})");
  r = http_get(port_, "/api/v1/status/walreplay");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(R"("data":{"min":)"), std::string::npos) << r.body;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(ApiBinaryTest, DeleteSeriesCleanTombstonesAndSnapshot) {
  start({"--web.enable-admin-api", "--web.enable-remote-write-receiver"});
  // Two series, one sample a minute for an hour, ending a minute ago.
  const int64_t end = now_ms() / 60000 * 60000 - 60000;
  const int64_t begin = end - 60 * 60000;
  std::vector<testutil::RwSeries> series;
  for (const char* pod : {"a", "b"}) {
    testutil::RwSeries s{{{"__name__", "admin_test_total"}, {"pod", pod}}, {}};
    for (int64_t t = begin; t <= end; t += 60000) {
      s.samples.push_back({t, static_cast<double>((t - begin) / 60000)});
    }
    series.push_back(std::move(s));
  }
  auto rw = http_request(port_, "POST", "/api/v1/write",
                         testutil::snappy_compress(testutil::encode_write_request(series)),
                         {{"Content-Type", "application/x-protobuf"},
                          {"Content-Encoding", "snappy"},
                          {"X-Prometheus-Remote-Write-Version", "0.1.0"}});
  ASSERT_EQ(rw.status, 204) << rw.body;
  const std::string range =
      "/api/v1/query_range?query=admin_test_total&start=" + std::to_string(begin / 1000) +
      "&end=" + std::to_string(end / 1000) + "&step=60";
  auto before = http_get(port_, range);
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(std::count(before.body.begin(), before.body.end(), '['), 1 + 2 * 62) << before.body;

  // Delete pod a's minutes 10..19 (both ends inclusive), RFC 3339 and unix times.
  const int64_t del_from = begin + 10 * 60000, del_to = begin + 19 * 60000;
  std::time_t from_s = del_from / 1000;
  char rfc[32];
  std::strftime(rfc, sizeof rfc, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&from_s));
  auto r =
      http_request(port_, "POST", "/api/v1/admin/tsdb/delete_series",
                   "match%5B%5D=admin_test_total%7Bpod%3D%22a%22%7D&start=" + std::string(rfc) +
                       "&end=" + std::to_string(del_to / 1000),
                   {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(r.status, 204) << r.body;
  auto gap = http_get(port_, range);
  ASSERT_EQ(gap.status, 200);
  // Pod a lost minutes 10..19: the 5 m lookback carries minute 9's value a
  // few steps further, then there is nothing until minute 20.
  auto value_at = [](const std::string& body, const std::string& pod, int64_t t) {
    size_t at = body.find("\"pod\":\"" + pod + "\"");
    if (at == std::string::npos) return std::string("no series");
    size_t next = body.find("\"metric\"", at);
    size_t p = body.find("[" + std::to_string(t / 1000) + ",\"", at);
    if (p == std::string::npos || (next != std::string::npos && p > next)) return std::string("-");
    p = body.find(",\"", p) + 2;
    return body.substr(p, body.find('"', p) - p);
  };
  EXPECT_EQ(value_at(gap.body, "a", begin + 9 * 60000), "9");
  EXPECT_EQ(value_at(gap.body, "a", begin + 12 * 60000), "9") << gap.body;  // lookback to 9
  EXPECT_EQ(value_at(gap.body, "a", begin + 15 * 60000), "-") << gap.body;  // > 5 m back
  EXPECT_EQ(value_at(gap.body, "a", begin + 19 * 60000), "-");
  EXPECT_EQ(value_at(gap.body, "a", begin + 20 * 60000), "20");
  EXPECT_EQ(value_at(gap.body, "b", begin + 15 * 60000), "15");
  // The raw samples show the gap exactly.
  auto raw =
      http_get(port_, "/api/v1/query?query=admin_test_total%7Bpod%3D%22a%22%7D%5B30m%5D&time=" +
                          std::to_string((begin + 29 * 60000) / 1000));
  ASSERT_EQ(raw.status, 200);
  EXPECT_EQ(std::count(raw.body.begin(), raw.body.end(), '['), 2 + 20) << raw.body;

  // Deleting everything of pod b hides it from /series and label values.
  r = http_request(port_, "POST", "/api/v1/admin/tsdb/delete_series",
                   "match%5B%5D=admin_test_total%7Bpod%3D%22b%22%7D",
                   {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(r.status, 204) << r.body;
  r = http_get(port_, "/api/v1/label/pod/values?match%5B%5D=admin_test_total");
  EXPECT_EQ(r.body, R"({"status":"success","data":["a"]})");
  r = http_get(port_, "/api/v1/series?match%5B%5D=admin_test_total");
  EXPECT_EQ(r.body, R"({"status":"success","data":[{"__name__":"admin_test_total","pod":"a"}]})");
  const std::string after_delete = http_get(port_, range).body;

  // The snapshot: a data directory another promlite starts from.
  r = http_request(port_, "POST", "/api/v1/admin/tsdb/snapshot");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string prefix = R"({"status":"success","data":{"name":")";
  ASSERT_EQ(r.body.substr(0, prefix.size()), prefix) << r.body;
  const std::string name = r.body.substr(prefix.size(), r.body.size() - prefix.size() - 3);
  EXPECT_EQ(r.body.substr(r.body.size() - 3), R"("}})");
  EXPECT_EQ(name.size(), 33u) << name;
  const std::string snap = dir_ + "/data/snapshots/" + name;
  ASSERT_TRUE(std::filesystem::is_directory(snap)) << snap;

  // clean_tombstones rewrites the data; answers stay the same.
  r = http_request(port_, "POST", "/api/v1/admin/tsdb/clean_tombstones");
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(http_get(port_, range).body, after_delete);

  const std::string copy = dir_ + "/copy";
  std::filesystem::copy(snap, copy, std::filesystem::copy_options::recursive);
  testutil::PromliteProcess restored({"--storage.tsdb.path=" + copy});
  ASSERT_TRUE(restored.started()) << restored.log();
  EXPECT_EQ(http_get(restored.port(), range).body, after_delete);
  EXPECT_EQ(http_get(restored.port(), "/api/v1/series?match%5B%5D=admin_test_total").body,
            R"({"status":"success","data":[{"__name__":"admin_test_total","pod":"a"}]})");
  EXPECT_EQ(restored.stop(SIGTERM), 0) << restored.log();

  // A restart of the original keeps the cleaned data.
  EXPECT_EQ(proc_->stop(SIGTERM), 0) << proc_->log();
  proc_ = std::make_unique<testutil::PromliteProcess>(
      std::vector<std::string>{"--storage.tsdb.path=" + dir_ + "/data"});
  ASSERT_TRUE(proc_->started()) << proc_->log();
  EXPECT_EQ(http_get(proc_->port(), range).body, after_delete);
}

}  // namespace
}  // namespace promlite
