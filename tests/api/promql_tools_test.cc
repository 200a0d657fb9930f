// /api/v1/parse_query and /api/v1/format_query against Prometheus 3.5's
// shapes (web/api/v1/translate_ast.go; Go writes map keys sorted).
#include <gtest/gtest.h>

#include "api/api_v1.h"
#include "api/ast_json.h"
#include "api/response.h"
#include "tests/testutil/memory_storage.h"

namespace promlite::api {
namespace {

class PromqlToolsTest : public ::testing::Test {
 protected:
  PromqlToolsTest() {
    ApiDeps deps;
    deps.storage = &storage_;
    api_ = std::make_unique<ApiV1>(std::move(deps));
    api_->register_routes(router_);
  }
  HttpResponse call(http::verb method, const std::string& path, const std::string& query,
                    const std::string& body = "") {
    HttpRequest req;
    req.method = method;
    req.path = path;
    req.query = query;
    req.target = path + (query.empty() ? "" : "?" + query);
    req.body = body;
    if (!body.empty()) {
      req.headers.set(http::field::content_type, "application/x-www-form-urlencoded");
    }
    HttpResponse resp;
    router_.dispatch(req, resp);
    return resp;
  }
  std::string parse(const std::string& encoded_query) {
    HttpResponse r = call(http::verb::get, "/api/v1/parse_query", "query=" + encoded_query);
    EXPECT_EQ(r.status, 200u) << r.body;
    const std::string prefix = R"({"status":"success","data":)";
    if (r.body.rfind(prefix, 0) != 0) return r.body;
    return r.body.substr(prefix.size(), r.body.size() - prefix.size() - 1);
  }

  testutil::MemoryStorage storage_;
  std::unique_ptr<ApiV1> api_;
  Router router_;
};

constexpr const char* kUpSelector =
    R"({"matchers":[{"name":"__name__","type":"=","value":"up"}],"name":"up","offset":0,)"
    R"("startOrEnd":null,"timestamp":null,"type":"vectorSelector"})";

TEST_F(PromqlToolsTest, ParseQueryShapes) {
  struct Case {
    const char* query;  // URL-encoded
    std::string json;
  } cases[] = {
      {"up", kUpSelector},
      {"1", R"({"type":"numberLiteral","val":"1"})"},
      {"1e-7", R"({"type":"numberLiteral","val":"0.0000001"})"},
      {"%22a%5Cnb%22", R"({"type":"stringLiteral","val":"a\nb"})"},
      {"(up)", std::string(R"({"expr":)") + kUpSelector + R"(,"type":"parenExpr"})"},
      {"-up", std::string(R"({"expr":)") + kUpSelector + R"(,"op":"-","type":"unaryExpr"})"},
      // Matchers in source order, the metric name last; regexes as written.
      {"x%7Ba%3D~%22b.*%22%2Cc!%3D%22%22%7D%5B5m%5D%20offset%20-1m",
       R"({"matchers":[{"name":"a","type":"=~","value":"b.*"},{"name":"c","type":"!=","value":""},)"
       R"({"name":"__name__","type":"=","value":"x"}],"name":"x","offset":-60000,"range":300000,)"
       R"("startOrEnd":null,"timestamp":null,"type":"matrixSelector"})"},
      {"%7B__name__%3D%22up%22%7D%20%40%20end()",
       R"({"matchers":[{"name":"__name__","type":"=","value":"up"}],"name":"","offset":0,)"
       R"("startOrEnd":"end","timestamp":null,"type":"vectorSelector"})"},
      {"up%5B1h%3A5m%5D%20%40%20100.5",
       std::string(R"({"expr":)") + kUpSelector +
           R"(,"offset":0,"range":3600000,"startOrEnd":null,"step":300000,"timestamp":100500,)"
           R"("type":"subquery"})"},
      {"up%5B1h%3A%5D", std::string(R"({"expr":)") + kUpSelector +
                            R"(,"offset":0,"range":3600000,"startOrEnd":null,"step":0,)"
                            R"("timestamp":null,"type":"subquery"})"},
      // Scalar operands: no vector matching.
      {"1%20%2B%202",
       R"({"bool":false,"lhs":{"type":"numberLiteral","val":"1"},"matching":null,"op":"+",)"
       R"("rhs":{"type":"numberLiteral","val":"2"},"type":"binaryExpr"})"},
      {"up%20%3E%20bool%201",
       std::string(R"({"bool":true,"lhs":)") + kUpSelector +
           R"(,"matching":null,"op":"\u003e","rhs":{"type":"numberLiteral","val":"1"},)"
           R"("type":"binaryExpr"})"},
      {"up%20%2F%20on(a)%20group_left(b)%20up",
       std::string(R"({"bool":false,"lhs":)") + kUpSelector +
           R"(,"matching":{"card":"many-to-one","include":["b"],"labels":["a"],"on":true},)"
           R"("op":"/","rhs":)" +
           kUpSelector + R"(,"type":"binaryExpr"})"},
      {"up%20and%20up", std::string(R"({"bool":false,"lhs":)") + kUpSelector +
                            R"(,"matching":{"card":"many-to-many","include":[],"labels":[],)"
                            R"("on":false},"op":"and","rhs":)" +
                            kUpSelector + R"(,"type":"binaryExpr"})"},
      {"up%20%3D%3D%20ignoring(x)%20up",
       std::string(R"({"bool":false,"lhs":)") + kUpSelector +
           R"(,"matching":{"card":"one-to-one","include":[],"labels":["x"],"on":false},)"
           R"("op":"==","rhs":)" +
           kUpSelector + R"(,"type":"binaryExpr"})"},
      {"sum%20without(a%2Cb)%20(up)",
       std::string(R"({"expr":)") + kUpSelector +
           R"(,"grouping":["a","b"],"op":"sum","param":null,"type":"aggregation","without":true})"},
      {"topk(3%2C%20up)", std::string(R"({"expr":)") + kUpSelector +
                              R"(,"grouping":[],"op":"topk","param":{"type":"numberLiteral",)"
                              R"("val":"3"},"type":"aggregation","without":false})"},
      {"count_values(%22v%22%2C%20up)",
       std::string(R"({"expr":)") + kUpSelector +
           R"(,"grouping":[],"op":"count_values","param":{"type":"stringLiteral","val":"v"},)"
           R"("type":"aggregation","without":false})"},
      {"time()",
       R"({"args":[],"func":{"argTypes":[],"name":"time","returnType":"scalar","variadic":0},)"
       R"("type":"call"})"},
      {"round(up)",
       std::string(R"({"args":[)") + kUpSelector +
           R"(],"func":{"argTypes":["vector","scalar"],"name":"round","returnType":"vector",)"
           R"("variadic":1},"type":"call"})"},
      {"label_join(up%2C%22a%22%2C%22%2C%22%2C%22b%22)",
       std::string(R"({"args":[)") + kUpSelector +
           R"(,{"type":"stringLiteral","val":"a"},{"type":"stringLiteral","val":","},)"
           R"({"type":"stringLiteral","val":"b"}],"func":{"argTypes":["vector","string","string",)"
           R"("string"],"name":"label_join","returnType":"vector","variadic":-1},"type":"call"})"},
      // Go's encoder escapes HTML characters (the > above too).
      {"%7Ba%3D%22%3C%26%3E%22%7D",
       R"({"matchers":[{"name":"a","type":"=","value":"\u003c\u0026\u003e"}],"name":"",)"
       R"("offset":0,"startOrEnd":null,"timestamp":null,"type":"vectorSelector"})"},
  };
  for (const auto& c : cases) EXPECT_EQ(parse(c.query), c.json) << c.query;
}

TEST_F(PromqlToolsTest, ParseQueryPostAndErrors) {
  HttpResponse r = call(http::verb::post, "/api/v1/parse_query", "", "query=up");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, std::string(R"({"status":"success","data":)") + kUpSelector + "}");
  r = call(http::verb::get, "/api/v1/parse_query", "query=sum(");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(
      r.body,
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"})");
  r = call(http::verb::get, "/api/v1/parse_query", "");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find(R"(invalid parameter \"query\": )"), std::string::npos) << r.body;
  EXPECT_EQ(call(http::verb::delete_, "/api/v1/parse_query", "query=up").status, 405u);
}

TEST_F(PromqlToolsTest, FormatQuery) {
  struct Case {
    const char* query;
    const char* data;
  } cases[] = {
      {"sum%20by(job)%20(rate(x%5B5m%5D))", R"x("sum by (job) (rate(x[5m]))")x"},
      {"up%7Bjob%3D%22a%22%7D%20%2F%20on(x)%20group_left%20up",
       R"x("up{job=\"a\"} / on (x) group_left () up")x"},
  };
  for (const auto& c : cases) {
    HttpResponse r = call(http::verb::get, "/api/v1/format_query", std::string("query=") + c.query);
    EXPECT_EQ(r.body, std::string(R"({"status":"success","data":)") + c.data + "}") << c.query;
  }
  // Experimental syntax parses only when enabled, as in the engine.
  HttpResponse off = call(http::verb::get, "/api/v1/format_query", "query=limitk(2%2C%20up)");
  EXPECT_EQ(off.status, 400u);
  EXPECT_NE(off.body.find("limitk"), std::string::npos) << off.body;
  {
    ApiDeps deps;
    deps.storage = &storage_;
    deps.parse_options.experimental_functions = true;
    deps.parse_options.duration_expressions = true;
    ApiV1 on(std::move(deps));
    Router router;
    on.register_routes(router);
    HttpRequest req;
    req.path = "/api/v1/format_query";
    req.query = "query=limitk(2%2C%20rate(up%5B5m%2B1m%5D))";
    HttpResponse r;
    router.dispatch(req, r);
    EXPECT_EQ(r.body, R"x({"status":"success","data":"limitk(2, rate(up[5m + 1m]))"})x");
    req.path = "/api/v1/parse_query";
    req.query = "query=up%5B5m%2B1m%5D";
    r = HttpResponse{};
    router.dispatch(req, r);
    EXPECT_NE(r.body.find(R"("range":360000)"), std::string::npos) << r.body;
  }
  // A long expression is split over lines as Prometheus's Pretty(0).
  std::string long_query =
      "sum%20by%20(job%2C%20instance)%20(rate(http_requests_total%7Bjob%3D%22api-server%22%2C"
      "handler%3D~%22%2Fapi%2Fv1%2Fquery_range.*%22%7D%5B5m%5D))%20%2F%20sum%20by%20(job%2C%"
      "20instance)%20"
      "(rate(http_requests_total%5B5m%5D))";
  HttpResponse r = call(http::verb::post, "/api/v1/format_query", "", "query=" + long_query);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(
      r.body,
      R"x({"status":"success","data":"  sum by (job, instance) (\n    rate(http_requests_total{handler=~\"/api/v1/query_range.*\",job=\"api-server\"}[5m])\n  )\n/\n  sum by (job, instance) (rate(http_requests_total[5m]))"})x");
}

}  // namespace
}  // namespace promlite::api
