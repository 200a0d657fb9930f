// Grafana's look-ups against a head of 1M Flink/Fluss-shaped series, through
// the HTTP handlers themselves (api::ApiV1, api::QueryApi; no socket): the
// health check, the metric browser's label names and values, series, metadata.
//
//   build/<dir>-rel/bench/promlite_bench --benchmark_filter=ApiLookup
//
// The figure: each answers in < 50 ms with 1M series in the head.
// Building the head takes a few seconds (once, shared by every case).
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/api_v1.h"
#include "api/http_server.h"
#include "api/query_api.h"
#include "query/promql_engine.h"
#include "tsdb/head/head.h"

namespace promlite::api {
namespace {

constexpr int kSeries = 1'000'000;
constexpr int kMetrics = 20;
constexpr int kInstances = 200;
// Sample time of every series; the look-ups ask for the 6 h before it, in
// whole seconds as Grafana sends them.
constexpr model::Timestamp kSampleTime = 1'732'400'000'000;

std::string metric_name(int m) {
  static const char* kNames[kMetrics] = {
      "flink_taskmanager_job_task_operator_numRecordsIn",
      "flink_taskmanager_job_task_operator_numRecordsOut",
      "flink_taskmanager_job_task_operator_numRecordsInPerSecond",
      "flink_taskmanager_job_task_operator_numRecordsOutPerSecond",
      "flink_taskmanager_job_task_operator_currentInputWatermark",
      "flink_taskmanager_job_task_operator_currentOutputWatermark",
      "flink_taskmanager_job_task_buffers_inPoolUsage",
      "flink_taskmanager_job_task_buffers_outPoolUsage",
      "flink_taskmanager_job_task_busyTimeMsPerSecond",
      "flink_taskmanager_job_task_idleTimeMsPerSecond",
      "flink_taskmanager_job_task_backPressuredTimeMsPerSecond",
      "flink_taskmanager_job_task_numBytesInPerSecond",
      "flink_taskmanager_job_task_numBytesOutPerSecond",
      "flink_taskmanager_job_task_operator_fluss_reader_bytesPerSecond",
      "flink_taskmanager_job_task_operator_fluss_writer_recordsPerSecond",
      "fluss_tabletserver_table_bucket_log_size",
      "fluss_tabletserver_table_bucket_log_endOffset",
      "fluss_tabletserver_table_bucket_replica_underReplicated",
      "fluss_tabletserver_request_latency_ms",
      "fluss_tabletserver_request_bytes_total",
  };
  return kNames[m];
}

// Series i: metric i % 20, instance (i / 20) % 200, subtask (i / 4000) % 64,
// operator i / 256000 (0..3): unique label sets, ~10 labels with long values.
// Instances 0-159 are job "flink-taskmanager", 160-199 "fluss-tablet-server".
model::Labels series_labels(int i) {
  const int m = i % kMetrics;
  const int inst = (i / kMetrics) % kInstances;
  const int sub = (i / (kMetrics * kInstances)) % 64;
  const int op = i / (kMetrics * kInstances * 64);
  const std::string job_name = "fluss-orders-enrichment-pipeline-" + std::to_string(inst % 10);
  return model::Labels{
      {"__name__", metric_name(m)},
      {"host", "flink-taskmanager-" + std::to_string(inst) + ".flink.svc.cluster.local"},
      {"instance",
       "10.42." + std::to_string(inst / 100) + "." + std::to_string(inst % 100) + ":9249"},
      {"job", inst < 160 ? "flink-taskmanager" : "fluss-tablet-server"},
      {"job_name", job_name},
      {"operator_name",
       "Source:_orders_fluss_table____Calc_select_order_id__customer_id____"
       "LookupJoin_" +
           std::to_string(op)},
      {"subtask_index", std::to_string(sub)},
      {"task_name",
       "Source:_orders____Calc____LookupJoin____Sink:_enriched_orders_" + std::to_string(op)},
      {"tm_id", "flink-taskmanager-" + std::to_string(inst) + "-6d4f8b9c7-x2k4p"},
  };
}

// 200 targets with the 20 families' metadata, as a scrape manager reports.
class Targets : public scraper::TargetStatusProvider {
 public:
  std::vector<scraper::ActiveTarget> active_targets() const override { return {}; }
  std::vector<scraper::DroppedTarget> dropped_targets() const override { return {}; }
  std::vector<std::pair<model::Labels, std::map<std::string, scraper::MetricMetadata>>>
  target_metadata() const override {
    std::vector<std::pair<model::Labels, std::map<std::string, scraper::MetricMetadata>>> out;
    for (int t = 0; t < kInstances; ++t) {
      std::map<std::string, scraper::MetricMetadata> families;
      for (int m = 0; m < kMetrics; ++m) {
        families[metric_name(m)] = {m % 2 ? "gauge" : "counter", "Help of " + metric_name(m), ""};
      }
      out.emplace_back(model::Labels{{"instance", "10.42.0." + std::to_string(t) + ":9249"},
                                     {"job", "flink-taskmanager"}},
                       std::move(families));
    }
    return out;
  }
};

struct Fixture {
  tsdb::head::Head head;
  Targets targets;
  std::unique_ptr<ApiV1> api;
  std::unique_ptr<query::Engine> engine;
  std::unique_ptr<QueryApi> query_api;

  Fixture() {
    auto app = head.appender();
    for (int i = 0; i < kSeries; ++i) {
      (void)app->append(0, series_labels(i), kSampleTime - (i % 60) * 1000, i % 1000);
      if (i % 10'000 == 9'999) {
        (void)app->commit();
        app = head.appender();
      }
    }
    (void)app->commit();
    ApiDeps deps;
    deps.storage = &head;
    deps.targets = &targets;
    api = std::make_unique<ApiV1>(std::move(deps));
    engine = query::new_engine({});
    query_api = std::make_unique<QueryApi>(*engine, head);
  }
};

Fixture& fixture() {
  static Fixture* f = new Fixture();  // built once, never destroyed (the process ends)
  return *f;
}

HttpRequest request(const std::string& path, const std::string& query) {
  HttpRequest req;
  req.method = http::verb::get;
  req.path = path;
  req.query = query;
  req.target = path + "?" + query;
  return req;
}

// Grafana's time bounds: the 6 h before the samples, in whole seconds.
std::string range() {
  return "start=" + std::to_string(kSampleTime / 1000 - 6 * 3600) +
         "&end=" + std::to_string(kSampleTime / 1000 + 60);
}

enum class Handler { kQuery, kLabels, kLabelValues, kSeries, kMetadata };

void run(benchmark::State& state, Handler h, const std::string& path, const std::string& query) {
  Fixture& f = fixture();
  HttpRequest req = request(path, query);
  size_t bytes = 0;
  for (auto _ : state) {
    HttpResponse resp;
    switch (h) {
      case Handler::kQuery:
        f.query_api->query(req, resp);
        break;
      case Handler::kLabels:
        f.api->labels(req, resp);
        break;
      case Handler::kLabelValues:
        f.api->label_values(req, resp);
        break;
      case Handler::kSeries:
        f.api->series(req, resp);
        break;
      case Handler::kMetadata:
        f.api->metadata(req, resp);
        break;
    }
    if (resp.status != 200) state.SkipWithError(resp.body.c_str());
    bytes = resp.body.size();
  }
  state.counters["body_bytes"] = static_cast<double>(bytes);
}

// %7B = {, %7D = }, %22 = ", %3D = =, %2B = +
const std::string kJobSel = "match%5B%5D=%7Bjob%3D%22fluss-tablet-server%22%7D";
const std::string kBigJobSel = "match%5B%5D=%7Bjob%3D%22flink-taskmanager%22%7D";
const std::string kMetricJobSel =
    "match%5B%5D=%7B__name__%3D%22flink_taskmanager_job_task_operator_numRecordsIn%22%2C"
    "job%3D%22flink-taskmanager%22%7D";

void BM_ApiLookup_HealthQuery(benchmark::State& s) {
  run(s, Handler::kQuery, "/api/v1/query", "query=1%2B1&time=4");
}
void BM_ApiLookup_Labels(benchmark::State& s) {
  run(s, Handler::kLabels, "/api/v1/labels", "limit=40000&" + range());
}
void BM_ApiLookup_LabelsMatchJob(benchmark::State& s) {
  run(s, Handler::kLabels, "/api/v1/labels", "limit=40000&" + range() + "&" + kJobSel);
}
void BM_ApiLookup_LabelsMatchBigJob(benchmark::State& s) {
  run(s, Handler::kLabels, "/api/v1/labels", "limit=40000&" + range() + "&" + kBigJobSel);
}
void BM_ApiLookup_MetricNames(benchmark::State& s) {
  run(s, Handler::kLabelValues, "/api/v1/label/__name__/values", "limit=40000&" + range());
}
void BM_ApiLookup_InstanceValuesMatch(benchmark::State& s) {
  run(s, Handler::kLabelValues, "/api/v1/label/instance/values",
      "limit=40000&" + range() + "&" + kMetricJobSel);
}
void BM_ApiLookup_InstanceValuesMatchBigJob(benchmark::State& s) {
  run(s, Handler::kLabelValues, "/api/v1/label/instance/values",
      "limit=40000&" + range() + "&" + kBigJobSel);
}
// One metric of the big job: 40k series, an 18.6 MB answer.
void BM_ApiLookup_Series(benchmark::State& s) {
  run(s, Handler::kSeries, "/api/v1/series", range() + "&" + kMetricJobSel);
}
// One metric on one instance (Grafana's `label_values(m{instance="x"}, ...)`,
// a panel's series look-up): 250 series.
void BM_ApiLookup_SeriesOneInstance(benchmark::State& s) {
  run(s, Handler::kSeries, "/api/v1/series",
      range() +
          "&match%5B%5D=%7B__name__%3D%22flink_taskmanager_job_task_operator_numRecordsIn%22%2C"
          "instance%3D%2210.42.0.7%3A9249%22%7D");
}
void BM_ApiLookup_Metadata(benchmark::State& s) {
  run(s, Handler::kMetadata, "/api/v1/metadata", "limit=40000");
}

BENCHMARK(BM_ApiLookup_HealthQuery)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ApiLookup_Labels)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ApiLookup_LabelsMatchJob)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ApiLookup_LabelsMatchBigJob)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ApiLookup_MetricNames)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ApiLookup_InstanceValuesMatch)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ApiLookup_InstanceValuesMatchBigJob)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ApiLookup_Series)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ApiLookup_SeriesOneInstance)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ApiLookup_Metadata)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace promlite::api
