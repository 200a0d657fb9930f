// PromQL engine benchmarks over the in-memory head: range queries over 10k
// series, 1 h at a 15 s scrape interval, evaluated at a 15 s step.
//
//   build/<dir>-rel/bench/promlite_bench --benchmark_filter=Engine
//
// Counters: samples/s is the engine's own count of samples read (QueryStats,
// counted as Prometheus counts them) per second of wall time.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "model/labels.h"
#include "query/promql_engine.h"
#include "tsdb/head/head.h"

namespace promlite::query {
namespace {

constexpr int64_t kInterval = 15'000;
constexpr int64_t kHour = 3'600'000;
constexpr int kSeries = 10'000;

// 10k counters `x` (100 jobs x 100 instances) and 10k classic histogram
// buckets `h_bucket` (1,000 instances x 10 le), 1 h of samples each (+5 min
// so the first rate window is full).
tsdb::head::Head& dataset() {
  static tsdb::head::Head* head = [] {
    auto* h = new tsdb::head::Head();
    static const char* les[] = {"0.005", "0.01", "0.05", "0.1", "0.25",
                                "0.5",   "1",    "2.5",  "10",  "+Inf"};
    std::vector<model::Labels> labels;
    for (int i = 0; i < kSeries; ++i) {
      labels.push_back(model::Labels{{"__name__", "x"},
                                     {"instance", "host-" + std::to_string(i % 100)},
                                     {"job", "job-" + std::to_string(i / 100)}});
    }
    for (int i = 0; i < kSeries; ++i) {
      labels.push_back(model::Labels{{"__name__", "h_bucket"},
                                     {"instance", "host-" + std::to_string(i / 10)},
                                     {"le", les[i % 10]}});
    }
    std::vector<tsdb::SeriesRef> refs(labels.size(), 0);
    for (int64_t t = 0; t <= kHour + 5 * 60'000; t += kInterval) {
      auto app = h->appender();
      for (size_t i = 0; i < labels.size(); ++i) {
        // Counters; bucket i%10 holds (i%10+1)/10 of the observations.
        double v = i < kSeries ? static_cast<double>(t / 1000 * (1 + i % 7))
                               : static_cast<double>(t / 1000 * (1 + i % 10));
        auto r = app->append(refs[i], labels[i], t, v);
        if (r.is_ok()) refs[i] = *r;
      }
      (void)app->commit();
    }
    return h;
  }();
  return *head;
}

void run_range(benchmark::State& state, const std::string& query) {
  auto& head = dataset();
  auto engine = new_engine(EngineOptions{});
  int64_t samples = 0;
  for (auto _ : state) {
    auto r = engine->range_query(head, query, 5 * 60'000, kHour + 5 * 60'000, kInterval, {});
    if (!r.is_ok()) {
      state.SkipWithError(r.status().message().c_str());
      return;
    }
    samples += r->stats.total_samples;
    benchmark::DoNotOptimize(r->value);
  }
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
  state.counters["samples/query"] =
      static_cast<double>(samples) / static_cast<double>(state.iterations());
}

void BM_EngineSumRate(benchmark::State& state) { run_range(state, "sum by (job) (rate(x[5m]))"); }
BENCHMARK(BM_EngineSumRate)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_EngineHistogramQuantile(benchmark::State& state) {
  run_range(state, "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))");
}
BENCHMARK(BM_EngineHistogramQuantile)->Unit(benchmark::kMillisecond)->UseRealTime();

// A regex selector matching 1/10 of the counters, rated and summed.
void BM_EngineRegexSelector(benchmark::State& state) {
  run_range(state, "sum by (instance) (rate(x{job=~\"job-[1-3].*\", instance!~\"host-9.\"}[5m]))");
}
BENCHMARK(BM_EngineRegexSelector)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace promlite::query
