// Parameter handling and response shapes of /api/v1/query and query_range,
// with a recording engine double (the engine's semantics have their own tests).
#include "api/query_api.h"

#include <gtest/gtest.h>

#include "tests/testutil/memory_storage.h"

namespace promlite::api {
namespace {

class RecordingEngine : public query::Engine {
 public:
  Result<query::QueryResult> instant_query(tsdb::Queryable&, std::string_view expr,
                                           model::Timestamp t,
                                           const query::QueryOptions& opts) override {
    last_expr = std::string(expr);
    last_t = t;
    last_opts = opts;
    if (!next_error.is_ok()) return next_error;
    return next;
  }
  Result<query::QueryResult> range_query(tsdb::Queryable&, std::string_view expr,
                                         model::Timestamp start, model::Timestamp end,
                                         model::Duration step,
                                         const query::QueryOptions& opts) override {
    last_expr = std::string(expr);
    last_start = start;
    last_end = end;
    last_step = step;
    last_opts = opts;
    if (!next_error.is_ok()) return next_error;
    return next;
  }
  std::string last_expr;
  model::Timestamp last_t = 0, last_start = 0, last_end = 0;
  model::Duration last_step = 0;
  query::QueryOptions last_opts;
  query::QueryResult next;
  Status next_error;
};

class QueryApiTest : public ::testing::Test {
 protected:
  QueryApiTest() : api_(engine_, storage_, [] { return model::Timestamp{1700000000123}; }) {
    api_.register_routes(router_);
  }
  HttpResponse call(http::verb m, const std::string& target, const std::string& body = "") {
    HttpRequest req;
    req.method = m;
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    req.body = body;
    if (!body.empty()) {
      req.headers.set(http::field::content_type, "application/x-www-form-urlencoded");
    }
    HttpResponse resp;
    router_.dispatch(req, resp);
    return resp;
  }
  RecordingEngine engine_;
  testutil::MemoryStorage storage_;
  QueryApi api_;
  Router router_;
};

TEST_F(QueryApiTest, GrafanaHealthCheckScalar) {
  engine_.next.value = query::Scalar{4000, 2};
  HttpResponse r = call(http::verb::post, "/api/v1/query", "query=1%2B1&time=4");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"scalar","result":[4,"2"]}})");
  EXPECT_EQ(engine_.last_expr, "1+1");
  EXPECT_EQ(engine_.last_t, 4000);
  HttpRequest probe;
  probe.path = "/api/v1/query";
  EXPECT_EQ(router_.execution_for(probe), Execution::kWorkerPool);
}

TEST_F(QueryApiTest, InstantDefaultsTimeoutLimitAndStats) {
  engine_.next.value =
      query::Vector{{model::Labels{{"a", "1"}}, 1000, 1}, {model::Labels{{"a", "2"}}, 1000, 2}};
  engine_.next.infos = {"PromQL info: x"};
  HttpResponse r = call(http::verb::get, "/api/v1/query?query=up&timeout=1m15s&limit=1&stats=all");
  EXPECT_EQ(engine_.last_t, 1700000000123);
  EXPECT_EQ(engine_.last_opts.timeout, 75000);
  EXPECT_NE(r.body.find(R"("result":[{"metric":{"a":"1"},"value":[1,"1"]}])"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"("stats":{"timings":)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("totalQueryableSamples":)"), std::string::npos);
  EXPECT_NE(
      r.body.find(R"("warnings":["results truncated due to limit"],"infos":["PromQL info: x"])"),
      std::string::npos)
      << r.body;
}

TEST_F(QueryApiTest, RangeParameters) {
  engine_.next.value = query::Matrix{};
  HttpResponse r = call(http::verb::post, "/api/v1/query_range",
                        "query=rate(x%5B1m0s%5D)&start=1700000000&end=1700003600.5&step=15");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"matrix","result":[]}})");
  EXPECT_EQ(engine_.last_expr, "rate(x[1m0s])");
  EXPECT_EQ(engine_.last_start, 1700000000000);
  EXPECT_EQ(engine_.last_end, 1700003600500);
  EXPECT_EQ(engine_.last_step, 15000);
  call(http::verb::get, "/api/v1/query_range?query=x&start=0&end=10&step=0.2");
  EXPECT_EQ(engine_.last_step, 200);
  call(http::verb::get, "/api/v1/query_range?query=x&start=0&end=10&step=1m");
  EXPECT_EQ(engine_.last_step, 60000);
}

TEST_F(QueryApiTest, ErrorsAsPrometheus) {
  struct {
    std::string target;
    unsigned status;
    std::string body;
  } cases[] = {
      {"/api/v1/query_range?query=x&start=10&end=0&step=1", 400,
       R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"end\": end timestamp must not be before start time"})"},
      {"/api/v1/query_range?query=x&start=0&end=10&step=0", 400,
       R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer"})"},
      {"/api/v1/query_range?query=x&start=0&end=11001&step=1", 400,
       R"x({"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"})x"},
      {"/api/v1/query_range?query=x&end=10&step=1", 400,
       R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"start\": cannot parse \"\" to a valid timestamp"})"},
      {"/api/v1/query_range?query=x&start=0&end=10&step=abc", 400,
       R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"step\": cannot parse \"abc\" to a valid duration"})"},
      {"/api/v1/query?query=x&time=abc", 400,
       R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"time\": invalid time value for 'time': cannot parse \"abc\" to a valid timestamp"})"},
      {"/api/v1/query?query=x&timeout=soon", 400,
       R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"timeout\": cannot parse \"soon\" to a valid duration"})"},
  };
  for (const auto& c : cases) {
    HttpResponse r = call(http::verb::get, c.target);
    EXPECT_EQ(r.status, c.status) << c.target;
    EXPECT_EQ(r.body, c.body) << c.target;
  }
  engine_.next_error = invalid_argument("1:5: parse error: unexpected end of input");
  HttpResponse r = call(http::verb::get, "/api/v1/query?query=sum(");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(
      r.body,
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected end of input"})");
  engine_.next_error = Status(StatusCode::kResourceExhausted,
                              "query processing would load too many samples into memory in query "
                              "execution");
  r = call(http::verb::get, "/api/v1/query?query=x");
  EXPECT_EQ(r.status, 422u);
  engine_.next_error = Status(StatusCode::kDeadlineExceeded, "query timed out in query execution");
  r = call(http::verb::get, "/api/v1/query?query=x");
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(call(http::verb::put, "/api/v1/query?query=x").status, 405u);
}

}  // namespace
}  // namespace promlite::api
