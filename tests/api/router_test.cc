#include <gtest/gtest.h>

#include "api/http_server.h"

namespace promlite::api {
namespace {

TEST(Router, ExactPrefixAndMethods) {
  Router r;
  r.handle("/a", {http::verb::get}, [](const HttpRequest&, HttpResponse& w) { w.body = "a"; });
  r.handle_prefix("/api/", {http::verb::get, http::verb::post},
                  [](const HttpRequest&, HttpResponse& w) { w.body = "api"; });
  r.handle_prefix("/api/v1/label/", {http::verb::get},
                  [](const HttpRequest&, HttpResponse& w) { w.body = "label"; });
  struct {
    http::verb method;
    std::string path;
    unsigned status;
    std::string body;
  } cases[] = {
      {http::verb::get, "/a", 200, "a"},
      {http::verb::head, "/a", 200, "a"},
      {http::verb::post, "/a", 405, "Method Not Allowed\n"},
      {http::verb::get, "/api/v1/query", 200, "api"},
      {http::verb::get, "/api/v1/label/job/values", 200, "label"},
      {http::verb::delete_, "/api/x", 405, "Method Not Allowed\n"},
      {http::verb::get, "/b", 404, "404 page not found\n"},
  };
  for (const auto& c : cases) {
    HttpRequest req;
    req.method = c.method;
    req.path = c.path;
    HttpResponse resp;
    r.dispatch(req, resp);
    EXPECT_EQ(resp.status, c.status) << c.path;
    EXPECT_EQ(resp.body, c.body) << c.path;
  }
}

TEST(UrlDecode, Table) {
  EXPECT_EQ(url_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(url_decode("a%20b+c", false), "a b+c");
  EXPECT_EQ(url_decode("%zz%4", false), "%zz%4");
  EXPECT_EQ(url_decode("%E2%82%AC", false), "\xE2\x82\xAC");
}

}  // namespace
}  // namespace promlite::api
