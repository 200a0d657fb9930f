#include "api/query_api.h"

#include "api/json_writer.h"
#include "api/params.h"
#include "api/query_encoder.h"
#include "api/response.h"

namespace promlite::api {

using http::verb;

namespace {

void invalid_param(HttpResponse& resp, const char* name, const std::string& msg) {
  write_error(resp, ErrorType::kBadData, std::string("invalid parameter \"") + name + "\": " + msg);
}

// Optional duration parameter; false after writing the error.
bool duration_param(const Params& p, const char* name, model::Duration* out, HttpResponse& resp) {
  auto v = p.get(name);
  if (!v || v->empty()) return true;
  auto d = parse_duration_param(*v);
  if (!d) {
    invalid_param(resp, name, d.status().message());
    return false;
  }
  *out = *d;
  return true;
}

bool limit_param(const Params& p, size_t* out, HttpResponse& resp) {
  auto n = parse_limit_param(p.get("limit").value_or(""));
  if (!n) {
    invalid_param(resp, "limit", n.status().message());
    return false;
  }
  *out = *n;
  return true;
}

// Truncates vector and matrix results to `limit` series (3.x's `limit`).
void apply_limit(query::QueryResult& r, size_t limit) {
  if (limit == 0) return;
  bool truncated = false;
  if (auto* v = std::get_if<query::Vector>(&r.value); v && v->size() > limit) {
    v->resize(limit);
    truncated = true;
  } else if (auto* m = std::get_if<query::Matrix>(&r.value); m && m->size() > limit) {
    m->resize(limit);
    truncated = true;
  }
  if (truncated) r.warnings.push_back("results truncated due to limit");
}

// Encodes straight into the response body (a large matrix is not copied).
void write_result(HttpResponse& resp, const query::QueryResult& r, bool stats) {
  begin_success(resp);
  std::string& data = resp.body;
  encode_query_data(data, r.value);
  if (stats) {
    // Insert "stats" into the data object (before its closing brace).
    data.pop_back();
    JsonWriter w(data);
    data += ",\"stats\":";
    w.begin_object();
    w.key("timings").begin_object();
    w.key("evalTotalTime").number(r.stats.exec_seconds);
    w.key("resultSortTime").number(0);
    w.key("queryPreparationTime").number(0);
    w.key("innerEvalTime").number(r.stats.exec_seconds);
    w.key("execQueueTime").number(0);
    w.key("execTotalTime").number(r.stats.exec_seconds);
    w.end_object();
    w.key("samples").begin_object();
    w.key("totalQueryableSamples").int64(r.stats.total_samples);
    w.key("peakSamples").int64(r.stats.peak_samples);
    w.end_object();
    w.end_object();
    data += "}";
  }
  end_success(resp, r.warnings, r.infos);
}

// Engine errors: parse and type errors are bad query parameters; the rest map
// through the one table in response.cc.
void write_engine_error(HttpResponse& resp, const Status& s) {
  if (s.code() == StatusCode::kInvalidArgument) return invalid_param(resp, "query", s.message());
  write_error(resp, s);
}

}  // namespace

QueryApi::QueryApi(query::Engine& engine, tsdb::Queryable& storage,
                   std::function<model::Timestamp()> now)
    : engine_(engine),
      storage_(storage),
      now_(now ? std::move(now) : [] { return model::now_ms(); }) {}

void QueryApi::register_routes(Router& router) {
  router.handle(
      "/api/v1/query", {verb::get, verb::post},
      [this](const HttpRequest& req, HttpResponse& resp) { query(req, resp); },
      Execution::kWorkerPool);
  router.handle(
      "/api/v1/query_range", {verb::get, verb::post},
      [this](const HttpRequest& req, HttpResponse& resp) { query_range(req, resp); },
      Execution::kWorkerPool);
}

void QueryApi::query(const HttpRequest& req, HttpResponse& resp) {
  Params p = Params::from_request(req);
  size_t limit;
  if (!limit_param(p, &limit, resp)) return;
  model::Timestamp t = now_();
  if (auto v = p.get("time"); v && !v->empty()) {
    auto parsed = parse_time(*v);
    if (!parsed) {
      return invalid_param(resp, "time",
                           "invalid time value for 'time': " + parsed.status().message());
    }
    t = *parsed;
  }
  query::QueryOptions opts;
  opts.stop = req.cancel;  // the client going away stops the evaluation
  if (!duration_param(p, "timeout", &opts.timeout, resp)) return;
  if (!duration_param(p, "lookback_delta", &opts.lookback_delta, resp)) return;
  auto q = p.get("query").value_or("");
  auto result = engine_.instant_query(storage_, q, t, opts);
  if (!result) return write_engine_error(resp, result.status());
  apply_limit(*result, limit);
  auto stats = p.get("stats");
  write_result(resp, *result, stats && !stats->empty());
}

void QueryApi::query_range(const HttpRequest& req, HttpResponse& resp) {
  Params p = Params::from_request(req);
  size_t limit;
  if (!limit_param(p, &limit, resp)) return;
  model::Timestamp start = 0, end = 0;
  for (auto [name, out] : {std::pair<const char*, model::Timestamp*>{"start", &start},
                           std::pair<const char*, model::Timestamp*>{"end", &end}}) {
    auto parsed = parse_time(p.get(name).value_or(""));
    if (!parsed) return invalid_param(resp, name, parsed.status().message());
    *out = *parsed;
  }
  if (end < start) {
    return invalid_param(resp, "end", "end timestamp must not be before start time");
  }
  auto step_text = p.get("step").value_or("");
  auto step = parse_duration_param(step_text);
  if (!step) return invalid_param(resp, "step", step.status().message());
  if (*step <= 0) {
    return invalid_param(resp, "step",
                         "zero or negative query resolution step widths are not accepted. Try a "
                         "positive integer");
  }
  // For safety, limit the number of returned points per timeseries.
  if ((end - start) / *step > kMaxPointsPerSeries) {
    return write_error(resp, ErrorType::kBadData,
                       "exceeded maximum resolution of 11,000 points per timeseries. Try "
                       "decreasing the query resolution (?step=XX)");
  }
  query::QueryOptions opts;
  opts.stop = req.cancel;  // the client going away stops the evaluation
  if (!duration_param(p, "timeout", &opts.timeout, resp)) return;
  if (!duration_param(p, "lookback_delta", &opts.lookback_delta, resp)) return;
  auto q = p.get("query").value_or("");
  auto result = engine_.range_query(storage_, q, start, end, *step, opts);
  if (!result) return write_engine_error(resp, result.status());
  apply_limit(*result, limit);
  auto stats = p.get("stats");
  write_result(resp, *result, stats && !stats->empty());
}

}  // namespace promlite::api
