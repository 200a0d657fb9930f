// GET /federate?match[]=...: the newest sample (within the lookback delta) of
// every selected series, in the Prometheus text format with timestamps, grouped
// by metric name, with the external labels attached, as Prometheus's /federate.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "api/http_server.h"
#include "config/config.h"
#include "model/duration.h"
#include "tsdb/querier.h"

namespace promlite::api {

class FederateHandler {
 public:
  FederateHandler(tsdb::Queryable& storage,
                  std::function<std::shared_ptr<const config::Config>()> config,
                  model::Duration lookback_delta, std::function<model::Timestamp()> now = nullptr);
  void register_routes(Router& router);
  void handle(const HttpRequest& req, HttpResponse& resp);

 private:
  tsdb::Queryable& storage_;
  std::function<std::shared_ptr<const config::Config>()> config_;
  model::Duration lookback_;
  std::function<model::Timestamp()> now_;
};

// Go's strconv.FormatFloat(v, 'g', -1, 64), as the text format writes values:
// "1e+06", "123456", "0.0001", "1e-05", "+Inf", "NaN".
std::string format_go_float(double v);

}  // namespace promlite::api
