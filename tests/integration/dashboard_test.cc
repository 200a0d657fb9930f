// The Fluss & Flink Monitoring dashboard (deploy/grafana/) against the real
// binary: promlite scrapes fake Fluss, Flink and producer targets every second,
// and every query of the dashboard, of the seed document and of the provisioned
// consumer-lag alert is sent the way Grafana sends it and must return data. A
// metric renamed in the dashboard (or a query promlite cannot answer) fails
// here, naming the panel and the expression.
#include <gtest/gtest.h>
#include <re2/re2.h>
#include <signal.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/integration/dashboard_targets.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/process.h"

namespace promlite {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kDeploy = fs::path(PROMLITE_SOURCE_DIR) / "deploy";
const fs::path kDashboard = kDeploy / "grafana/fluss-flink-dashboard.json";
const fs::path kAlertRules = kDeploy / "grafana/provisioning/alerting/consumer-lag.yaml";
const fs::path kSeed = fs::path(PROMLITE_SHARED_DIR) / "seed/fluss-flink-monitoring-setup.md";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// --- What Grafana does to a query before sending it. ---

// A duration as Grafana writes it into a query: "4s", "1m", "1m30s", "250ms".
std::string grafana_duration(int64_t ms) {
  std::string out;
  for (auto [unit, size] : {std::pair{"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}}) {
    if (ms >= size) {
      out += std::to_string(ms / size) + unit;
      ms %= size;
    }
  }
  return out.empty() ? "0s" : out;
}

// The time context of one panel refresh.
struct PanelTime {
  int64_t scrape_interval_ms = 1000;  // the data source's "timeInterval"
  int64_t interval_ms = 1000;         // $__interval: range / max data points, at least the above
  int64_t range_ms = 30000;           // the dashboard's time range
};

// Grafana's built-in variables for the Prometheus data source.
std::map<std::string, std::string> builtin_variables(const PanelTime& t) {
  // $__rate_interval: max($__interval + scrape interval, 4 * scrape interval).
  int64_t rate = std::max(t.interval_ms + t.scrape_interval_ms, 4 * t.scrape_interval_ms);
  return {{"__interval", grafana_duration(t.interval_ms)},
          {"__interval_ms", std::to_string(t.interval_ms)},
          {"__rate_interval", grafana_duration(rate)},
          {"__rate_interval_ms", std::to_string(rate)},
          {"__range", grafana_duration(t.range_ms)},
          {"__range_s", std::to_string(t.range_ms / 1000)},
          {"__range_ms", std::to_string(t.range_ms)}};
}

std::string regex_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// The dashboard's template variables as they would be substituted: "All" (or
// several values) becomes the regex-all ".*" (or the variable's allValue), a
// single value of a multi/all variable is regex-escaped, as Grafana does for
// Prometheus.
std::map<std::string, std::string> template_variables(const json& dash) {
  std::map<std::string, std::string> out;
  if (!dash.contains("templating")) return out;
  for (const json& v : dash["templating"].value("list", json::array())) {
    std::string name = v.value("name", "");
    std::string type = v.value("type", "");
    if (name.empty() || type == "datasource" || type == "adhoc") continue;
    json cur =
        v.contains("current") && v["current"].contains("value") ? v["current"]["value"] : json();
    if (cur.is_array()) cur = cur.size() == 1 ? cur[0] : json("$__all");
    std::string value = cur.is_string() ? cur.get<std::string>() : v.value("query", "");
    bool regex = v.value("multi", false) || v.value("includeAll", false);
    if (value == "$__all" || value.empty()) {
      std::string all = v.contains("allValue") && v["allValue"].is_string()
                            ? v["allValue"].get<std::string>()
                            : std::string();
      out[name] = all.empty() ? ".*" : all;
    } else {
      out[name] = regex ? regex_escape(value) : value;
    }
  }
  return out;
}

// Substitutes $name, ${name}, ${name:format} and [[name]]; names it does not
// know are left in place and reported in *unknown.
std::string interpolate(const std::string& expr, const std::map<std::string, std::string>& vars,
                        std::vector<std::string>* unknown) {
  static const RE2 kVar(R"(\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+))");
  std::string out;
  re2::StringPiece m[4];
  size_t pos = 0;
  while (pos < expr.size() && kVar.Match(expr, pos, expr.size(), RE2::UNANCHORED, m, 4)) {
    auto start = static_cast<size_t>(m[0].data() - expr.data());
    std::string name(m[1].data() ? m[1] : m[2].data() ? m[2] : m[3]);
    out.append(expr, pos, start - pos);
    auto v = vars.find(name);
    if (v != vars.end()) {
      out += v->second;
    } else {
      out.append(m[0].data(), m[0].size());
      unknown->push_back(name);
    }
    pos = start + m[0].size();
  }
  if (pos < expr.size()) out.append(expr, pos, std::string::npos);
  return out;
}

// Every first submatch of `re` in `text`.
std::vector<std::string> all_matches(const RE2& re, const std::string& text) {
  std::vector<std::string> out;
  re2::StringPiece m[2];
  size_t pos = 0;
  while (pos < text.size() && re.Match(text, pos, text.size(), RE2::UNANCHORED, m, 2)) {
    out.emplace_back(m[1].data(), m[1].size());
    pos = static_cast<size_t>(m[0].data() - text.data()) + std::max<size_t>(m[0].size(), 1);
  }
  return out;
}

// --- Reading the queries out of the files. ---

struct Query {
  std::string where;  // "panel 'Title' target A", for messages
  std::string expr;
};

// Every Prometheus target of every panel, rows' nested panels (collapsed rows)
// and old-style `rows` included. Targets of expression data sources are skipped.
void collect_panel_queries(const json& panels, std::vector<Query>* out) {
  for (const json& p : panels) {
    if (p.contains("panels")) collect_panel_queries(p["panels"], out);
    for (const json& t : p.value("targets", json::array())) {
      if (t.contains("datasource") && t["datasource"].is_object() &&
          t["datasource"].value("uid", "") == "__expr__") {
        continue;
      }
      out->push_back({"panel '" + p.value("title", "") + "' target " + t.value("refId", "?"),
                      t.value("expr", "")});
    }
  }
}

std::vector<Query> dashboard_queries(const json& dash) {
  std::vector<Query> out;
  collect_panel_queries(dash.value("panels", json::array()), &out);
  for (const json& row : dash.value("rows", json::array())) {
    collect_panel_queries(row.value("panels", json::array()), &out);
  }
  return out;
}

// The seed's PromQL: its ```promql blocks and the "Rate: `...`" lines.
std::vector<Query> seed_queries(const std::string& md) {
  std::vector<Query> out;
  static const RE2 kBlock(R"(```promql\n([^`]*)```)");
  for (std::string e : all_matches(kBlock, md)) {
    while (!e.empty() && std::isspace(static_cast<unsigned char>(e.back()))) e.pop_back();
    out.push_back({"seed promql block", e});
  }
  static const RE2 kRate(R"(Rate: `([^`]+)`)");
  for (const std::string& e : all_matches(kRate, md)) out.push_back({"seed 'Rate:' line", e});
  return out;
}

// A Grafana-managed alert rule: Prometheus queries, then reduce and threshold
// expressions over them, `condition` naming the one that decides.
struct AlertRule {
  std::string title;
  std::string condition;
  std::map<std::string, YAML::Node> data;  // refId -> model
  std::map<std::string, bool> is_query;    // refId -> a Prometheus query
};

std::vector<AlertRule> alert_rules(const YAML::Node& file) {
  std::vector<AlertRule> out;
  for (const auto& group : file["groups"]) {
    for (const auto& rule : group["rules"]) {
      AlertRule r{rule["title"].as<std::string>(), rule["condition"].as<std::string>(), {}, {}};
      for (const auto& d : rule["data"]) {
        std::string ref = d["refId"].as<std::string>();
        r.data[ref] = d["model"];
        r.is_query[ref] = d["datasourceUid"].as<std::string>() != "__expr__";
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

// --- Talking to promlite as Grafana does. ---

std::string seconds(double t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", t);
  return buf;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Answer {
  std::string sent;  // the request line and body, for messages
  testutil::HttpResult http;
  json body;            // null when not JSON
  std::string problem;  // empty when the answer is a success holding a finite value
};

// POSTs a form as Grafana's Prometheus data source does (httpMethod: POST).
Answer post(uint16_t port, const std::string& path, const std::string& form,
            const char* result_type, bool want_data) {
  Answer a;
  a.sent = "POST " + path + " " + form;
  a.http = testutil::http_request(
      port, "POST", path, form,
      {{"Content-Type", "application/x-www-form-urlencoded"}, {"User-Agent", "Grafana/12.0.0"}});
  a.body = json::parse(a.http.body, nullptr, false);
  if (a.http.status != 200) {
    a.problem = "HTTP " + std::to_string(a.http.status);
  } else if (a.body.is_discarded() || a.body.value("status", "") != "success") {
    a.problem = "status is not success";
  } else if (a.body["data"].value("resultType", "") != result_type) {
    a.problem = std::string("resultType is not ") + result_type;
  } else if (want_data) {
    const json& result = a.body["data"]["result"];
    bool finite = false;
    for (const json& s : result) {
      std::vector<json> points = s.contains("values") ? s["values"].get<std::vector<json>>()
                                                      : std::vector<json>{s["value"]};
      for (const json& p : points) finite |= std::isfinite(std::stod(p[1].get<std::string>()));
    }
    if (result.empty())
      a.problem = "no data (empty result)";
    else if (!finite)
      a.problem = "only NaN/Inf values";
  }
  return a;
}

Answer instant_query(uint16_t port, const std::string& expr, double t, bool want_data = true) {
  return post(port, "/api/v1/query", "query=" + testutil::url_encode(expr) + "&time=" + seconds(t),
              "vector", want_data);
}

Answer range_query(uint16_t port, const std::string& expr, int64_t start, int64_t end,
                   int64_t step) {
  return post(port, "/api/v1/query_range",
              "query=" + testutil::url_encode(expr) + "&start=" + std::to_string(start) +
                  "&end=" + std::to_string(end) + "&step=" + std::to_string(step),
              "matrix", true);
}

std::string explain(const std::string& where, const std::string& expr, const Answer& a) {
  return where + "\n  expr:   " + expr + "\n  sent:   " + a.sent + "\n  answer: " + a.problem +
         " -- " + std::to_string(a.http.status) + " " + a.http.body.substr(0, 600);
}

std::vector<double> values_of(const Answer& a) {
  std::vector<double> out;
  if (!a.problem.empty() && a.problem != "no data (empty result)") return out;
  for (const json& s : a.body["data"]["result"]) {
    out.push_back(std::stod(s["value"][1].get<std::string>()));
  }
  return out;
}

// --- The shared setup: targets, promlite, enough scrapes for rate(). ---

class DashboardQueries : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    targets_ = new integration::FlussFlinkTargets();
    dir_ = testutil::make_temp_dir("promlite-dashboard-it");
    std::ofstream cfg(dir_ + "/prometheus.yml");
    cfg << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n";
    for (const auto& job : targets_->jobs()) {
      cfg << "  - job_name: " << job.name << "\n    static_configs:\n      - targets: [";
      for (size_t i = 0; i < job.addresses.size(); ++i) {
        cfg << (i ? ", '" : "'") << job.addresses[i] << "'";
      }
      cfg << "]\n";
    }
    cfg.close();
    proc_ = new testutil::PromliteProcess(
        {"--config.file=" + dir_ + "/prometheus.yml", "--storage.tsdb.path=" + dir_ + "/data"});
    if (!proc_->started()) {
      setup_error_ = "promlite did not start\n" + proc_->log();
      return;
    }
    // Three scrapes of every target, all up: rate() then has at least two
    // points in a $__rate_interval window at the newest whole second.
    const std::string ready =
        "count(count_over_time(up[1m]) >= 3) == " + std::to_string(targets_->num_targets()) +
        " and sum(up) == " + std::to_string(targets_->num_targets());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      Answer a = post(proc_->port(), "/api/v1/query",
                      "query=" + testutil::url_encode("scalar(" + ready + ")") +
                          "&time=" + seconds(now_seconds()),
                      "scalar", false);
      if (a.problem.empty() && a.body["data"]["result"][1] != "NaN") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    setup_error_ = "targets were not scraped 3 times within 15s\n" + proc_->log();
  }

  static void TearDownTestSuite() {
    if (proc_) {
      EXPECT_EQ(proc_->stop(SIGTERM), 0);
    }
    delete proc_;
    proc_ = nullptr;
    delete targets_;
    targets_ = nullptr;
    fs::remove_all(dir_);
  }

  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  uint16_t port() const { return proc_->port(); }

  // Sends `expr` as a range query over the last 30 s at a 1 s step and as an
  // instant query, both as a panel refresh would, and expects data from both.
  void expect_data(const Query& q, const std::map<std::string, std::string>& vars) {
    std::vector<std::string> unknown;
    std::string expr = interpolate(q.expr, vars, &unknown);
    EXPECT_TRUE(unknown.empty()) << q.where << ": unknown variable $" << unknown[0];
    ASSERT_FALSE(expr.empty()) << q.where << " has no expr";
    auto end = static_cast<int64_t>(now_seconds());
    Answer r = range_query(port(), expr, end - 30, end, 1);
    EXPECT_EQ(r.problem, "") << explain(q.where, expr, r);
    Answer i = instant_query(port(), expr, static_cast<double>(end));
    EXPECT_EQ(i.problem, "") << explain(q.where, expr, i);
  }

  static std::map<std::string, std::string> variables(const json& dash) {
    auto vars = builtin_variables(PanelTime{});  // 1 s scrapes, 30 s range at 1 s steps
    for (auto& [k, v] : template_variables(dash)) vars[k] = v;
    return vars;
  }

  // Polls until the newest lag of subtask 0 reads `lag`; returns that time.
  double wait_for_lag(double lag) {
    const std::string sel =
        "flink_taskmanager_job_task_operator_fluss_consumer_lag{subtask_index=\"0\"}";
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      double t = now_seconds();
      auto v = values_of(instant_query(port(), sel, t));
      if (v.size() == 1 && v[0] == lag) return t;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "the lag " << lag << " was not scraped within 5s";
    return now_seconds();
  }

  // Evaluates a rule as Grafana does: its queries at `t` (instant), reduce
  // (one point per series, so every reducer keeps it), threshold per series.
  bool fires(const AlertRule& rule, double t) {
    std::map<std::string, std::vector<double>> values;
    std::function<std::vector<double>(const std::string&)> eval = [&](const std::string& ref) {
      if (values.count(ref)) return values[ref];
      const YAML::Node& m = rule.data.at(ref);
      std::vector<double> v;
      if (rule.is_query.at(ref)) {
        Answer a = instant_query(port(), m["expr"].as<std::string>(), t);
        EXPECT_EQ(a.problem, "") << explain(rule.title, m["expr"].as<std::string>(), a);
        v = values_of(a);
      } else if (m["type"].as<std::string>() == "reduce") {
        v = eval(m["expression"].as<std::string>());
      } else if (m["type"].as<std::string>() == "threshold") {
        const YAML::Node ev = m["conditions"][0]["evaluator"];
        std::string op = ev["type"].as<std::string>();
        double limit = ev["params"][0].as<double>();
        EXPECT_TRUE(op == "gt" || op == "lt") << "threshold type " << op << " not evaluated here";
        for (double x : eval(m["expression"].as<std::string>())) {
          v.push_back((op == "gt" ? x > limit : x < limit) ? 1 : 0);
        }
      } else {
        ADD_FAILURE() << rule.title << ": expression type " << m["type"] << " not evaluated here";
      }
      return values[ref] = v;
    };
    for (double x : eval(rule.condition)) {
      if (x != 0) return true;
    }
    return false;
  }

  static inline integration::FlussFlinkTargets* targets_ = nullptr;
  static inline testutil::PromliteProcess* proc_ = nullptr;
  static inline std::string dir_;
  static inline std::string setup_error_;
};

TEST_F(DashboardQueries, EveryPanelTargetReturnsData) {
  json dash = json::parse(slurp(kDashboard));
  std::vector<Query> queries = dashboard_queries(dash);
  // 9 panels in 3 rows; the latency panel has p95 and p99.
  ASSERT_GE(queries.size(), 10u) << "the dashboard lost panels";
  auto vars = variables(dash);
  for (const Query& q : queries) expect_data(q, vars);
}

TEST_F(DashboardQueries, SeedQueriesReturnData) {
  std::vector<Query> queries = seed_queries(slurp(kSeed));
  ASSERT_GE(queries.size(), 6u) << "missing " << kSeed;
  for (const Query& q : queries) expect_data(q, {});
}

TEST_F(DashboardQueries, ConsumerLagAlertFiresAboveTenThousandRecords) {
  auto rules = alert_rules(YAML::LoadFile(kAlertRules.string()));
  ASSERT_EQ(rules.size(), 1u);
  const AlertRule& rule = rules[0];
  const YAML::Node threshold = rule.data.at(rule.condition);
  ASSERT_EQ(threshold["type"].as<std::string>(), "threshold");
  double limit = threshold["conditions"][0]["evaluator"]["params"][0].as<double>();
  EXPECT_EQ(limit, 10000);
  // The lag panel draws its red threshold at the same value.
  json dash = json::parse(slurp(kDashboard));
  std::vector<double> steps;
  std::function<void(const json&)> scan = [&](const json& panels) {
    for (const json& p : panels) {
      if (p.contains("panels")) scan(p["panels"]);
      for (const json& t : p.value("targets", json::array())) {
        if (t.value("expr", "").find("consumer_lag") == std::string::npos) continue;
        for (const json& s : p.at("fieldConfig").at("defaults").at("thresholds").at("steps")) {
          if (s["value"].is_number()) steps.push_back(s["value"].get<double>());
        }
      }
    }
  };
  scan(dash["panels"]);
  EXPECT_EQ(steps, std::vector<double>{limit});

  std::string query;
  for (const auto& [ref, is_query] : rule.is_query) {
    if (is_query) query = rule.data.at(ref)["expr"].as<std::string>();
  }
  ASSERT_FALSE(query.empty());
  // The same condition as a Prometheus alerting rule would write it.
  const std::string promql = "(" + query + ") > " + seconds(limit);

  targets_->set_consumer_lag(25000);
  double t = wait_for_lag(25000);
  EXPECT_TRUE(fires(rule, t)) << "lag 25000 does not fire " << rule.title;
  Answer a = instant_query(port(), promql, t);
  EXPECT_EQ(a.problem, "") << explain(rule.title, promql, a);

  targets_->set_consumer_lag(800);
  t = wait_for_lag(800);
  EXPECT_FALSE(fires(rule, t)) << "lag 800 fires " << rule.title;
  a = instant_query(port(), promql, t, /*want_data=*/false);
  EXPECT_EQ(a.problem, "") << explain(rule.title, promql, a);
  EXPECT_EQ(a.body["data"]["result"], json::array()) << explain(rule.title, promql, a);
}

// The extraction and substitution themselves, on a dashboard using what ours
// does not (yet): collapsed rows, template variables, Grafana's built-ins.
TEST(DashboardJson, NestedPanelsAndGrafanaVariables) {
  json dash = json::parse(R"json({
    "templating": {"list": [
      {"name": "job", "type": "query", "includeAll": true, "multi": true,
       "current": {"value": ["$__all"]}},
      {"name": "ns", "type": "custom", "multi": true, "current": {"value": ["fluss.prod"]}},
      {"name": "instance", "type": "custom", "current": {"value": "fluss-0:9249"}},
      {"name": "ds", "type": "datasource", "query": "prometheus"}]},
    "panels": [
      {"type": "row", "title": "r", "collapsed": true, "panels": [
        {"title": "nested", "targets": [{"refId": "A",
          "expr": "rate(x{job=~\"$job\",namespace=~\"${ns:regex}\",instance=\"[[instance]]\"}[$__rate_interval])"}]}]},
      {"title": "top", "targets": [
        {"refId": "A", "expr": "sum_over_time(y[$__range]) / $__interval_ms + $nope"},
        {"refId": "B", "datasource": {"uid": "__expr__"}, "type": "math", "expression": "$A"}]}]
  })json");
  std::vector<Query> q = dashboard_queries(dash);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].where, "panel 'nested' target A");
  EXPECT_EQ(q[1].where, "panel 'top' target A");

  auto vars = builtin_variables(PanelTime{});
  for (auto& [k, v] : template_variables(dash)) vars[k] = v;
  std::vector<std::string> unknown;
  EXPECT_EQ(interpolate(q[0].expr, vars, &unknown),
            R"(rate(x{job=~".*",namespace=~"fluss\.prod",instance="fluss-0:9249"}[4s]))");
  EXPECT_TRUE(unknown.empty());
  EXPECT_EQ(interpolate(q[1].expr, vars, &unknown), "sum_over_time(y[30s]) / 1000 + $nope");
  EXPECT_EQ(unknown, std::vector<std::string>{"nope"});

  // A 15 s scrape interval over one hour: $__rate_interval = 4 * 15 s.
  auto hour =
      builtin_variables({.scrape_interval_ms = 15000, .interval_ms = 15000, .range_ms = 3600000});
  EXPECT_EQ(hour["__rate_interval"], "1m");
  EXPECT_EQ(hour["__range"], "1h");
  EXPECT_EQ(
      builtin_variables({.scrape_interval_ms = 15000, .interval_ms = 90000})["__rate_interval"],
      "1m45s");
}

TEST(DashboardJson, SeedAndAlertFilesYieldTheirQueries) {
  std::vector<Query> seed = seed_queries(slurp(kSeed));
  ASSERT_FALSE(seed.empty());
  EXPECT_EQ(seed[0].expr, "sum(rate(fluss_client_writer_records_total[5m])) by (instance)");
  auto rules = alert_rules(YAML::LoadFile(kAlertRules.string()));
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].condition, "C");
  EXPECT_TRUE(rules[0].is_query.at("A"));
  EXPECT_FALSE(rules[0].is_query.at("C"));
}

}  // namespace
}  // namespace promlite
