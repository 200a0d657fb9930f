// /api/v1/query and /api/v1/query_range: parameters, limits and responses as
// Prometheus's API, evaluation by a query::Engine over a tsdb::Queryable. The
// handlers run on the HTTP server's worker pool, never on its io threads.
#pragma once

#include <functional>

#include "api/http_server.h"
#include "query/engine.h"
#include "tsdb/querier.h"

namespace promlite::api {

class QueryApi {
 public:
  // `now` supplies the default evaluation time (ms); tests pin it.
  QueryApi(query::Engine& engine, tsdb::Queryable& storage,
           std::function<model::Timestamp()> now = nullptr);

  void register_routes(Router& router);

  void query(const HttpRequest& req, HttpResponse& resp);
  void query_range(const HttpRequest& req, HttpResponse& resp);

 private:
  query::Engine& engine_;
  tsdb::Queryable& storage_;
  std::function<model::Timestamp()> now_;
};

// Prometheus's limit on points per series in a range query.
inline constexpr int64_t kMaxPointsPerSeries = 11000;

}  // namespace promlite::api
