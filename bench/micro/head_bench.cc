// Head benchmarks: append throughput with refs, memory per series, select
// latency, postings intersection.
//
//   build/<dir>-rel/bench/promlite_bench --benchmark_filter=Head
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "model/labels.h"
#include "model/matcher.h"
#include "tsdb/head/head.h"
#include "tsdb/index/postings.h"

namespace promlite::tsdb::head {
namespace {

// A Kubernetes-like label set, ~150 bytes of text.
model::Labels series_labels(int i, const std::string& name = "http_requests_total",
                            const std::string& job = "api") {
  return model::Labels{
      {"__name__", name},
      {"job", job},
      {"namespace", "prod"},
      {"pod", "api-7f9c6d5b8-" + std::to_string(i)},
      {"instance", "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ":9090"},
      {"method", i % 2 ? "GET" : "POST"},
      {"code", "200"}};
}

size_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  size_t pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

constexpr int64_t kStep = 15000;

// One scrape-like batch per iteration: every series gets one sample, through
// cached refs (the fast path), then commit.
void BM_HeadAppendWithRefs(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Head head;
  std::vector<model::Labels> labels;
  std::vector<SeriesRef> refs(n, 0);
  for (int i = 0; i < n; ++i) labels.push_back(series_labels(i));
  int64_t t = 0;
  {
    auto app = head.appender();
    for (int i = 0; i < n; ++i) refs[i] = *app->append(0, labels[i], t, 0);
    (void)app->commit();
  }
  double v = 0;
  for (auto _ : state) {
    t += kStep;
    v += 1;
    auto app = head.appender();
    for (int i = 0; i < n; ++i) {
      auto r = app->append(refs[i], labels[i], t, v + i);
      benchmark::DoNotOptimize(r);
    }
    if (!app->commit()) state.SkipWithError("commit failed");
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_HeadAppendWithRefs)->Arg(1000)->Arg(100000);

// Same without refs: every sample hashes and compares its labels.
void BM_HeadAppendByLabels(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Head head;
  std::vector<model::Labels> labels;
  for (int i = 0; i < n; ++i) labels.push_back(series_labels(i));
  int64_t t = 0;
  for (auto _ : state) {
    t += kStep;
    auto app = head.appender();
    for (int i = 0; i < n; ++i) {
      auto r = app->append(0, labels[i], t, static_cast<double>(i));
      benchmark::DoNotOptimize(r);
    }
    if (!app->commit()) state.SkipWithError("commit failed");
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_HeadAppendByLabels)->Arg(100000);

// RSS growth per series: `range(0)` series with 120 samples each (one full
// chunk), counter-like integer values every 15s. The labels are built before
// the measurement starts (the head keeps its own copy).
void BM_HeadMemoryPerSeries(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    std::vector<model::Labels> labels;
    labels.reserve(n);
    for (int i = 0; i < n; ++i) labels.push_back(series_labels(i));
    size_t labels_bytes = 0;
    for (const auto& l : labels) labels_bytes += l.memory_bytes();
    size_t before = rss_bytes();
    auto head = std::make_unique<Head>();
    std::vector<SeriesRef> refs(n, 0);
    for (int s = 0; s < 120; ++s) {
      // One batch per 1000-series target, as scrapes commit.
      for (int lo = 0; lo < n; lo += 1000) {
        auto app = head->appender();
        for (int i = lo; i < std::min(n, lo + 1000); ++i) {
          refs[i] = *app->append(refs[i], labels[i], s * kStep, s * 3 + i);
        }
        (void)app->commit();
      }
    }
    size_t after = rss_bytes();
    state.counters["rss_per_series"] = static_cast<double>(after - before) / n;
    state.counters["est_per_series"] = static_cast<double>(head->memory_bytes()) / n;
    state.counters["label_text_per_series"] = static_cast<double>(labels_bytes) / n;
    state.PauseTiming();
    head.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_HeadMemoryPerSeries)->Arg(200000)->Iterations(1)->Unit(benchmark::kMillisecond);

// {__name__="x", job="y"} over 100k series of which range(0)% have job="y";
// select plus walking the series set (no samples read).
void BM_HeadSelect(benchmark::State& state) {
  const int n = 100000;
  const int pct = static_cast<int>(state.range(0));
  Head head;
  {
    auto app = head.appender();
    for (int i = 0; i < n; ++i) {
      std::string job = (i % 100) < pct ? "y" : "z";
      (void)app->append(0, series_labels(i, "x", job), 1000, 1);
    }
    (void)app->commit();
  }
  model::Matchers ms = {*model::Matcher::make(model::MatchType::kEqual, "__name__", "x"),
                        *model::Matcher::make(model::MatchType::kEqual, "job", "y")};
  const bool sorted = state.range(1) != 0;
  size_t found = 0;
  for (auto _ : state) {
    auto q = head.querier(0, 2000).value();
    auto set = q->select(sorted, nullptr, ms);
    found = 0;
    while (set->next()) ++found;
  }
  state.counters["series"] = static_cast<double>(found);
}
BENCHMARK(BM_HeadSelect)
    ->Args({10, 0})
    ->Args({100, 0})
    ->Args({100, 1})
    ->Unit(benchmark::kMillisecond);

std::vector<index::SeriesId> random_ids(size_t n, uint64_t universe, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<index::SeriesId> v(n);
  for (auto& x : v) x = rng() % universe;
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// Two ~100k-id lists drawn from 400k ids (~25% overlap).
void BM_PostingsIntersect(benchmark::State& state) {
  auto a = random_ids(100000, 400000, 1);
  auto b = random_ids(100000, 400000, 2);
  size_t n = 0;
  for (auto _ : state) {
    std::vector<index::PostingsPtr> its;
    its.push_back(std::make_unique<index::ListPostings>(a));
    its.push_back(std::make_unique<index::ListPostings>(b));
    auto p = index::intersect(std::move(its));
    n = 0;
    while (p->next()) ++n;
    benchmark::DoNotOptimize(n);
  }
  state.counters["result"] = static_cast<double>(n);
}
BENCHMARK(BM_PostingsIntersect)->Unit(benchmark::kMicrosecond);

void BM_PostingsIntersectSorted(benchmark::State& state) {
  auto a = random_ids(100000, 400000, 1);
  auto b = random_ids(100000, 400000, 2);
  for (auto _ : state) {
    auto r = index::intersect_sorted(a, b);
    benchmark::DoNotOptimize(r.data());
  }
}
BENCHMARK(BM_PostingsIntersectSorted)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace promlite::tsdb::head
