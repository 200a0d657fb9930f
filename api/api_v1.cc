#include "api/api_v1.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <set>
#include <thread>

#include "api/json_writer.h"
#include "api/params.h"
#include "api/query_encoder.h"
#include "api/response.h"
#include "model/utf8.h"
#include "query/lexer.h"
#include "query/parser.h"
#include "query/printer.h"

namespace promlite::api {

using http::verb;

namespace {

// Go's time.Time JSON: RFC 3339 with trailing-zero-free nanoseconds.
std::string rfc3339_from_ms(model::Timestamp ms) {
  if (ms == 0) return "0001-01-01T00:00:00Z";
  std::time_t secs = static_cast<std::time_t>(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
  int frac = static_cast<int>(((ms % 1000) + 1000) % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out(buf, static_cast<size_t>(n));
  if (frac) {
    char f[8];
    std::snprintf(f, sizeof f, ".%03d", frac);
    std::string fs(f);
    while (fs.back() == '0') fs.pop_back();
    out += fs;
  }
  return out + "Z";
}

struct Range {
  model::Timestamp start = kApiMinTime;
  model::Timestamp end = kApiMaxTime;
};

// start/end with Prometheus's defaults and messages.
bool parse_range(const Params& p, Range* r, HttpResponse& resp) {
  for (auto [name, out] : {std::pair<const char*, model::Timestamp*>{"start", &r->start},
                           std::pair<const char*, model::Timestamp*>{"end", &r->end}}) {
    auto v = p.get(name);
    if (!v || v->empty()) continue;
    auto t = parse_time(*v);
    if (!t) {
      write_error(resp, ErrorType::kBadData,
                  std::string("invalid parameter \"") + name + "\": invalid time value for '" +
                      name + "': " + t.status().message());
      return false;
    }
    *out = *t;
  }
  return true;
}

bool parse_limit(const Params& p, size_t* limit, HttpResponse& resp) {
  auto n = parse_limit_param(p.get("limit").value_or(""));
  if (!n) {
    write_error(resp, ErrorType::kBadData, "invalid parameter \"limit\": " + n.status().message());
    return false;
  }
  *limit = *n;
  return true;
}

// The metadata endpoints' limit and limit_per_metric: Go's strconv.Atoi,
// -1 when absent (no limit); a negative value also means no limit, 0 gives an
// empty answer, as in Prometheus.
bool parse_signed_limit(const Params& p, const char* name, int64_t* out, HttpResponse& resp) {
  *out = -1;
  auto v = p.get(name);
  if (!v || v->empty()) return true;
  std::string_view s = *v;
  bool neg = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  int64_t n = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size()) {
    write_error(resp, ErrorType::kBadData, std::string(name) + " must be a number");
    return false;
  }
  *out = neg ? -n : n;
  return true;
}

// match[] selectors; each must have a matcher that does not match "". The
// series endpoint prefixes errors with invalid parameter "match[]": (as
// Prometheus's does), the label endpoints do not.
bool parse_match(const Params& p, std::vector<model::Matchers>* sets, HttpResponse& resp,
                 bool param_prefix = false) {
  const std::string prefix = param_prefix ? "invalid parameter \"match[]\": " : "";
  for (const auto& s : p.get_all("match[]")) {
    auto m = query::parse_metric_selector(s);
    if (!m) {
      write_error(resp, ErrorType::kBadData, prefix + m.status().message());
      return false;
    }
    bool non_empty =
        std::any_of(m->begin(), m->end(), [](const model::Matcher& x) { return !x.matches(""); });
    if (!non_empty) {
      write_error(resp, ErrorType::kBadData,
                  prefix + "match[] must contain at least one non-empty matcher");
      return false;
    }
    sets->push_back(std::move(m).value());
  }
  return true;
}

void write_string_list(HttpResponse& resp, std::vector<std::string> items, size_t limit) {
  std::vector<std::string> warnings;
  if (limit > 0 && items.size() > limit) {
    items.resize(limit);
    warnings.push_back("results truncated due to limit");
  }
  std::string data;
  JsonWriter(data).string_array(items);
  write_success(resp, data, warnings);
}

}  // namespace

std::string format_rfc3339(model::Timestamp ms) { return rfc3339_from_ms(ms); }

void ApiV1::register_routes(Router& r) {
  // In agent mode the query-side endpoints answer Prometheus's agent error.
  auto agent_error = [](const HttpRequest&, HttpResponse& resp) {
    write_error(resp, ErrorType::kExecution, kAgentUnavailable);
  };
  auto bind = [this, agent_error](void (ApiV1::*fn)(const HttpRequest&, HttpResponse&),
                                  bool agent_refuses = false) -> Handler {
    if (agent_refuses && deps_.agent_mode) return agent_error;
    return [this, fn](const HttpRequest& req, HttpResponse& resp) { (this->*fn)(req, resp); };
  };
  auto unless_agent = [this, agent_error](Handler h) -> Handler {
    return deps_.agent_mode ? Handler(agent_error) : h;
  };
  const std::vector<verb> get_post = {verb::get, verb::post};
  if (deps_.agent_mode) {
    // QueryApi is not registered in agent mode: these answer in its place.
    r.handle("/api/v1/query", get_post, agent_error);
    r.handle("/api/v1/query_range", get_post, agent_error);
    r.handle("/api/v1/alertmanagers", {verb::get}, agent_error);
  }
  r.handle("/api/v1/labels", get_post, bind(&ApiV1::labels, true));
  // POST is not Prometheus's, but Grafana's "suggestions" path sends it; harmless.
  r.handle_prefix("/api/v1/label/", get_post, bind(&ApiV1::label_values, true));
  r.handle("/api/v1/series", get_post, bind(&ApiV1::series, true));
  r.handle("/api/v1/targets", {verb::get}, bind(&ApiV1::targets));
  r.handle("/api/v1/targets/metadata", {verb::get}, bind(&ApiV1::targets_metadata));
  r.handle("/api/v1/metadata", {verb::get}, bind(&ApiV1::metadata));
  r.handle("/api/v1/status/buildinfo", {verb::get}, bind(&ApiV1::buildinfo));
  r.handle("/api/v1/status/runtimeinfo", {verb::get}, bind(&ApiV1::runtimeinfo));
  r.handle("/api/v1/status/flags", {verb::get}, bind(&ApiV1::flags));
  r.handle("/api/v1/status/config", {verb::get}, bind(&ApiV1::status_config));
  r.handle("/api/v1/format_query", get_post, bind(&ApiV1::format_query, true));
  r.handle("/api/v1/parse_query", get_post, bind(&ApiV1::parse_query, true));
  r.handle("/api/v1/status/tsdb", {verb::get}, bind(&ApiV1::tsdb_status, true));
  r.handle("/api/v1/status/walreplay", {verb::get}, bind(&ApiV1::walreplay));
  const std::vector<verb> post_put = {verb::post, verb::put};
  r.handle("/api/v1/admin/tsdb/delete_series", post_put, bind(&ApiV1::admin_delete_series, true));
  r.handle("/api/v1/admin/tsdb/clean_tombstones", post_put,
           bind(&ApiV1::admin_clean_tombstones, true));
  r.handle("/api/v1/admin/tsdb/snapshot", post_put, bind(&ApiV1::admin_snapshot, true));
  // No rules or alerts exist yet: valid empty answers (Grafana probes them).
  r.handle("/api/v1/rules", {verb::get}, unless_agent([](const HttpRequest&, HttpResponse& resp) {
             write_success(resp, "{\"groups\":[]}");
           }));
  r.handle("/api/v1/alerts", {verb::get}, unless_agent([](const HttpRequest&, HttpResponse& resp) {
             write_success(resp, "{\"alerts\":[]}");
           }));
  // Exemplars are not stored yet: success with an empty list, whatever the
  // times (Grafana's probe sends milliseconds where seconds belong).
  r.handle("/api/v1/query_exemplars", get_post,
           unless_agent([](const HttpRequest&, HttpResponse& resp) { write_success(resp, "[]"); }));
}

// The shared body of /labels and /label/<name>/values: parameters, one look-up
// per match[] set (united), truncation to `limit` with Prometheus's warning.
template <typename Lookup>
void answer_label_lookup(tsdb::Queryable& storage, const HttpRequest& req, HttpResponse& resp,
                         Lookup lookup) {
  Params p = Params::from_request(req);
  Range range;
  size_t limit;
  std::vector<model::Matchers> sets;
  if (!parse_limit(p, &limit, resp) || !parse_range(p, &range, resp) ||
      !parse_match(p, &sets, resp)) {
    return;
  }
  auto q = storage.querier(range.start, range.end);
  if (!q) return write_error(resp, q.status());
  tsdb::LabelHints hints;
  hints.limit = limit ? limit + 1 : 0;  // one more, to know whether to warn of truncation
  std::set<std::string> found;
  if (sets.empty()) sets.emplace_back();
  for (const auto& set : sets) {
    Result<std::vector<std::string>> r = lookup(**q, set, hints);
    if (!r) return write_error(resp, r.status());
    found.insert(r->begin(), r->end());
  }
  write_string_list(resp, std::vector<std::string>(found.begin(), found.end()), limit);
}

void ApiV1::labels(const HttpRequest& req, HttpResponse& resp) {
  answer_label_lookup(*deps_.storage, req, resp,
                      [](tsdb::Querier& q, const model::Matchers& m, const tsdb::LabelHints& h) {
                        return q.label_names(m, h);
                      });
}

void ApiV1::label_values(const HttpRequest& req, HttpResponse& resp) {
  const std::string prefix = "/api/v1/label/";
  std::string rest = req.path.substr(prefix.size());
  if (rest.size() < 7 || rest.substr(rest.size() - 7) != "/values") {
    resp.status = 404;
    resp.body = "404 page not found\n";
    return;
  }
  std::string name = unescape_label_name(rest.substr(0, rest.size() - 7));
  // Prometheus 3's LabelName.IsValid (UTF-8 names): non-empty, valid UTF-8.
  if (name.empty() || !model::valid_utf8(name)) {
    return write_error(resp, ErrorType::kBadData, "invalid label name: " + query::go_quote(name));
  }
  answer_label_lookup(*deps_.storage, req, resp,
                      [&name](tsdb::Querier& q, const model::Matchers& m,
                              const tsdb::LabelHints& h) { return q.label_values(name, m, h); });
}

void ApiV1::series(const HttpRequest& req, HttpResponse& resp) {
  Params p = Params::from_request(req);
  if (p.get_all("match[]").empty()) {
    return write_error(resp, ErrorType::kBadData, "no match[] parameter provided");
  }
  Range range;
  size_t limit;
  std::vector<model::Matchers> sets;
  if (!parse_limit(p, &limit, resp) || !parse_range(p, &range, resp) ||
      !parse_match(p, &sets, resp, true)) {
    return;
  }
  auto q = deps_.storage->querier(range.start, range.end);
  if (!q) return write_error(resp, q.status());
  tsdb::SelectHints hints;
  hints.start = range.start;
  hints.end = range.end;
  hints.func = "series";
  // Each select answers sorted by labels (as Prometheus's merge does); one
  // match[] set is written as it streams, several are merged and deduplicated.
  // The data goes straight into the response body.
  std::vector<std::string> warnings;
  begin_success(resp);
  std::string& data = resp.body;
  data.push_back('[');
  size_t n = 0;
  auto emit = [&](const model::Labels& l) {
    if (limit > 0 && n >= limit) return false;
    if (n++ > 0) data.push_back(',');
    append_labels_json(data, l);
    return true;
  };
  bool truncated = false;
  if (sets.size() == 1) {
    auto ss = (*q)->select(true, &hints, sets[0]);
    while (!truncated && ss->next()) truncated = !emit(ss->at().labels());
    if (Status s = ss->status(); !s) return write_error(resp, s);
    for (auto& w : ss->warnings()) warnings.push_back(std::move(w));
  } else {
    std::vector<model::Labels> found;
    for (const auto& set : sets) {
      auto ss = (*q)->select(true, &hints, set);
      while (ss->next()) found.push_back(ss->at().labels());
      if (Status s = ss->status(); !s) return write_error(resp, s);
      for (auto& w : ss->warnings()) warnings.push_back(std::move(w));
    }
    auto less = [](const model::Labels& a, const model::Labels& b) {
      return model::Labels::compare(a, b) < 0;
    };
    std::sort(found.begin(), found.end(), less);
    found.erase(std::unique(found.begin(), found.end()), found.end());
    for (const auto& l : found) {
      if (!emit(l)) {
        truncated = true;
        break;
      }
    }
  }
  if (truncated) warnings.push_back("results truncated due to limit");
  data.push_back(']');
  end_success(resp, warnings);
}

void ApiV1::targets(const HttpRequest& req, HttpResponse& resp) {
  Params p = Params::from_request(req);
  std::string state = p.get("state").value_or("any");
  std::string pool = p.get("scrapePool").value_or("");
  for (auto& c : state) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool show_active = state == "active" || state == "any" || state.empty();
  bool show_dropped = state == "dropped" || state == "any" || state.empty();
  std::vector<scraper::ActiveTarget> active;
  std::vector<scraper::DroppedTarget> dropped;
  if (deps_.targets) {
    active = deps_.targets->active_targets();
    dropped = deps_.targets->dropped_targets();
  }
  std::sort(active.begin(), active.end(), [](const auto& a, const auto& b) {
    return a.scrape_pool != b.scrape_pool ? a.scrape_pool < b.scrape_pool
                                          : a.scrape_url < b.scrape_url;
  });
  std::string data;
  JsonWriter w(data);
  w.begin_object();
  w.key("activeTargets").begin_array();
  if (show_active) {
    for (const auto& t : active) {
      if (!pool.empty() && t.scrape_pool != pool) continue;
      w.begin_object();
      w.key("discoveredLabels");
      write_labels(w, t.discovered_labels);
      w.key("labels");
      write_labels(w, t.labels);
      w.key("scrapePool").string(t.scrape_pool);
      w.key("scrapeUrl").string(t.scrape_url);
      w.key("globalUrl").string(t.scrape_url);
      w.key("lastError").string(t.last_error);
      w.key("lastScrape").string(rfc3339_from_ms(t.last_scrape));
      w.key("lastScrapeDuration").number(t.last_scrape_duration);
      w.key("health").string(scraper::target_health_name(t.health));
      w.key("scrapeInterval").string(model::format_duration(t.scrape_interval));
      w.key("scrapeTimeout").string(model::format_duration(t.scrape_timeout));
      w.end_object();
    }
  }
  w.end_array();
  std::map<std::string, int64_t> dropped_counts;
  w.key("droppedTargets").begin_array();
  for (const auto& t : dropped) {
    if (!pool.empty() && t.scrape_pool != pool) continue;
    ++dropped_counts[t.scrape_pool];
    if (!show_dropped) continue;
    w.begin_object();
    w.key("discoveredLabels");
    write_labels(w, t.discovered_labels);
    w.key("scrapePool").string(t.scrape_pool);
    w.end_object();
  }
  w.end_array();
  w.key("droppedTargetCounts").begin_object();
  for (const auto& [k, v] : dropped_counts) w.key(k).int64(v);
  w.end_object();
  w.end_object();
  write_success(resp, data);
}

void ApiV1::targets_metadata(const HttpRequest& req, HttpResponse& resp) {
  Params p = Params::from_request(req);
  int64_t limit;
  if (!parse_signed_limit(p, "limit", &limit, resp)) return;
  std::string metric = p.get("metric").value_or("");
  model::Matchers target_matchers;
  if (auto mt = p.get("match_target"); mt && !mt->empty()) {
    auto m = query::parse_metric_selector(*mt);
    if (!m) {
      return write_error(resp, ErrorType::kBadData,
                         "invalid parameter \"match_target\": " + m.status().message());
    }
    target_matchers = std::move(m).value();
  }
  std::string data;
  JsonWriter w(data);
  w.begin_array();
  int64_t n = 0;
  if (deps_.targets) {
    for (const auto& [labels, families] : deps_.targets->target_metadata()) {
      // As Prometheus: the limit is checked per target, whose entries then all
      // go in.
      if (limit >= 0 && n >= limit) break;
      bool match =
          std::all_of(target_matchers.begin(), target_matchers.end(),
                      [&](const model::Matcher& m) { return m.matches(labels.get(m.name())); });
      if (!match) continue;
      for (const auto& [name, md] : families) {
        if (!metric.empty() && name != metric) continue;
        w.begin_object();
        w.key("target");
        write_labels(w, labels);
        if (metric.empty()) w.key("metric").string(name);
        w.key("type").string(md.type);
        w.key("help").string(md.help);
        w.key("unit").string(md.unit);
        w.end_object();
        ++n;
      }
    }
  }
  w.end_array();
  write_success(resp, data);
}

void ApiV1::metadata(const HttpRequest& req, HttpResponse& resp) {
  Params p = Params::from_request(req);
  int64_t limit, per_metric;
  if (!parse_signed_limit(p, "limit", &limit, resp) ||
      !parse_signed_limit(p, "limit_per_metric", &per_metric, resp)) {
    return;
  }
  std::string metric = p.get("metric").value_or("");
  // Metric name -> distinct metadata, across targets.
  std::map<std::string, std::vector<scraper::MetricMetadata>> all;
  if (deps_.targets) {
    for (const auto& [labels, families] : deps_.targets->target_metadata()) {
      for (const auto& [name, md] : families) {
        if (!metric.empty() && name != metric) continue;
        auto& v = all[name];
        if (std::find(v.begin(), v.end(), md) == v.end()) v.push_back(md);
      }
    }
  }
  std::string data;
  JsonWriter w(data);
  w.begin_object();
  int64_t n = 0;
  for (const auto& [name, mds] : all) {
    if (limit >= 0 && n >= limit) break;
    w.key(name).begin_array();
    int64_t k = 0;
    for (const auto& md : mds) {
      if (per_metric > 0 && k >= per_metric) break;
      w.begin_object();
      w.key("type").string(md.type);
      w.key("help").string(md.help);
      w.key("unit").string(md.unit);
      w.end_object();
      ++k;
    }
    w.end_array();
    ++n;
  }
  w.end_object();
  write_success(resp, data);
}

void ApiV1::buildinfo(const HttpRequest&, HttpResponse& resp) {
  // A Prometheus 3.x version, and no "features" key: Grafana then treats the
  // server as Prometheus (a features key would make it Mimir).
  const BuildInfo& b = deps_.build;
  std::string data;
  JsonWriter w(data);
  w.begin_object();
  w.key("version").string(b.version);
  w.key("revision").string(b.revision);
  w.key("branch").string(b.branch);
  w.key("buildUser").string(b.build_user);
  w.key("buildDate").string(b.build_date);
  w.key("goVersion").string(b.compiler);
  w.key("promliteVersion").string(b.promlite_version);
  w.end_object();
  write_success(resp, data);
}

void ApiV1::runtimeinfo(const HttpRequest&, HttpResponse& resp) {
  const RuntimeInfo& r = deps_.runtime;
  std::string data;
  JsonWriter w(data);
  w.begin_object();
  w.key("startTime").string(rfc3339_from_ms(r.start_time));
  w.key("CWD").string(r.cwd);
  w.key("reloadConfigSuccess").boolean(r.reload_config_success ? r.reload_config_success() : true);
  w.key("lastConfigTime").string(rfc3339_from_ms(r.last_config_time ? r.last_config_time() : 0));
  w.key("corruptionCount").int64(0);
  w.key("goroutineCount").int64(0);
  w.key("GOMAXPROCS").int64(static_cast<int64_t>(std::thread::hardware_concurrency()));
  w.key("GOMEMLIMIT").int64(0);
  w.key("GOGC").string("");
  w.key("GODEBUG").string("");
  w.key("storageRetention").string(r.storage_retention);
  w.end_object();
  write_success(resp, data);
}

void ApiV1::flags(const HttpRequest&, HttpResponse& resp) {
  std::string data;
  JsonWriter w(data);
  w.begin_object();
  for (const auto& [k, v] : deps_.flags) w.key(k).string(v);
  w.end_object();
  write_success(resp, data);
}

void ApiV1::status_config(const HttpRequest&, HttpResponse& resp) {
  auto cfg = deps_.config ? deps_.config() : nullptr;
  std::string data;
  JsonWriter w(data);
  w.begin_object();
  w.key("yaml").string(cfg ? cfg->source : "");
  w.end_object();
  write_success(resp, data);
}

}  // namespace promlite::api
