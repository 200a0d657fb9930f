// JSON encoding of query results, through the path /api/v1/query_range and
// /api/v1/query answer with: api::encode_query_data, then the success envelope
// (api::write_success). Bytes/s counts the response body.
//
//   build/<dir>-rel/bench/promlite_bench --benchmark_filter=ApiJson
//
// The figure: a 10k-series x 240-point matrix at >= 200 MB/s.
#include <benchmark/benchmark.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "api/query_encoder.h"
#include "api/response.h"
#include "model/labels.h"
#include "query/value.h"

namespace promlite::api {
namespace {

// Flink-like series: 8 labels, long operator and task names.
model::Labels flink_labels(int i) {
  static const char* kMetrics[] = {
      "flink_taskmanager_job_task_operator_numRecordsIn",
      "flink_taskmanager_job_task_operator_numRecordsOutPerSecond",
      "flink_taskmanager_job_task_buffers_inPoolUsage",
      "flink_taskmanager_job_task_operator_currentInputWatermark",
  };
  const int job = i / 2000;
  return model::Labels{
      {"__name__", kMetrics[i % 4]},
      {"host", "flink-taskmanager-" + std::to_string(i % 37) + ".flink.svc.cluster.local"},
      {"instance", "10.42." + std::to_string(i % 251) + "." + std::to_string(i % 97) + ":9249"},
      {"job", "flink-taskmanagers"},
      {"job_name", "fluss-orders-enrichment-pipeline-" + std::to_string(job)},
      {"operator_name",
       "Source:_orders_fluss_table____Calc_select_order_id__customer_id__amount____"
       "LookupJoin_" +
           std::to_string(i % 13)},
      {"subtask_index", std::to_string(i % 64)},
      {"task_name", "Source:_orders_fluss_table____Calc____LookupJoin____Sink:_enriched_orders_" +
                        std::to_string(i % 7)}};
}

// Values of the kinds real series carry: counters (integers), rates and
// ratios (fractions with 15-17 digits), gauges with few digits, tiny and huge
// magnitudes (exponent notation), zeros and NaN (missing or stale math).
double sample_value(std::mt19937_64& rng, int series, int point) {
  std::uniform_real_distribution<double> unit(0, 1);
  switch (series % 8) {
    case 0:
    case 1:
      return static_cast<double>(1'000'000 + series * 1000 + point * 17);  // counter
    case 2:
      return unit(rng) * 1000;  // rate: full-precision fraction
    case 3:
      return std::round(unit(rng) * 10000) / 100;  // gauge: 2 decimals
    case 4:
      return point % 50 == 0 ? std::numeric_limits<double>::quiet_NaN() : unit(rng);
    case 5:
      return unit(rng) * 1e-7;  // exponent notation
    case 6:
      return point % 3 == 0 ? 0.0 : 1.0;
    default:
      return 1.7e12 + point * 15000.0;  // watermark-like ms timestamps as values
  }
}

query::Matrix make_matrix(int series, int points) {
  std::mt19937_64 rng(42);
  query::Matrix m;
  m.reserve(series);
  const model::Timestamp start = 1'732'400'000'000;  // Grafana aligns to the step
  for (int i = 0; i < series; ++i) {
    query::MatrixSeries s;
    s.metric = flink_labels(i);
    s.points.reserve(points);
    for (int p = 0; p < points; ++p) {
      s.points.push_back({start + p * 15'000LL, sample_value(rng, i, p)});
    }
    m.push_back(std::move(s));
  }
  return m;
}

void encode(const query::Value& v, HttpResponse& resp) {
  std::string data;
  encode_query_data(data, v);
  write_success(resp, data);
}

void BM_ApiJsonMatrix(benchmark::State& state) {
  const query::Value value =
      make_matrix(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  size_t bytes = 0;
  for (auto _ : state) {
    HttpResponse resp;
    encode(value, resp);
    bytes = resp.body.size();
    benchmark::DoNotOptimize(resp.body.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.counters["body_MB"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_ApiJsonMatrix)->Args({10'000, 240})->Unit(benchmark::kMillisecond);

void BM_ApiJsonVector(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::mt19937_64 rng(7);
  query::Vector vec;
  vec.reserve(n);
  for (int i = 0; i < n; ++i) {
    // An instant query at a time with milliseconds (Grafana's "now").
    vec.push_back({flink_labels(i), 1'732'400'123'456LL, sample_value(rng, i, i % 240)});
  }
  const query::Value value = std::move(vec);
  size_t bytes = 0;
  for (auto _ : state) {
    HttpResponse resp;
    encode(value, resp);
    bytes = resp.body.size();
    benchmark::DoNotOptimize(resp.body.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.counters["body_MB"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_ApiJsonVector)->Arg(10'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace promlite::api
