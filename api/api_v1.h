// Prometheus's /api/v1 endpoints for metadata, targets and status (the query
// endpoints join when the PromQL engine is wired in). Shapes, parameters,
// defaults and error texts follow Prometheus's web/api/v1; Grafana's Prometheus
// data source is the client to satisfy (../shared/reference/grafana-contract.md).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "config/config.h"
#include "model/sample.h"
#include "query/parser.h"
#include "scraper/target_status.h"
#include "tsdb/querier.h"
#include "tsdb/stats.h"

namespace promlite::api {

struct BuildInfo {
  std::string version = "3.5.0";  // the Prometheus API level we answer as
  std::string promlite_version;   // ours
  std::string revision;
  std::string branch = "main";
  std::string build_user = "promlite";
  std::string build_date;
  std::string compiler;
};

struct RuntimeInfo {
  model::Timestamp start_time = 0;
  std::string cwd;
  std::string storage_retention;
  std::function<bool()> reload_config_success;
  std::function<model::Timestamp()> last_config_time;
};

struct ApiDeps {
  tsdb::Queryable* storage = nullptr;                      // required
  const scraper::TargetStatusProvider* targets = nullptr;  // may be null
  std::function<std::shared_ptr<const config::Config>()> config;
  std::vector<std::pair<std::string, std::string>> flags;  // name -> value
  BuildInfo build;
  RuntimeInfo runtime;
  // /api/v1/status/tsdb and /walreplay; null: they answer an internal error.
  const tsdb::StatsProvider* stats = nullptr;
  // --web.enable-admin-api; when false the admin endpoints answer
  // "admin APIs disabled" as Prometheus does.
  bool enable_admin = false;
  // The admin operations; null: the endpoints say the storage does not
  // support them yet.
  tsdb::AdminProvider* admin = nullptr;
  // --agent: the query-side endpoints (query, query_range, query_exemplars,
  // format_query, parse_query, labels, label values, series, alertmanagers,
  // status/tsdb, rules, alerts, admin) answer 422 "execution" with
  // kAgentUnavailable, as Prometheus's agent mode; `storage` may be null.
  bool agent_mode = false;
  // How format_query and parse_query parse: set as the engine's
  // (--enable-feature=promql-experimental-functions, promql-duration-expr).
  query::ParseOptions parse_options;
};

// Prometheus's answer to query endpoints in agent mode.
inline constexpr const char* kAgentUnavailable = "unavailable with Prometheus Agent";

class ApiV1 {
 public:
  explicit ApiV1(ApiDeps deps) : deps_(std::move(deps)) {}
  // Adds every endpoint under /api/v1/ to `router`.
  void register_routes(Router& router);

  // Handlers (public for tests).
  void labels(const HttpRequest& req, HttpResponse& resp);
  void label_values(const HttpRequest& req, HttpResponse& resp);
  void series(const HttpRequest& req, HttpResponse& resp);
  void targets(const HttpRequest& req, HttpResponse& resp);
  void targets_metadata(const HttpRequest& req, HttpResponse& resp);
  void metadata(const HttpRequest& req, HttpResponse& resp);
  void buildinfo(const HttpRequest& req, HttpResponse& resp);
  void runtimeinfo(const HttpRequest& req, HttpResponse& resp);
  void flags(const HttpRequest& req, HttpResponse& resp);
  void status_config(const HttpRequest& req, HttpResponse& resp);
  void format_query(const HttpRequest& req, HttpResponse& resp);
  void parse_query(const HttpRequest& req, HttpResponse& resp);
  void tsdb_status(const HttpRequest& req, HttpResponse& resp);
  void walreplay(const HttpRequest& req, HttpResponse& resp);
  void admin_delete_series(const HttpRequest& req, HttpResponse& resp);
  void admin_clean_tombstones(const HttpRequest& req, HttpResponse& resp);
  void admin_snapshot(const HttpRequest& req, HttpResponse& resp);

 private:
  ApiDeps deps_;
};

// RFC 3339 with nanoseconds in UTC, as Go's time.Time marshals ("0001-01-01T00:00:00Z"
// for the zero time, i.e. ms == 0).
std::string format_rfc3339(model::Timestamp ms);

}  // namespace promlite::api
