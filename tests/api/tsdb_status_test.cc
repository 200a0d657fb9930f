// /api/v1/status/tsdb, /api/v1/status/walreplay and the admin endpoints, over
// fake storage interfaces (tsdb/stats.h).
#include <gtest/gtest.h>

#include "api/api_v1.h"
#include "tests/testutil/memory_storage.h"

namespace promlite::api {
namespace {

class FakeStats : public tsdb::StatsProvider {
 public:
  Result<tsdb::TsdbStatus> tsdb_status(size_t limit) const override {
    last_limit = limit;
    if (fail) return Status(StatusCode::kIOError, "index unreadable");
    tsdb::TsdbStatus s;
    s.head = {3, 7, 4, 1000, 5000};
    s.series_count_by_metric_name = {{"up", 2}, {"lag", 1}};
    s.label_value_count_by_label_name = {{"job", 2}};
    s.memory_in_bytes_by_label_name = {{"__name__", 20}};
    s.series_count_by_label_value_pair = {{"job=a&b", 1}};
    return s;
  }
  tsdb::WalReplayStatus wal_replay_status() const override { return {1, 9, 4}; }
  mutable size_t last_limit = 0;
  bool fail = false;
};

class FakeAdmin : public tsdb::AdminProvider {
 public:
  Status delete_series(model::Timestamp mint, model::Timestamp maxt,
                       const std::vector<model::Matchers>& sets) override {
    deleted = {mint, maxt};
    sets_ = sets.size();
    return Status::ok();
  }
  Status clean_tombstones() override { return Status(StatusCode::kIOError, "disk full"); }
  Result<std::string> snapshot(bool with_head) override {
    with_head_ = with_head;
    if (refuse_snapshot) return Status(StatusCode::kUnavailable, "snapshot is not supported");
    return std::string("20261124T010203Z-00000000000000ff");
  }
  bool refuse_snapshot = false;
  std::pair<model::Timestamp, model::Timestamp> deleted;
  size_t sets_ = 0;
  bool with_head_ = false;
};

class TsdbStatusTest : public ::testing::Test {
 protected:
  void make(bool with_stats, bool enable_admin, bool with_admin) {
    ApiDeps deps;
    deps.storage = &storage_;
    if (with_stats) deps.stats = &stats_;
    deps.enable_admin = enable_admin;
    if (with_admin) deps.admin = &admin_;
    router_ = Router();
    api_ = std::make_unique<ApiV1>(std::move(deps));
    api_->register_routes(router_);
  }
  HttpResponse call(http::verb method, const std::string& path, const std::string& query = "") {
    HttpRequest req;
    req.method = method;
    req.path = path;
    req.query = query;
    req.target = path + (query.empty() ? "" : "?" + query);
    HttpResponse resp;
    router_.dispatch(req, resp);
    return resp;
  }

  testutil::MemoryStorage storage_;
  FakeStats stats_;
  FakeAdmin admin_;
  std::unique_ptr<ApiV1> api_;
  Router router_;
};

TEST_F(TsdbStatusTest, TsdbStatusShape) {
  make(true, false, false);
  HttpResponse r = call(http::verb::get, "/api/v1/status/tsdb");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(stats_.last_limit, 10u);  // Prometheus's default
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":{"headStats":{"numSeries":3,"numLabelPairs":7,"chunkCount":4,)"
      R"("minTime":1000,"maxTime":5000},"seriesCountByMetricName":[{"name":"up","value":2},)"
      R"({"name":"lag","value":1}],"labelValueCountByLabelName":[{"name":"job","value":2}],)"
      R"("memoryInBytesByLabelName":[{"name":"__name__","value":20}],)"
      R"("seriesCountByLabelValuePair":[{"name":"job=a\u0026b","value":1}]}})");
  call(http::verb::get, "/api/v1/status/tsdb", "limit=3");
  EXPECT_EQ(stats_.last_limit, 3u);
  for (const char* bad : {"limit=0", "limit=-2", "limit=x"}) {
    r = call(http::verb::get, "/api/v1/status/tsdb", bad);
    EXPECT_EQ(r.status, 400u) << bad;
    EXPECT_EQ(
        r.body,
        R"({"status":"error","errorType":"bad_data","error":"limit must be a positive number"})")
        << bad;
  }
  stats_.fail = true;
  r = call(http::verb::get, "/api/v1/status/tsdb");
  EXPECT_EQ(r.status, 500u);
  EXPECT_EQ(r.body, R"({"status":"error","errorType":"internal","error":"index unreadable"})");
  EXPECT_EQ(call(http::verb::post, "/api/v1/status/tsdb").status, 405u);
}

TEST_F(TsdbStatusTest, WalReplay) {
  make(true, false, false);
  EXPECT_EQ(call(http::verb::get, "/api/v1/status/walreplay").body,
            R"({"status":"success","data":{"min":1,"max":9,"current":4}})");
  make(false, false, false);
  EXPECT_EQ(call(http::verb::get, "/api/v1/status/walreplay").body,
            R"({"status":"success","data":{"min":0,"max":0,"current":0}})");
  EXPECT_EQ(call(http::verb::get, "/api/v1/status/tsdb").status, 500u);
}

TEST_F(TsdbStatusTest, AdminDisabled) {
  make(true, false, true);
  for (const char* path : {"/api/v1/admin/tsdb/delete_series",
                           "/api/v1/admin/tsdb/clean_tombstones", "/api/v1/admin/tsdb/snapshot"}) {
    for (http::verb v : {http::verb::post, http::verb::put}) {
      HttpResponse r = call(v, path, "match[]=up");
      EXPECT_EQ(r.status, 500u) << path;
      EXPECT_EQ(r.body,
                R"({"status":"error","errorType":"unavailable","error":"admin APIs disabled"})");
    }
    EXPECT_EQ(call(http::verb::get, path).status, 405u) << path;
  }
  EXPECT_EQ(admin_.sets_, 0u);
}

TEST_F(TsdbStatusTest, AdminNotYetSupportedByStorage) {
  make(true, true, false);
  HttpResponse r = call(http::verb::post, "/api/v1/admin/tsdb/delete_series", "match[]=up");
  EXPECT_EQ(r.status, 500u);
  EXPECT_EQ(
      r.body,
      R"({"status":"error","errorType":"unavailable","error":"delete_series is not supported by this storage"})");
  // Parameters are still checked first, as Prometheus does.
  r = call(http::verb::post, "/api/v1/admin/tsdb/delete_series");
  EXPECT_EQ(r.body,
            R"({"status":"error","errorType":"bad_data","error":"no match[] parameter provided"})");
  r = call(http::verb::post, "/api/v1/admin/tsdb/snapshot", "skip_head=maybe");
  EXPECT_EQ(
      r.body,
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"skip_head\": unable to parse boolean: strconv.ParseBool: parsing \"maybe\": invalid syntax"})");
  EXPECT_NE(
      call(http::verb::put, "/api/v1/admin/tsdb/snapshot").body.find("snapshot is not supported"),
      std::string::npos);
  EXPECT_NE(call(http::verb::put, "/api/v1/admin/tsdb/clean_tombstones")
                .body.find("clean_tombstones is not supported"),
            std::string::npos);
}

TEST_F(TsdbStatusTest, AdminWithProvider) {
  make(true, true, true);
  HttpResponse r = call(http::verb::post, "/api/v1/admin/tsdb/delete_series",
                        "match[]=up&match[]=%7Bjob%3D%22a%22%7D&start=1&end=2.5");
  EXPECT_EQ(r.status, 204u);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(admin_.sets_, 2u);
  EXPECT_EQ(admin_.deleted, std::make_pair(model::Timestamp{1000}, model::Timestamp{2500}));
  r = call(http::verb::post, "/api/v1/admin/tsdb/delete_series", "match[]=up&start=x");
  EXPECT_EQ(
      r.body,
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"start\": invalid time value for 'start': cannot parse \"x\" to a valid timestamp"})");
  r = call(http::verb::post, "/api/v1/admin/tsdb/delete_series", "match[]=up%7B");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find(R"(invalid parameter \"match[]\": )"), std::string::npos) << r.body;
  r = call(http::verb::post, "/api/v1/admin/tsdb/snapshot", "skip_head=true");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"name":"20261124T010203Z-00000000000000ff"}})");
  EXPECT_FALSE(admin_.with_head_);
  r = call(http::verb::post, "/api/v1/admin/tsdb/clean_tombstones");
  EXPECT_EQ(r.status, 500u);
  EXPECT_EQ(r.body, R"({"status":"error","errorType":"internal","error":"disk full"})");
  // An operation the storage refuses (kUnavailable) is "unavailable".
  admin_.refuse_snapshot = true;
  r = call(http::verb::post, "/api/v1/admin/tsdb/snapshot");
  EXPECT_EQ(r.status, 500u);
  EXPECT_EQ(r.body,
            R"({"status":"error","errorType":"unavailable","error":"snapshot is not supported"})");
}

}  // namespace
}  // namespace promlite::api
