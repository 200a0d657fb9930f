// /api/v1/status/tsdb, /api/v1/status/walreplay and /api/v1/admin/tsdb/*:
// the storage's status pages and admin operations, through tsdb/stats.h.
#include "api/api_v1.h"
#include "api/json_writer.h"
#include "api/params.h"
#include "api/response.h"

namespace promlite::api {

namespace {

void write_stats(JsonWriter& w, const char* key, const std::vector<tsdb::CardinalityStat>& rows) {
  w.key(key).begin_array();
  for (const auto& r : rows) {
    w.begin_object();
    w.key("name").string(r.name);
    w.key("value").uint64(r.value);
    w.end_object();
  }
  w.end_array();
}

// Go's strconv.ParseBool.
std::optional<bool> parse_go_bool(std::string_view s) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (s == t) return true;
  }
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (s == f) return false;
  }
  return std::nullopt;
}

// An admin operation's error: bad input is bad_data, an operation the storage
// does not support (kUnavailable) is unavailable, the rest internal.
void write_admin_error(HttpResponse& resp, const Status& s) {
  ErrorType type = s.code() == StatusCode::kInvalidArgument ? ErrorType::kBadData
                   : s.code() == StatusCode::kUnavailable   ? ErrorType::kUnavailable
                                                            : ErrorType::kInternal;
  write_error(resp, type, s.message());
}

void write_no_content(HttpResponse& resp) {
  resp.status = 204;
  resp.body.clear();
}

constexpr const char* kAdminDisabled = "admin APIs disabled";

// A storage without admin operations (no tsdb::AdminProvider in the deps, as
// in unit tests of the API) says so instead of pretending to succeed.
void write_not_supported(HttpResponse& resp, const char* op) {
  write_error(resp, ErrorType::kUnavailable, std::string(op) + " is not supported by this storage");
}

}  // namespace

void ApiV1::tsdb_status(const HttpRequest& req, HttpResponse& resp) {
  Params p = Params::from_request(req);
  size_t limit = 10;
  if (auto v = p.get("limit"); v && !v->empty()) {
    auto n = parse_limit_param(*v);
    if (!n || *n < 1) {
      return write_error(resp, ErrorType::kBadData, "limit must be a positive number");
    }
    limit = *n;
  }
  if (!deps_.stats) {
    return write_error(resp, ErrorType::kInternal, "storage statistics are not available");
  }
  auto st = deps_.stats->tsdb_status(limit);
  if (!st) return write_error(resp, ErrorType::kInternal, st.status().message());
  std::string data;
  JsonWriter w(data);
  w.begin_object();
  w.key("headStats").begin_object();
  w.key("numSeries").uint64(st->head.num_series);
  w.key("numLabelPairs").int64(st->head.num_label_pairs);
  w.key("chunkCount").int64(st->head.chunk_count);
  w.key("minTime").int64(st->head.min_time);
  w.key("maxTime").int64(st->head.max_time);
  w.end_object();
  write_stats(w, "seriesCountByMetricName", st->series_count_by_metric_name);
  write_stats(w, "labelValueCountByLabelName", st->label_value_count_by_label_name);
  write_stats(w, "memoryInBytesByLabelName", st->memory_in_bytes_by_label_name);
  write_stats(w, "seriesCountByLabelValuePair", st->series_count_by_label_value_pair);
  w.end_object();
  write_success(resp, data);
}

void ApiV1::walreplay(const HttpRequest&, HttpResponse& resp) {
  // Without a provider there is no WAL: nothing to replay.
  tsdb::WalReplayStatus st =
      deps_.stats ? deps_.stats->wal_replay_status() : tsdb::WalReplayStatus{};
  std::string data;
  JsonWriter w(data);
  w.begin_object();
  w.key("min").int64(st.min);
  w.key("max").int64(st.max);
  w.key("current").int64(st.current);
  w.end_object();
  write_success(resp, data);
}

void ApiV1::admin_delete_series(const HttpRequest& req, HttpResponse& resp) {
  if (!deps_.enable_admin) return write_error(resp, ErrorType::kUnavailable, kAdminDisabled);
  Params p = Params::from_request(req);
  auto selectors = p.get_all("match[]");
  if (selectors.empty()) {
    return write_error(resp, ErrorType::kBadData, "no match[] parameter provided");
  }
  model::Timestamp bounds[2] = {kApiMinTime, kApiMaxTime};
  const char* names[2] = {"start", "end"};
  for (int i = 0; i < 2; ++i) {
    auto v = p.get(names[i]);
    if (!v || v->empty()) continue;
    auto t = parse_time(*v);
    if (!t) {
      return write_error(resp, ErrorType::kBadData,
                         std::string("invalid parameter \"") + names[i] +
                             "\": invalid time value for '" + names[i] +
                             "': " + t.status().message());
    }
    bounds[i] = *t;
  }
  std::vector<model::Matchers> sets;
  for (const auto& s : selectors) {
    auto m = query::parse_metric_selector(s);
    if (!m) {
      return write_error(resp, ErrorType::kBadData,
                         "invalid parameter \"match[]\": " + m.status().message());
    }
    sets.push_back(std::move(m).value());
  }
  if (!deps_.admin) return write_not_supported(resp, "delete_series");
  if (Status s = deps_.admin->delete_series(bounds[0], bounds[1], sets); !s) {
    return write_admin_error(resp, s);
  }
  write_no_content(resp);
}

void ApiV1::admin_clean_tombstones(const HttpRequest&, HttpResponse& resp) {
  if (!deps_.enable_admin) return write_error(resp, ErrorType::kUnavailable, kAdminDisabled);
  if (!deps_.admin) return write_not_supported(resp, "clean_tombstones");
  if (Status s = deps_.admin->clean_tombstones(); !s) return write_admin_error(resp, s);
  write_no_content(resp);
}

void ApiV1::admin_snapshot(const HttpRequest& req, HttpResponse& resp) {
  if (!deps_.enable_admin) return write_error(resp, ErrorType::kUnavailable, kAdminDisabled);
  Params p = Params::from_request(req);
  bool skip_head = false;
  if (auto v = p.get("skip_head"); v && !v->empty()) {
    auto b = parse_go_bool(*v);
    if (!b) {
      return write_error(resp, ErrorType::kBadData,
                         "invalid parameter \"skip_head\": unable to parse boolean: "
                         "strconv.ParseBool: parsing " +
                             go_quote(*v) + ": invalid syntax");
    }
    skip_head = *b;
  }
  if (!deps_.admin) return write_not_supported(resp, "snapshot");
  auto name = deps_.admin->snapshot(!skip_head);
  if (!name) return write_admin_error(resp, name.status());
  std::string data;
  JsonWriter w(data);
  w.begin_object();
  w.key("name").string(*name);
  w.end_object();
  write_success(resp, data);
}

}  // namespace promlite::api
