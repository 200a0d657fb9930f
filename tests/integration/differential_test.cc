// Differential test: the same synthetic data (differential_data.h) loaded into
// a real Prometheus (backfilled with promtool) and into promlite (through its
// remote-write receiver), then a few hundred queries (a hand-written table
// plus generated families covering every function, aggregation and operator
// both versions have) run on both through /api/v1/query (one of three times
// per query, in turn) and /api/v1/query_range, by four client threads;
// results compared (labels exactly, values within 1e-9 relative, NaN == NaN).
// PROMLITE_DIFFERENTIAL_VERBOSE=1 prints per-request timings and both
// answers of a mismatch.
//
// Debian's Prometheus is 2.42; promlite answers as Prometheus 3. Query and
// sample times never coincide (see differential_data.h), so the 2.x/3.x
// difference in window boundaries does not show. Remaining differences
// between the versions are listed per query in `known` with the reason.
//
// Skipped when `prometheus` / `promtool` are not installed
// (scripts/setup.sh --test installs them).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/differential_compare.h"
#include "tests/integration/differential_data.h"
#include "tests/integration/differential_prometheus.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/process.h"
#include "tests/testutil/remote_write_encoder.h"

namespace promlite {
namespace {

using differential::DataSet;

struct Case {
  std::string query;
  std::string known = "";  // why the versions differ, when they do
};

// `@T` in a query stands for a fixed time inside the data (seconds).
const Case kCases[] = {
    // Selectors.
    {"diff_temperature"},
    {"diff_requests_total{method=\"GET\", instance=~\"i[0-3]\"}"},
    {"diff_temperature{zone!~\"z1\", job!=\"db\"}"},
    {"{__name__=~\"diff_temp.*\", job=\"api\"}"},
    {"diff_flaky"},
    {"diff_nan_gauge"},
    {"diff_temperature offset 10m"},
    {"diff_temperature offset -5m"},
    {"diff_temperature @ @T"},
    {"diff_requests_total{job=\"web\"} @ end()"},
    {"diff_requests_total{job=\"db\"} @ start() offset 1m"},
    // Counter functions.
    {"rate(diff_requests_total[5m])"},
    {"rate(diff_requests_total[1m])"},
    {"irate(diff_requests_total[5m])"},
    {"increase(diff_requests_total[10m])"},
    {"increase(diff_latency_seconds_count[30m])"},
    {"resets(diff_requests_total[30m])"},
    {"rate(diff_requests_total[5m] offset 10m)"},
    {"rate(diff_cpu_seconds_total{mode=\"user\"}[2m] @ @T)"},
    // Gauge functions.
    {"delta(diff_temperature[10m])"},
    {"idelta(diff_temperature[5m])"},
    {"deriv(diff_temperature[10m])"},
    {"predict_linear(diff_temperature[30m], 600)"},
    {"changes(diff_temperature[30m])"},
    {"changes(diff_nan_gauge[30m])"},
    // *_over_time.
    {"avg_over_time(diff_temperature[10m])"},
    {"min_over_time(diff_temperature[10m])"},
    {"max_over_time(diff_nan_gauge[10m])"},
    {"sum_over_time(diff_flaky[10m])"},
    {"count_over_time(diff_flaky[10m])"},
    {"stddev_over_time(diff_temperature[15m])"},
    {"stdvar_over_time(diff_temperature[15m])"},
    {"quantile_over_time(0.75, diff_temperature[10m])"},
    {"quantile_over_time(0.1, diff_flaky[20m])"},
    {"last_over_time(diff_flaky[10m])"},
    {"present_over_time(diff_flaky[10m])"},
    {"absent_over_time(diff_flaky{instance=\"i0\"}[5m])"},
    // Aggregations.
    {"sum by (job) (rate(diff_requests_total[5m]))"},
    {"sum without (instance) (rate(diff_requests_total[5m]))"},
    {"avg by (job) (diff_temperature)"},
    {"max by (job, zone) (diff_temperature)"},
    {"min(diff_temperature)"},
    {"count by (job) (diff_flaky)"},
    {"stddev by (job) (diff_temperature)"},
    {"stdvar(diff_temperature)"},
    {"group by (job) (diff_temperature)"},
    {"topk(3, diff_temperature)"},
    {"topk by (job) (2, rate(diff_requests_total[5m]))"},
    {"bottomk(2, rate(diff_requests_total[5m]))"},
    {"quantile(0.9, diff_temperature)"},
    {"quantile by (job) (0.5, rate(diff_cpu_seconds_total[5m]))"},
    {"count_values(\"v\", diff_flaky)"},
    {"count(count by (job) (diff_requests_total))"},
    {"sum(diff_nan_gauge)"},
    {"max(diff_nan_gauge)"},
    {"sum by (mode) (irate(diff_cpu_seconds_total[1m]))"},
    {"avg(diff_temperature) by (job) - min(diff_temperature) by (job)"},
    {"sort_desc(sum by (job) (rate(diff_requests_total[5m])))"},
    {"sort(avg by (instance) (diff_temperature))"},
    // Histograms.
    {"histogram_quantile(0.9, sum by (le) (rate(diff_latency_seconds_bucket[5m])))"},
    {"histogram_quantile(0.5, sum by (job, le) (rate(diff_latency_seconds_bucket[5m])))"},
    {"histogram_quantile(0.99, rate(diff_latency_seconds_bucket[10m]))"},
    {"histogram_quantile(0.25, sum by (le) (diff_latency_seconds_bucket))"},
    {"rate(diff_latency_seconds_sum[5m]) / rate(diff_latency_seconds_count[5m])"},
    // Labels.
    {"label_replace(diff_temperature, \"host\", \"h-$1\", \"instance\", \"i(.*)\")"},
    {"label_replace(rate(diff_requests_total[5m]), \"job\", \"\", \"job\", \"api\")"},
    {"label_join(diff_temperature, \"jz\", \"-\", \"job\", \"zone\")"},
    {"absent(diff_nonexistent{job=\"x\"})"},
    {"absent(diff_temperature)"},
    // Binary operators.
    {"diff_temperature * 2 + 1"},
    {"diff_temperature > 22"},
    {"diff_temperature > bool 22"},
    {"-diff_temperature ^ 2 % 7"},
    {"2 ^ 3 ^ 2 - 1 / 4"},
    {"rate(diff_requests_total[5m]) > bool 0.5"},
    {"rate(diff_requests_total{method=\"GET\"}[5m]) / ignoring (method) "
     "rate(diff_requests_total{method=\"POST\"}[5m])"},
    {"rate(diff_requests_total[5m]) * on (job, instance) group_left (version) diff_instance_info"},
    {"diff_instance_info * on (job, instance) group_right sum by (job, instance) "
     "(diff_temperature)"},
    {"sum by (job, instance) (diff_temperature) / on (job, instance) "
     "sum by (job, instance) (diff_flaky)"},
    {"diff_temperature and on (job, instance) diff_flaky"},
    {"diff_flaky or on (job, instance) diff_instance_info"},
    {"diff_temperature unless on (instance) diff_flaky"},
    {"sum(diff_temperature) / count(diff_temperature)"},
    {"diff_temperature == bool on (job, instance) group_left max by (job, instance) "
     "(diff_temperature)"},
    {"time() - timestamp(diff_temperature)"},
    // Subqueries.
    {"max_over_time(rate(diff_requests_total[5m])[30m:1m])"},
    {"avg_over_time(diff_temperature[10m:30s])"},
    {"min_over_time(diff_temperature[5m:1m] offset 10m)"},
    {"deriv(sum(diff_temperature)[15m:2m])"},
    {"sum_over_time(sum by (job) (diff_flaky)[20m:1m])"},
    // Scalars and math.
    {"time()"},
    {"vector(1)"},
    {"scalar(diff_temperature{instance=\"i0\", zone=\"z0\", job=\"api\"})"},
    {"scalar(diff_temperature)"},
    {"clamp(diff_temperature, 18, 24)"},
    {"clamp_min(diff_temperature, 21)"},
    {"clamp_max(diff_temperature, 21)"},
    {"abs(deriv(diff_temperature[10m]))"},
    {"ceil(diff_temperature)"},
    {"floor(diff_temperature)"},
    {"round(diff_temperature, 0.5)"},
    {"sqrt(diff_temperature)"},
    {"exp(diff_temperature / 10)"},
    {"ln(diff_temperature)"},
    {"log2(diff_temperature)"},
    {"log10(diff_temperature)"},
    {"sgn(delta(diff_temperature[10m]))"},
    {"sin(diff_temperature) + cos(diff_temperature)"},
    {"hour(timestamp(diff_temperature))"},
    {"minute() + day_of_week() + days_in_month() + month() + year()"},
};

// Families of queries over every function and operator 2.42 shares with
// Prometheus 3 (2.42 has no limitk, limit_ratio, sort_by_label, info,
// mad_over_time, ts_of_*; holt_winters was renamed): the hand-written table
// plus these, without duplicates.
std::vector<Case> all_cases() {
  std::vector<Case> out(std::begin(kCases), std::end(kCases));
  std::set<std::string> seen;
  for (const Case& c : out) seen.insert(c.query);
  std::vector<std::string> gen;
  auto add = [&](std::string q) { gen.push_back(std::move(q)); };
  // Range functions over gauges, with gaps and NaN.
  for (const char* f :
       {"avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
        "last_over_time", "present_over_time", "stddev_over_time", "stdvar_over_time", "delta",
        "idelta", "deriv", "changes", "resets"}) {
    for (const char* m : {"diff_temperature", "diff_flaky", "diff_nan_gauge"}) {
      for (const char* r : {"3m", "17m"}) add(std::string(f) + "(" + m + "[" + r + "])");
    }
  }
  // Counter functions.
  for (const char* f : {"rate", "irate", "increase"}) {
    for (const char* m : {"diff_requests_total", "diff_cpu_seconds_total{mode=\"idle\"}",
                          "diff_latency_seconds_count"}) {
      for (const char* r : {"2m", "7m30s"}) add(std::string(f) + "(" + m + "[" + r + "])");
    }
  }
  for (const char* q : {"0", "0.25", "0.5", "0.99", "1"}) {
    add(std::string("quantile_over_time(") + q + ", diff_temperature[10m])");
  }
  add("quantile_over_time(0.5, diff_nan_gauge[30m])");
  add("predict_linear(diff_temperature[10m], -300)");
  add("predict_linear(diff_requests_total[15m], 3600)");
  add("absent_over_time(diff_temperature[5m])");
  add("absent_over_time(diff_flaky{job=\"db\"}[1m])");
  add("absent_over_time(diff_nonexistent{job=\"x\", instance=~\"a.*\"}[10m])");
  add("absent(diff_flaky{instance=\"i1\", job=\"api\"})");
  add("absent(nonexistent_metric{job=\"a\", job=\"b\"})");
  // Aggregations.
  for (const char* op : {"sum", "avg", "count", "min", "max", "stddev", "stdvar", "group"}) {
    for (const char* g : {"", " by (job)", " without (instance)", " by (job, zone)"}) {
      for (const char* in : {"diff_temperature", "rate(diff_cpu_seconds_total[5m])"}) {
        add(std::string(op) + g + " (" + in + ")");
      }
    }
  }
  for (const char* op : {"topk", "bottomk"}) {
    for (const char* k : {"1", "5"}) {
      for (const char* g : {"", " by (job)"}) {
        for (const char* in : {"diff_temperature", "rate(diff_cpu_seconds_total[5m])"}) {
          add(std::string(op) + g + " (" + k + ", " + in + ")");
        }
      }
    }
  }
  for (const char* q : {"0.1", "0.5", "0.95"}) {
    add(std::string("quantile(") + q + ", diff_temperature)");
    add(std::string("quantile without (instance, zone) (") + q + ", diff_flaky)");
  }
  add("count_values by (job) (\"value\", diff_flaky)");
  add("count_values(\"t\", floor(diff_temperature / 4))");
  add("sum by (job) (count_values without (instance) (\"v\", diff_flaky))");
  // Math and date functions.
  for (const char* f : {"abs",  "ceil", "floor", "exp",   "ln",    "log2", "log10", "sqrt",
                        "sgn",  "sin",  "cos",   "tan",   "asin",  "acos", "atan",  "sinh",
                        "cosh", "tanh", "asinh", "acosh", "atanh", "deg",  "rad",   "round"}) {
    add(std::string(f) + "((diff_temperature - 20) / 10)");
  }
  add("round(diff_temperature / 3, 0.25)");
  add("clamp(diff_temperature, 24, 18)");
  add("clamp_min(diff_nan_gauge, 22)");
  add("pi() * diff_temperature");
  for (const char* f : {"minute", "hour", "day_of_month", "day_of_week", "day_of_year",
                        "days_in_month", "month", "year"}) {
    add(std::string(f) + "(timestamp(diff_flaky))");
    add(std::string(f) + "()");
  }
  // Binary operators: arithmetic, comparisons (filtering and bool), matching.
  for (const char* op : {"+", "-", "*", "/", "%", "^", "atan2"}) {
    add(std::string("diff_temperature{zone=\"z0\"} ") + op +
        " ignoring (zone) diff_temperature{zone=\"z1\"}");
    add(std::string("diff_temperature ") + op + " 1.5");
  }
  for (const char* op : {"==", "!=", ">", "<", ">=", "<="}) {
    add(std::string("diff_flaky ") + op + " 50");
    add(std::string("diff_flaky ") + op + " bool 50");
    add(std::string("50 ") + op + " diff_flaky");
    add(std::string("diff_temperature{zone=\"z0\"} ") + op +
        " on (job, instance) diff_temperature{zone=\"z1\"}");
    add(std::string("scalar(diff_flaky{instance=\"i0\", job=\"web\"}) ") + op + " bool 50");
  }
  add("diff_temperature * on (job, instance) group_left (version) diff_instance_info");
  add("diff_temperature + ignoring (zone, version) group_left diff_instance_info");
  add("diff_instance_info * on (job, instance) group_right (version) diff_temperature");
  add("sum by (job, instance) (diff_flaky) / on (job) group_left sum by (job) (diff_flaky)");
  add("rate(diff_requests_total[5m]) / on (job, instance) group_left sum by (job, instance) "
      "(rate(diff_requests_total[5m]))");
  add("diff_temperature > on (job) group_left avg by (job) (diff_temperature)");
  add("diff_temperature and diff_temperature > 22");
  add("diff_flaky or diff_temperature{zone=\"z0\"}");
  add("diff_temperature unless ignoring (zone) diff_flaky");
  add("diff_flaky and ignoring (instance) diff_nan_gauge");
  add("diff_nan_gauge or vector(5)");
  add("(diff_flaky > 40) unless on (job) (diff_flaky < 10)");
  add("diff_temperature offset 1h > bool on (job, instance, zone) diff_temperature");
  // Subqueries, offset and @.
  add("rate(diff_requests_total[5m])[20m:2m]");
  add("max_over_time(diff_temperature[10m:45s])");
  add("quantile_over_time(0.5, diff_flaky[30m:1m])");
  add("stddev_over_time(rate(diff_requests_total[2m])[15m:30s])");
  add("increase(sum by (job) (diff_requests_total)[20m:1m])");
  add("min_over_time(max by (job) (diff_temperature)[12m:90s] offset 3m)");
  add("count_over_time(diff_flaky[20m:1m] @ @T)");
  add("last_over_time(diff_temperature[10m:1m] @ end())");
  add("avg_over_time((diff_temperature - 20)[1h:5m])");
  add("sum_over_time(rate(diff_cpu_seconds_total{mode=\"user\"}[5m])[10m:1m]) / 10");
  add("diff_flaky offset 7m30s");
  add("diff_requests_total offset -3m");
  add("rate(diff_requests_total[5m] @ end())");
  add("rate(diff_requests_total[5m] @ start() offset -10m)");
  add("diff_temperature - diff_temperature @ @T");
  add("delta(diff_temperature[10m] offset 20m)");
  add("sum(diff_flaky @ @T) by (job)");
  // Histograms.
  for (const char* q : {"0", "0.1", "0.5", "0.75", "0.95", "1"}) {
    add(std::string("histogram_quantile(") + q +
        ", sum by (le) (rate(diff_latency_seconds_bucket[7m])))");
    add(std::string("histogram_quantile(") + q +
        ", sum by (job, le) (increase(diff_latency_seconds_bucket[3m])))");
  }
  add("histogram_quantile(0.5, diff_latency_seconds_bucket)");
  add("histogram_quantile(scalar(diff_flaky{instance=\"i0\", job=\"web\"}) / 100, "
      "rate(diff_latency_seconds_bucket{job=\"db\"}[5m]))");
  // Labels, scalars, sorting.
  add("label_replace(diff_flaky, \"job\", \"$1-x\", \"instance\", \"(.*)\")");
  add("label_replace(diff_temperature, \"zone\", \"\", \"zone\", \"z0\")");
  add("label_replace(diff_temperature, \"nope\", \"$2\", \"job\", \"(a)(p)i\")");
  add("label_join(diff_flaky, \"all\", \",\", \"job\", \"instance\", \"__name__\")");
  add("label_join(diff_temperature, \"instance\", \"\", \"zone\")");
  add("sum by (host) (label_replace(diff_temperature, \"host\", \"$1\", \"instance\", "
      "\"i([0-4])\"))");
  add("scalar(sum(diff_flaky))");
  add("vector(time())");
  add("time() - 3600");
  add("scalar(vector(1) + 1) * 2");
  add("timestamp(diff_flaky offset 2m)");
  add("timestamp(rate(diff_requests_total[5m]))");
  add("sort(diff_flaky)");
  add("sort_desc(diff_temperature{job=\"api\"})");
  add("sort(rate(diff_latency_seconds_count[5m]))");
  add("sort_desc(diff_nan_gauge or diff_flaky)");
  for (auto& q : gen) {
    if (!seen.insert(q).second) continue;
    // Prometheus 3 drops the metric name on atan2 like on the other
    // arithmetic operators (changesMetricSchema); 2.42 keeps it.
    std::string known;
    if (q.find("atan2") != std::string::npos) {
      known = "2.42 keeps __name__ on atan2, Prometheus 3 drops it";
    }
    // Temperatures have three decimals: equal values at the k-th place go
    // to the series met first, and the order series come out of storage
    // differs (Prometheus's blocks: by labels).
    if ((q.rfind("topk", 0) == 0 || q.rfind("bottomk", 0) == 0) &&
        q.find("diff_temperature") != std::string::npos) {
      known = "ties at the k-th place resolve by storage order";
    }
    out.push_back({q, known});
  }
  return out;
}

std::string format_time(int64_t ms) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buf;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
  return s;
}

class Differential : public ::testing::Test {
 protected:
  void SetUp() override {
    prometheus_bin_ = differential::find_on_path("prometheus");
    promtool_bin_ = differential::find_on_path("promtool");
    if (prometheus_bin_.empty() || promtool_bin_.empty()) {
      GTEST_SKIP() << "prometheus/promtool not installed (scripts/setup.sh --test installs "
                      "Debian's prometheus package)";
    }
    dir_ = testutil::make_temp_dir("promlite-differential");
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string prometheus_bin_, promtool_bin_, dir_;
};

TEST_F(Differential, QueriesAgreeWithPrometheus) {
  // Recent data (Prometheus's retention and block loading are happy with it);
  // the values do not depend on the base.
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  int64_t base = (now_ms / 60'000) * 60'000 - 3 * 3'600'000;
  auto t0 = std::chrono::steady_clock::now();
  auto secs = [&t0] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  DataSet data(base);

  std::string om = dir_ + "/data.om";
  std::ofstream(om) << data.openmetrics();
  std::filesystem::create_directories(dir_ + "/prom");
  differential::PrometheusServer prom(prometheus_bin_, promtool_bin_, om, dir_ + "/prom");
  ASSERT_TRUE(prom.started()) << prom.log();
  double prom_ready = secs();

  std::ofstream(dir_ + "/promlite.yml") << "global:\n  scrape_interval: 15s\n";
  // PROMLITE_DIFFERENTIAL_BINARY runs another promlite build than this tree's.
  const char* other = std::getenv("PROMLITE_DIFFERENTIAL_BINARY");
  testutil::PromliteProcess ours(
      {"--config.file=" + dir_ + "/promlite.yml", "--storage.tsdb.path=" + dir_ + "/promlite-data",
       "--web.enable-remote-write-receiver"},
      other ? other : "");
  ASSERT_TRUE(ours.started()) << ours.log();

  // Remote write, a few series per request.
  const auto& all = data.series();
  for (size_t i = 0; i < all.size(); i += 25) {
    std::vector<testutil::RwSeries> batch;
    for (size_t j = i; j < std::min(all.size(), i + 25); ++j) {
      batch.push_back({all[j].labels, all[j].samples});
    }
    auto r =
        testutil::http_request(ours.port(), "POST", "/api/v1/write",
                               testutil::snappy_compress(testutil::encode_write_request(batch)),
                               {{"Content-Type", "application/x-protobuf"},
                                {"Content-Encoding", "snappy"},
                                {"X-Prometheus-Remote-Write-Version", "0.1.0"}});
    ASSERT_EQ(r.status, 204) << r.body << "\n" << ours.log();
  }

  double loaded = secs();
  // Times at x.5 s never meet a sample (whole seconds) nor a subquery step.
  // No window reaches back before base + 40m: Prometheus 3 extrapolates
  // rate()/increase() differently from 2.42 where a counter starts inside the
  // window (it caps the extrapolation to half an interval before it looks at
  // the zero point), and every counter here starts at `base`.
  const int64_t instant_times[] = {base + 61 * 60'000 + 7'500, base + 119 * 60'000 + 12'500,
                                   base + 125 * 60'000 + 500};
  const int64_t range_start = base + 40 * 60'000 + 500;
  const int64_t range_end = base + 124 * 60'000 + 500;
  const std::string at = format_time(base + 45 * 60'000 + 2'500);

  // Each query: the range query and one of the three instant times (in
  // turn), run by a few threads at once (both servers answer concurrently).
  const std::vector<Case> cases = all_cases();
  struct Request {
    const Case* c;
    std::string query;
    std::string target;
    bool ordered;
  };
  std::vector<Request> requests;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    std::string q = replace_all(c.query, "@T", at);
    bool ordered = q.rfind("sort", 0) == 0;
    requests.push_back({&c, q,
                        "/api/v1/query?query=" + testutil::url_encode(q) +
                            "&time=" + format_time(instant_times[i % 3]),
                        ordered});
    // Range queries ignore ordering: both sort by labels.
    requests.push_back({&c, q,
                        "/api/v1/query_range?query=" + testutil::url_encode(q) +
                            "&start=" + format_time(range_start) +
                            "&end=" + format_time(range_end) + "&step=150",
                        false});
  }
  std::mutex mu;
  std::atomic<size_t> next{0};
  int compared = 0, known_diffs = 0, with_data = 0;
  std::vector<std::string> failures;
  auto worker = [&] {
    for (size_t i = next++; i < requests.size(); i = next++) {
      const Request& r = requests[i];
      auto t_prom = std::chrono::steady_clock::now();
      auto want = testutil::http_get(prom.port(), r.target);
      auto t_ours = std::chrono::steady_clock::now();
      auto got = testutil::http_get(ours.port(), r.target);
      auto t_done = std::chrono::steady_clock::now();
      if (std::getenv("PROMLITE_DIFFERENTIAL_VERBOSE")) {
        std::fprintf(stderr, "timing %.1f %.1f %s\n",
                     std::chrono::duration<double, std::milli>(t_ours - t_prom).count(),
                     std::chrono::duration<double, std::milli>(t_done - t_ours).count(),
                     r.target.substr(0, 90).c_str());
      }
      std::string diff;
      if (want.status == 0 || got.status == 0) {
        diff = "request failed: prometheus " + want.error + ", promlite " + got.error;
      } else {
        diff = differential::compare_responses(want.body, got.body, r.ordered);
      }
      bool has_data = !differential::parse_response(want.body).series.empty();
      std::lock_guard<std::mutex> l(mu);
      ++compared;
      if (has_data) ++with_data;
      if (diff.empty()) continue;
      if (!r.c->known.empty()) {
        ++known_diffs;
        continue;
      }
      // PROMLITE_DIFFERENTIAL_VERBOSE=1 shows both answers in full.
      if (std::getenv("PROMLITE_DIFFERENTIAL_VERBOSE")) {
        diff += "\n    prometheus: " + want.body + "\n    promlite:   " + got.body;
      }
      failures.push_back(r.query + "\n    " + r.target.substr(0, r.target.find('?')) +
                         r.target.substr(r.target.find("&")) + "\n    " + diff);
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  std::printf("differential: prometheus ready %.1f s, data loaded %.1f s, queries done %.1f s\n",
              prom_ready, loaded, secs());
  std::printf(
      "differential: %zu series, %zu samples, %zu queries, %d requests compared "
      "(%d with data), %d known differences\n",
      all.size(), data.sample_count(), cases.size(), compared, with_data, known_diffs);
  EXPECT_GE(cases.size(), 300u);
  // Guards against a vacuous run (e.g. data that never arrived anywhere).
  EXPECT_GT(with_data, compared * 3 / 4);
  for (const auto& f : failures) ADD_FAILURE() << f;
  EXPECT_EQ(ours.stop(SIGTERM), 0) << ours.log();
}

}  // namespace
}  // namespace promlite
