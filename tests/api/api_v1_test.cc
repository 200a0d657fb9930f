#include "api/api_v1.h"

#include <gtest/gtest.h>

#include "tests/testutil/memory_storage.h"

namespace promlite::api {
namespace {

using model::Labels;

class FakeTargets : public scraper::TargetStatusProvider {
 public:
  std::vector<scraper::ActiveTarget> active_targets() const override {
    scraper::ActiveTarget t;
    t.discovered_labels = Labels{{"__address__", "a:9249"}, {"__meta_x", "y"}};
    t.labels = Labels{{"instance", "a:9249"}, {"job", "fluss"}};
    t.scrape_pool = "fluss";
    t.scrape_url = "http://a:9249/metrics";
    t.health = scraper::TargetHealth::kUp;
    t.last_scrape = 1435781451781;
    t.last_scrape_duration = 0.25;
    t.scrape_interval = 15000;
    t.scrape_timeout = 10000;
    return {t};
  }
  std::vector<scraper::DroppedTarget> dropped_targets() const override {
    return {{Labels{{"__address__", "b:1"}}, "fluss"}};
  }
  std::vector<std::pair<Labels, std::map<std::string, scraper::MetricMetadata>>> target_metadata()
      const override {
    return {{Labels{{"instance", "a:9249"}, {"job", "fluss"}},
             {{"up_total", {"counter", "Ups.", ""}}, {"temp", {"gauge", "Temp.", "celsius"}}}},
            {Labels{{"instance", "b:9249"}, {"job", "fluss"}},
             {{"up_total", {"counter", "Ups.", ""}}}}};
  }
};

class ApiV1Test : public ::testing::Test {
 protected:
  ApiV1Test() {
    auto app = storage_.appender();
    auto add = [&](Labels l, int64_t t) { EXPECT_TRUE(app->append(0, l, t, 1).is_ok()); };
    add(Labels{{"__name__", "up"}, {"job", "fluss"}, {"instance", "a"}}, 1000);
    add(Labels{{"__name__", "up"}, {"job", "flink"}, {"instance", "b"}}, 1000);
    add(Labels{{"__name__", "lag"}, {"job", "flink"}, {"http.status", "200"}}, 5000000);
    EXPECT_TRUE(app->commit().is_ok());
    ApiDeps deps;
    deps.storage = &storage_;
    deps.targets = &targets_;
    deps.build.promlite_version = "0.1.0";
    deps.flags = {{"storage.tsdb.retention.time", "30d"}};
    api_ = std::make_unique<ApiV1>(std::move(deps));
    api_->register_routes(router_);
  }

  HttpResponse call(http::verb method, const std::string& target, const std::string& body = "") {
    HttpRequest req;
    req.method = method;
    req.target = target;
    size_t q = target.find('?');
    req.path = url_decode(target.substr(0, q), false);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    req.body = body;
    if (!body.empty()) {
      req.headers.set(http::field::content_type, "application/x-www-form-urlencoded");
    }
    HttpResponse resp;
    router_.dispatch(req, resp);
    return resp;
  }
  HttpResponse get(const std::string& target) { return call(http::verb::get, target); }

  testutil::MemoryStorage storage_;
  FakeTargets targets_;
  std::unique_ptr<ApiV1> api_;
  Router router_;
};

TEST_F(ApiV1Test, LabelsAndValues) {
  struct {
    std::string target;
    unsigned status;
    std::string body;
  } cases[] = {
      {"/api/v1/labels", 200,
       R"({"status":"success","data":["__name__","http.status","instance","job"]})"},
      {"/api/v1/labels?match[]=up", 200,
       R"({"status":"success","data":["__name__","instance","job"]})"},
      {"/api/v1/labels?limit=2", 200,
       R"({"status":"success","data":["__name__","http.status"],"warnings":["results truncated due to limit"]})"},
      {"/api/v1/labels?start=0&end=2", 200,
       R"({"status":"success","data":["__name__","instance","job"]})"},
      {"/api/v1/label/job/values", 200, R"({"status":"success","data":["flink","fluss"]})"},
      {"/api/v1/label/__name__/values?match%5B%5D=%7Bjob%3D%22flink%22%7D", 200,
       R"({"status":"success","data":["lag","up"]})"},
      {"/api/v1/label/U__http_2e_status/values", 200, R"({"status":"success","data":["200"]})"},
      {"/api/v1/label/nothing/values", 200, R"({"status":"success","data":[]})"},
      {"/api/v1/labels?limit=x", 400,
       R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"limit\": strconv.Atoi: parsing \"x\": invalid syntax"})"},
      {"/api/v1/labels?limit=-1", 400,
       R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"limit\": limit must be non-negative"})"},
      {"/api/v1/labels?start=yesterday", 400,
       R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"start\": invalid time value for 'start': cannot parse \"yesterday\" to a valid timestamp"})"},
      {"/api/v1/labels?match[]=%7Bjob%3D~%22.*%22%7D", 400,
       R"({"status":"error","errorType":"bad_data","error":"match[] must contain at least one non-empty matcher"})"},
  };
  for (const auto& c : cases) {
    HttpResponse r = get(c.target);
    EXPECT_EQ(r.status, c.status) << c.target;
    EXPECT_EQ(r.body, c.body) << c.target;
    EXPECT_EQ(r.content_type, "application/json");
  }
  // POST with the form body, as Grafana sends it.
  HttpResponse post = call(http::verb::post, "/api/v1/labels", "match%5B%5D=up&start=0&end=10");
  EXPECT_EQ(post.body, R"({"status":"success","data":["__name__","instance","job"]})");
  EXPECT_EQ(call(http::verb::delete_, "/api/v1/labels").status, 405u);
}

// A label name must be valid UTF-8 by Go's rules (Prometheus 3's
// LabelName.IsValid); the error quotes it as Go's %q does.
TEST_F(ApiV1Test, LabelValuesRefusesInvalidUtf8Names) {
  struct {
    const char* target;
    unsigned status;
    std::string error;  // empty: success
  } cases[] = {
      {"/api/v1/label/%C3%A9t%C3%A9/values", 200, ""},
      {"/api/v1/label/%F0%9D%84%9E/values", 200, ""},
      {"/api/v1/label/%ED%A0%80/values", 400, R"(invalid label name: \"\\xed\\xa0\\x80\")"},
      {"/api/v1/label/%C0%AF/values", 400, R"(invalid label name: \"\\xc0\\xaf\")"},
      {"/api/v1/label/%E2%28%A1/values", 400, R"(invalid label name: \"\\xe2(\\xa1\")"},
      {"/api/v1/label/a%C3/values", 400, R"(invalid label name: \"a\\xc3\")"},
      {"/api/v1/label/%F4%90%80%80/values", 400, R"(invalid label name: \"\\xf4\\x90\\x80\\x80\")"},
      {"/api/v1/label//values", 400, R"(invalid label name: \"\")"},
  };
  for (const auto& c : cases) {
    HttpResponse r = get(c.target);
    EXPECT_EQ(r.status, c.status) << c.target;
    if (c.error.empty()) {
      EXPECT_EQ(r.body, R"({"status":"success","data":[]})") << c.target;
    } else {
      EXPECT_EQ(r.body, R"({"status":"error","errorType":"bad_data","error":")" + c.error + "\"}")
          << c.target;
    }
  }
}

TEST_F(ApiV1Test, Series) {
  HttpResponse r = get("/api/v1/series?match[]=up&match[]=%7Bjob%3D%22flink%22%7D");
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":[{"__name__":"lag","http.status":"200","job":"flink"},)"
      R"({"__name__":"up","instance":"a","job":"fluss"},{"__name__":"up","instance":"b","job":"flink"}]})");
  r = get("/api/v1/series?match[]=up&limit=1");
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":[{"__name__":"up","instance":"a","job":"fluss"}],"warnings":["results truncated due to limit"]})");
  // Exactly `limit` series: no warning. Several sets: merged, then limited.
  r = get("/api/v1/series?match[]=up&limit=2");
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":[{"__name__":"up","instance":"a","job":"fluss"},{"__name__":"up","instance":"b","job":"flink"}]})");
  r = get("/api/v1/series?match[]=%7Bjob%3D%22flink%22%7D&match[]=up&limit=2");
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":[{"__name__":"lag","http.status":"200","job":"flink"},)"
      R"({"__name__":"up","instance":"a","job":"fluss"}],"warnings":["results truncated due to limit"]})");
  r = get("/api/v1/series?match[]=nothing");
  EXPECT_EQ(r.body, R"({"status":"success","data":[]})");
  r = get("/api/v1/series");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.body,
            R"({"status":"error","errorType":"bad_data","error":"no match[] parameter provided"})");
  EXPECT_EQ(get("/api/v1/series?match[]=up{").status, 400u);
  EXPECT_EQ(
      get("/api/v1/series?match[]=%7Bjob%3D~%22.*%22%7D").body,
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"match[]\": match[] must contain at least one non-empty matcher"})");
  EXPECT_EQ(
      get("/api/v1/series?match[]=up&limit=99999999999999999999").body,
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"limit\": strconv.Atoi: parsing \"99999999999999999999\": value out of range"})");
}

TEST_F(ApiV1Test, TargetsAndMetadata) {
  HttpResponse r = get("/api/v1/targets");
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":{"activeTargets":[{"discoveredLabels":{"__address__":"a:9249","__meta_x":"y"},)"
      R"("labels":{"instance":"a:9249","job":"fluss"},"scrapePool":"fluss","scrapeUrl":"http://a:9249/metrics",)"
      R"("globalUrl":"http://a:9249/metrics","lastError":"","lastScrape":"2015-07-01T20:10:51.781Z",)"
      R"("lastScrapeDuration":0.25,"health":"up","scrapeInterval":"15s","scrapeTimeout":"10s"}],)"
      R"("droppedTargets":[{"discoveredLabels":{"__address__":"b:1"},"scrapePool":"fluss"}],)"
      R"("droppedTargetCounts":{"fluss":1}}})");
  r = get("/api/v1/targets?state=dropped");
  EXPECT_NE(r.body.find(R"("activeTargets":[])"), std::string::npos);
  r = get("/api/v1/metadata");
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":{"temp":[{"type":"gauge","help":"Temp.","unit":"celsius"}],)"
      R"("up_total":[{"type":"counter","help":"Ups.","unit":""}]}})");
  r = get("/api/v1/metadata?limit=1&metric=up_total");
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":{"up_total":[{"type":"counter","help":"Ups.","unit":""}]}})");
  r = get("/api/v1/targets/metadata?match_target=%7Binstance%3D%22b%3A9249%22%7D");
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":[{"target":{"instance":"b:9249","job":"fluss"},"metric":"up_total",)"
      R"("type":"counter","help":"Ups.","unit":""}]})");
  // Limits as Prometheus: 0 gives nothing, negative means none, targets/metadata
  // checks its limit per target, bad numbers have their own message.
  EXPECT_EQ(get("/api/v1/metadata?limit=0").body, R"({"status":"success","data":{}})");
  EXPECT_EQ(get("/api/v1/metadata?limit=-1&limit_per_metric=1").body, get("/api/v1/metadata").body);
  r = get("/api/v1/metadata?limit=ten");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.body,
            R"({"status":"error","errorType":"bad_data","error":"limit must be a number"})");
  EXPECT_EQ(
      get("/api/v1/metadata?limit_per_metric=x").body,
      R"({"status":"error","errorType":"bad_data","error":"limit_per_metric must be a number"})");
  r = get("/api/v1/targets/metadata?limit=1");
  EXPECT_NE(r.body.find(R"("metric":"temp")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("metric":"up_total")"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("b:9249"), std::string::npos) << r.body;
  EXPECT_EQ(get("/api/v1/targets/metadata?limit=0").body, R"({"status":"success","data":[]})");
  EXPECT_EQ(
      get("/api/v1/targets/metadata?match_target=%7B").body,
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"match_target\": 1:2: parse error: unexpected end of input inside braces"})");
}

TEST_F(ApiV1Test, StatusAndEmptyLists) {
  HttpResponse r = get("/api/v1/status/buildinfo");
  EXPECT_NE(r.body.find(R"("version":"3.5.0")"), std::string::npos);
  EXPECT_NE(r.body.find(R"("promliteVersion":"0.1.0")"), std::string::npos);
  EXPECT_EQ(r.body.find("features"), std::string::npos);
  EXPECT_EQ(get("/api/v1/status/buildinfo").status, 200u);
  EXPECT_EQ(call(http::verb::post, "/api/v1/status/buildinfo").status, 405u);
  EXPECT_EQ(get("/api/v1/rules").body, R"({"status":"success","data":{"groups":[]}})");
  EXPECT_EQ(get("/api/v1/alerts").body, R"({"status":"success","data":{"alerts":[]}})");
  EXPECT_EQ(get("/api/v1/query_exemplars?query=test&start=1755010545123&end=1755012345123").body,
            R"({"status":"success","data":[]})");
  EXPECT_EQ(get("/api/v1/status/flags").body,
            R"({"status":"success","data":{"storage.tsdb.retention.time":"30d"}})");
  EXPECT_NE(get("/api/v1/status/runtimeinfo").body.find(R"("reloadConfigSuccess":true)"),
            std::string::npos);
  EXPECT_EQ(get("/api/v1/status/config").body, R"({"status":"success","data":{"yaml":""}})");
}

TEST_F(ApiV1Test, FormatQuery) {
  EXPECT_EQ(get("/api/v1/format_query?query=sum%20by(job)%20(rate(x%5B5m%5D))").body,
            R"x({"status":"success","data":"sum by (job) (rate(x[5m]))"})x");
  HttpResponse r = get("/api/v1/format_query?query=sum(");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find(R"("error":"invalid parameter \"query\": 1:5: parse error)"),
            std::string::npos)
      << r.body;
}

TEST(FormatRfc3339, LikeGo) {
  EXPECT_EQ(format_rfc3339(0), "0001-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(1435781451781), "2015-07-01T20:10:51.781Z");
  EXPECT_EQ(format_rfc3339(1435781451780), "2015-07-01T20:10:51.78Z");
  EXPECT_EQ(format_rfc3339(1435781451000), "2015-07-01T20:10:51Z");
}

}  // namespace
}  // namespace promlite::api
