#include "api/federate.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "api/params.h"
#include "query/parser.h"

namespace promlite::api {

std::string format_go_float(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  // Shortest round-trip digits and the decimal exponent.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, r.ptr);  // e.g. "-1.2345e+06"
  size_t e = sci.find('e');
  int exp = std::atoi(sci.c_str() + e + 1);
  // %e when the exponent is < -4 or >= 6 (Go's rule for shortest 'g').
  if (exp < -4 || exp >= 6) {
    std::string mant = sci.substr(0, e);
    std::string out = mant + "e" + (exp < 0 ? "-" : "+");
    int a = std::abs(exp);
    if (a < 10) out += "0";
    return out + std::to_string(a);
  }
  r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

FederateHandler::FederateHandler(tsdb::Queryable& storage,
                                 std::function<std::shared_ptr<const config::Config>()> config,
                                 model::Duration lookback_delta,
                                 std::function<model::Timestamp()> now)
    : storage_(storage),
      config_(std::move(config)),
      lookback_(lookback_delta),
      now_(now ? std::move(now) : [] { return model::now_ms(); }) {}

void FederateHandler::register_routes(Router& router) {
  router.handle(
      "/federate", {http::verb::get},
      [this](const HttpRequest& req, HttpResponse& resp) { handle(req, resp); },
      Execution::kWorkerPool);
}

namespace {

void append_label(std::string& out, std::string_view name, std::string_view value, bool first) {
  if (!first) out.push_back(',');
  out.append(name);
  out.append("=\"");
  for (char c : value) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '"') {
      out.append("\\\"");
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

void FederateHandler::handle(const HttpRequest& req, HttpResponse& resp) {
  Params p = Params::from_request(req);
  std::vector<model::Matchers> sets;
  for (const auto& s : p.get_all("match[]")) {
    auto m = query::parse_metric_selector(s);
    if (!m) {
      resp.status = 400;
      resp.body = m.status().message() + "\n";
      return;
    }
    sets.push_back(std::move(m).value());
  }
  const model::Timestamp maxt = now_();
  const model::Timestamp mint = maxt - lookback_;
  auto q = storage_.querier(mint, maxt);
  if (!q) {
    resp.status = 500;
    resp.body = q.status().message() + "\n";
    return;
  }
  tsdb::SelectHints hints;
  hints.start = mint;
  hints.end = maxt;
  // Newest non-stale sample of each series, by metric name then labels (so
  // that families stay together whatever the other label names are).
  auto by_name = [](const model::Labels& a, const model::Labels& b) {
    int c = a.metric_name().compare(b.metric_name());
    return c != 0 ? c < 0 : model::Labels::compare(a, b) < 0;
  };
  std::map<model::Labels, model::Sample, decltype(by_name)> latest(by_name);
  for (const auto& set : sets) {
    auto ss = (*q)->select(false, &hints, set);
    while (ss->next()) {
      const tsdb::Series& s = ss->at();
      if (latest.count(s.labels())) continue;
      auto it = s.iterator();
      bool have = false;
      model::Sample last;
      while (it->next()) {
        model::Sample x = it->at();
        if (x.t > maxt) break;
        last = x;
        have = true;
      }
      if (have && !model::is_stale_nan(last.v)) latest.emplace(s.labels(), last);
    }
  }
  model::Labels external;
  if (auto cfg = config_ ? config_() : nullptr) external = cfg->global.external_labels;
  std::string out;
  std::string_view family;
  for (const auto& [labels, sample] : latest) {
    std::string_view name = labels.metric_name();
    if (name != family || out.empty()) {
      out += "# TYPE ";
      out.append(name);
      out += " untyped\n";
      family = name;
    }
    out.append(name);
    out.push_back('{');
    bool first = true;
    std::set<std::string_view> used;
    for (model::Label l : labels) {
      if (l.name == model::kMetricName) continue;
      append_label(out, l.name, l.value, first);
      first = false;
      used.insert(l.name);
    }
    // External labels where the series has none of that name; instance="" too,
    // as Prometheus adds it to the external labels when absent.
    for (model::Label l : external) {
      if (used.count(l.name)) continue;
      append_label(out, l.name, l.value, first);
      first = false;
    }
    if (!used.count("instance") && external.get("instance").empty()) {
      append_label(out, "instance", "", first);
    }
    out += "} ";
    out += format_go_float(sample.v);
    out.push_back(' ');
    out += std::to_string(sample.t);
    out.push_back('\n');
  }
  resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
  resp.body = std::move(out);
}

}  // namespace promlite::api
