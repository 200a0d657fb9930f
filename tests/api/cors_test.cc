// --web.cors.origin: Prometheus's CORS headers on /api/v1 (util/httputil.SetCORS).
#include "api/cors.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace promlite::api {
namespace {

std::string header(const HttpResponse& r, const std::string& name) {
  std::string out;
  for (const auto& [k, v] : r.headers) {
    if (k == name) out += (out.empty() ? "" : "|") + v;
  }
  return out;
}

class CorsTest : public ::testing::Test {
 protected:
  void install(const std::string& pattern) {
    router_ = Router();
    router_.handle("/api/v1/query", {http::verb::get, http::verb::post},
                   [](const HttpRequest&, HttpResponse& r) { r.body = "ok"; });
    router_.handle("/api/v1/write", {http::verb::post},
                   [](const HttpRequest&, HttpResponse& r) { r.status = 204; });
    router_.handle("/metrics", {http::verb::get},
                   [](const HttpRequest&, HttpResponse& r) { r.body = "m 1\n"; });
    auto cors = Cors::make(pattern);
    ASSERT_TRUE(cors.is_ok()) << cors.status().message();
    cors->install(router_);
  }
  HttpResponse call(http::verb method, const std::string& path, const std::string& origin) {
    HttpRequest req;
    req.method = method;
    req.path = path;
    req.target = path;
    if (!origin.empty()) req.headers.set(http::field::origin, origin);
    HttpResponse resp;
    router_.dispatch(req, resp);
    return resp;
  }
  Router router_;
};

TEST_F(CorsTest, DefaultAllowsAnyOrigin) {
  install(".*");
  HttpResponse r = call(http::verb::get, "/api/v1/query", "https://grafana.example");
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(header(r, "Vary"), "Origin");
  EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(header(r, "Access-Control-Allow-Methods"), "GET, POST, OPTIONS");
  EXPECT_EQ(header(r, "Access-Control-Allow-Headers"),
            "Accept, Authorization, Content-Type, Origin");
  EXPECT_EQ(header(r, "Access-Control-Expose-Headers"), "Date");
  // Without Origin only Vary.
  r = call(http::verb::get, "/api/v1/query", "");
  EXPECT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(header(r, "Vary"), "Origin");
}

TEST_F(CorsTest, PatternIsAnchoredAndEchoesTheOrigin) {
  install(R"(https?://(a|b)\.example)");
  struct Case {
    const char* origin;
    const char* allowed;  // "" = no Access-Control-Allow-Origin
  } cases[] = {
      {"https://a.example", "https://a.example"},
      {"http://b.example", "http://b.example"},
      {"https://c.example", ""},
      {"https://a.example.evil", ""},  // anchored at the end
      {"xhttps://a.example", ""},      // and at the start
  };
  for (const auto& c : cases) {
    HttpResponse r = call(http::verb::get, "/api/v1/query", c.origin);
    EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), c.allowed) << c.origin;
    EXPECT_EQ(header(r, "Access-Control-Allow-Methods"), "GET, POST, OPTIONS") << c.origin;
  }
}

TEST_F(CorsTest, PreflightAndScope) {
  install(".*");
  // OPTIONS anywhere under /api/v1/, even where no route allows it.
  for (const char* path : {"/api/v1/query", "/api/v1/labels", "/api/v1/write"}) {
    HttpResponse r = call(http::verb::options, path, "https://x");
    EXPECT_EQ(r.status, 204u) << path;
    EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), "*") << path;
  }
  // Remote write and non-API paths get no CORS headers.
  HttpResponse r = call(http::verb::post, "/api/v1/write", "https://x");
  EXPECT_EQ(r.status, 204u);
  EXPECT_TRUE(r.headers.empty());
  r = call(http::verb::get, "/metrics", "https://x");
  EXPECT_TRUE(r.headers.empty());
  EXPECT_EQ(call(http::verb::options, "/metrics", "https://x").status, 405u);
}

TEST(Cors, BadPattern) {
  auto c = Cors::make("(");
  ASSERT_FALSE(c.is_ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("could not compile CORS regex string \"(\""),
            std::string::npos)
      << c.status().message();
}

TEST(RouterMiddleware, NestsInOrderAndOnlyUnderItsPrefix) {
  Router r;
  r.handle("/a/x", {http::verb::get},
           [](const HttpRequest&, HttpResponse& resp) { resp.body += "h"; });
  r.wrap_prefix("/a/",
                [](const HttpRequest&, HttpResponse& resp, const std::function<void()>& next) {
                  resp.body += "1(";
                  next();
                  resp.body += ")1";
                });
  r.wrap_prefix("/a/x",
                [](const HttpRequest&, HttpResponse& resp, const std::function<void()>& next) {
                  resp.body += "2(";
                  next();
                  resp.body += ")2";
                });
  r.wrap_prefix("/b/", [](const HttpRequest&, HttpResponse& resp, const std::function<void()>&) {
    resp.body = "b answered";
  });
  HttpRequest req;
  req.path = "/a/x";
  HttpResponse resp;
  r.dispatch(req, resp);
  EXPECT_EQ(resp.body, "1(2(h)2)1");
  req.path = "/a/unknown";
  resp = HttpResponse{};
  r.dispatch(req, resp);
  EXPECT_EQ(resp.status, 404u);
  EXPECT_EQ(resp.body, "404 page not found\n)1");  // the 404 replaces the body
  req.path = "/b/";
  resp = HttpResponse{};
  r.dispatch(req, resp);
  EXPECT_EQ(resp.body, "b answered");
}

}  // namespace
}  // namespace promlite::api
