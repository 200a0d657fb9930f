#include "api/cors.h"

#include <re2/re2.h>

namespace promlite::api {

Result<Cors> Cors::make(const std::string& origin_pattern) {
  auto re = std::make_shared<const re2::RE2>("^(?:" + origin_pattern + ")$", re2::RE2::Quiet);
  if (!re->ok()) {
    return invalid_argument("could not compile CORS regex string \"" + origin_pattern +
                            "\": " + re->error());
  }
  Cors c;
  // Prometheus compares the compiled pattern's text with "^(?:.*)$".
  c.any_ = origin_pattern == ".*";
  c.re_ = std::move(re);
  return c;
}

void Cors::apply(const HttpRequest& req, HttpResponse& resp) const {
  resp.headers.emplace_back("Vary", "Origin");
  auto it = req.headers.find(http::field::origin);
  if (it == req.headers.end() || it->value().empty()) return;
  std::string_view origin(it->value().data(), it->value().size());
  resp.headers.emplace_back("Access-Control-Allow-Headers",
                            "Accept, Authorization, Content-Type, Origin");
  resp.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  resp.headers.emplace_back("Access-Control-Expose-Headers", "Date");
  if (any_) {
    resp.headers.emplace_back("Access-Control-Allow-Origin", "*");
  } else if (re2::RE2::FullMatch(origin, *re_)) {
    resp.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  }
}

void Cors::install(Router& router) const {
  Cors self = *this;
  router.wrap_prefix("/api/v1/", [self](const HttpRequest& req, HttpResponse& resp,
                                        const std::function<void()>& next) {
    if (req.method == http::verb::options) {
      resp.status = 204;
      resp.body.clear();
      self.apply(req, resp);
      return;
    }
    next();
    if (req.path != "/api/v1/write") self.apply(req, resp);
  });
}

}  // namespace promlite::api
