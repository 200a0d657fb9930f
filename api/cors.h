// Cross-origin headers on the /api/v1 endpoints, as Prometheus's
// --web.cors.origin (util/httputil.SetCORS):
// - every response carries "Vary: Origin";
// - a request with an Origin header gets Access-Control-Allow-Headers,
//   -Methods and -Expose-Headers, and Access-Control-Allow-Origin: "*" when the
//   pattern is the default ".*", else the Origin echoed back when the fully
//   anchored pattern matches it;
// - OPTIONS on any /api/v1/ path answers 204 (a preflight) with those headers.
// The remote-write receiver (POST /api/v1/write) is left alone, as in
// Prometheus.
#pragma once

#include <memory>
#include <string>

#include "api/http_server.h"
#include "model/status.h"

namespace re2 {
class RE2;
}

namespace promlite::api {

class Cors {
 public:
  // `origin_pattern` is an RE2 regex, anchored at both ends. Fails with
  // kInvalidArgument when it does not compile.
  static Result<Cors> make(const std::string& origin_pattern);

  // Adds the headers for `req` to `resp`.
  void apply(const HttpRequest& req, HttpResponse& resp) const;

  // Wraps every /api/v1/ route of `router` (answers OPTIONS itself).
  void install(Router& router) const;

 private:
  Cors() = default;
  bool any_ = false;  // the pattern is ".*": allow "*"
  std::shared_ptr<const re2::RE2> re_;
};

}  // namespace promlite::api
