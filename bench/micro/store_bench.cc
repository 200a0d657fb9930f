// Persistent store benchmarks (tsdb/store): write throughput, select + decode
// throughput, and bytes per sample on disk for a Flink-shaped dataset under
// several RocksDB settings.
//
//   build/<dir>-rel/bench/promlite_bench --benchmark_filter=Store
//
// Dataset: 10k series, 2 h at 15 s (480 samples each, 4.8 M samples), long
// Flink label sets (13 labels, ~450 bytes of text: job/task/operator names and
// ids, subtask index, taskmanager id, host), 10 integer counters increasing by
// varying amounts, 3 integer gauges wandering (lag, pending records, a
// watermark), 2 float gauges (a per-second rate, a pool usage) and 3 constants
// per operator subtask; scrape timestamps jitter by +-2 ms per target. Chunks
// are cut as the head cuts them: 120 samples, never across a 2 h boundary.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "model/labels.h"
#include "model/matcher.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/store/store.h"

namespace promlite::tsdb::store {
namespace {

using model::Sample;

constexpr int64_t kStepMs = 15'000;
constexpr int64_t kStart = 1'700'006'400'000;  // a multiple of 2 h (and of a day)

struct Dataset {
  std::vector<model::Labels> labels;
  std::vector<std::vector<std::string>> chunks;  // per series, in time order
  size_t samples = 0;
  size_t chunk_bytes = 0;
  size_t label_bytes = 0;
};

std::string hex32(std::mt19937_64& rng) {
  static const char* d = "0123456789abcdef";
  std::string s(32, '0');
  for (char& c : s) c = d[rng() % 16];
  return s;
}

enum class Kind { kCounter, kGaugeInt, kWatermark, kRate, kUsage, kConst };

struct Metric {
  const char* name;
  Kind kind;
};

constexpr Metric kMetrics[] = {
    {"numRecordsIn", Kind::kCounter},
    {"numRecordsOut", Kind::kCounter},
    {"numBytesIn", Kind::kCounter},
    {"numBytesOut", Kind::kCounter},
    {"numBytesInRemote", Kind::kCounter},
    {"numBuffersOutLocal", Kind::kCounter},
    {"numBuffersOutRemote", Kind::kCounter},
    {"numRecordsInErrors", Kind::kCounter},
    {"numSplitsProcessed", Kind::kCounter},
    {"fluss_records_written", Kind::kCounter},
    {"fluss_consumer_lag", Kind::kGaugeInt},
    {"pendingRecords", Kind::kGaugeInt},
    {"currentInputWatermark", Kind::kWatermark},
    {"numRecordsInPerSecond", Kind::kRate},
    {"buffers_inPoolUsage", Kind::kUsage},
    {"isBackPressured", Kind::kConst},
    {"numLateRecordsDropped", Kind::kConst},
    {"checkpointAlignmentTime", Kind::kConst},
};

// Cuts `s` as the head does: at most 120 samples, never across a 2 h boundary.
void cut_chunks(const std::vector<Sample>& s, std::vector<std::string>* out) {
  constexpr int64_t kRange = 2 * 3600 * 1000;
  size_t i = 0;
  while (i < s.size()) {
    int64_t boundary = (s[i].t / kRange + 1) * kRange;
    size_t j = i;
    while (j < s.size() && j - i < 120 && s[j].t < boundary) ++j;
    std::string c;
    (void)chunkenc::encode_best(std::span<const Sample>(s.data() + i, j - i), c);
    out->push_back(std::move(c));
    i = j;
  }
}

Dataset make_flink_dataset(size_t n_series, int64_t hours, int jitter_ms) {
  std::mt19937_64 rng(42);
  Dataset ds;
  const size_t n_samples = static_cast<size_t>(hours * 3600 * 1000 / kStepMs);
  const char* job_names[] = {"orders_enrichment_pipeline_v2", "payments_fraud_scoring_v7",
                             "clickstream_sessionization", "inventory_cdc_to_fluss_sync"};
  const char* task_names[] = {
      "Source:_fluss_orders_->_Calc_select_order_id__customer_id__amount__ts_where__amount_>_100",
      "GroupWindowAggregate_window_TumblingGroupWindow_w$__time_ts__size_60000__select_customer",
      "Sink:_fluss_enriched_orders_writer_->_Calc_select_customer_id__sum_amount__window_end_"};
  const char* op_names[] = {"Source:_fluss_orders", "Calc_select_order_id__customer_id__amount_",
                            "Sink:_fluss_enriched_orders_writer"};
  std::vector<std::string> job_ids, task_ids, op_ids, tm_ids, hosts;
  for (int i = 0; i < 4; ++i) job_ids.push_back(hex32(rng));
  for (int i = 0; i < 12; ++i) task_ids.push_back(hex32(rng));
  for (int i = 0; i < 36; ++i) op_ids.push_back(hex32(rng));
  for (int i = 0; i < 16; ++i) {
    tm_ids.push_back("flink-taskmanager-7d9f8c6b5-" + hex32(rng).substr(0, 5) + ":6122-" +
                     hex32(rng).substr(0, 6));
    hosts.push_back("10.42." + std::to_string(i / 4) + "." + std::to_string(17 + i));
  }
  // Per target (taskmanager) scrape timestamps with +-2 ms jitter.
  std::vector<std::vector<int64_t>> times(tm_ids.size());
  std::uniform_int_distribution<int> jitter(-jitter_ms, jitter_ms);
  for (auto& ts : times) {
    for (size_t k = 0; k < n_samples; ++k) {
      ts.push_back(kStart + static_cast<int64_t>(k) * kStepMs + jitter(rng));
    }
  }
  std::vector<Sample> s(n_samples);
  for (int job = 0; job < 4 && ds.labels.size() < n_series; ++job) {
    for (int task = 0; task < 3 && ds.labels.size() < n_series; ++task) {
      for (int op = 0; op < 3 && ds.labels.size() < n_series; ++op) {
        for (int sub = 0; sub < 16 && ds.labels.size() < n_series; ++sub) {
          int tm = (sub + job * 3) % 16;
          for (const Metric& m : kMetrics) {
            if (ds.labels.size() >= n_series) break;
            ds.labels.push_back(model::Labels{
                {"__name__", std::string("flink_taskmanager_job_task_operator_") + m.name},
                {"job", "flink"},
                {"instance", hosts[tm] + ":9249"},
                {"host", hosts[tm]},
                {"tm_id", tm_ids[tm]},
                {"job_id", job_ids[job]},
                {"job_name", job_names[job]},
                {"task_id", task_ids[job * 3 + task]},
                {"task_name", task_names[task]},
                {"operator_id", op_ids[job * 9 + task * 3 + op]},
                {"operator_name", op_names[op]},
                {"task_attempt_num", "0"},
                {"subtask_index", std::to_string(sub)}});
            ds.label_bytes += ds.labels.back().data().size();
            // Values.
            double rate = 50.0 + static_cast<double>(rng() % 5000);
            std::poisson_distribution<int> inc(rate);
            double v = static_cast<double>(rng() % 10'000'000);
            for (size_t k = 0; k < n_samples; ++k) {
              double x = 0;
              switch (m.kind) {
                case Kind::kCounter:
                  v += inc(rng);
                  x = v;
                  break;
                case Kind::kGaugeInt:
                  v = std::max(0.0, v + static_cast<double>(static_cast<int>(rng() % 2001) - 1000));
                  x = v;
                  break;
                case Kind::kWatermark:
                  x = static_cast<double>(times[tm][k] - 3000 - static_cast<int64_t>(rng() % 400));
                  break;
                case Kind::kRate:
                  x = static_cast<double>(inc(rng)) / 15.0;
                  break;
                case Kind::kUsage:
                  v = std::clamp(v / 1e7 + (static_cast<double>(rng() % 200) - 100) / 1000, 0.0,
                                 1.0) *
                      1e7;
                  x = v / 1e7;
                  break;
                case Kind::kConst:
                  x = 0;
                  break;
              }
              s[k] = {times[tm][k], x};
            }
            ds.chunks.emplace_back();
            cut_chunks(s, &ds.chunks.back());
            for (const auto& c : ds.chunks.back()) ds.chunk_bytes += c.size();
            ds.samples += n_samples;
          }
        }
      }
    }
  }
  return ds;
}

// `jitter_ms` 0: every scrape exactly on the 15 s grid (Prometheus snaps
// timestamps within 2 ms of the schedule); 2: +-2 ms noise per target.
const Dataset& flink_2h(int jitter_ms = 2) {
  static const Dataset jittered = make_flink_dataset(10'000, 2, 2);
  static const Dataset aligned = make_flink_dataset(10'000, 2, 0);
  return jitter_ms == 0 ? aligned : jittered;
}

std::string temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "store_bench.XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) std::abort();
  return tmpl;
}

// Writes the dataset in batches of `batch` chunks, chunk slot by chunk slot
// (every series' first chunk, then every second one...), as the flusher would.
void write_all(Store& store, const Dataset& ds, size_t batch) {
  std::vector<ChunkRecord> recs;
  size_t max_chunks = 0;
  for (const auto& c : ds.chunks) max_chunks = std::max(max_chunks, c.size());
  for (size_t k = 0; k < max_chunks; ++k) {
    for (size_t i = 0; i < ds.chunks.size(); ++i) {
      if (k >= ds.chunks[i].size()) continue;
      recs.push_back({i + 1, &ds.labels[i], ds.chunks[i][k]});
      if (recs.size() == batch) {
        if (!store.write(recs, false).is_ok()) std::abort();
        recs.clear();
      }
    }
  }
  if (!recs.empty() && !store.write(recs, false).is_ok()) std::abort();
}

void BM_StoreWrite(benchmark::State& state) {
  const Dataset& ds = flink_2h();
  size_t chunks = 0;
  for (const auto& c : ds.chunks) chunks += c.size();
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = temp_dir();
    auto store = std::move(Store::open(dir).value());
    state.ResumeTiming();
    write_all(*store, ds, static_cast<size_t>(state.range(0)));
    if (!store->sync_wal().is_ok()) std::abort();
    state.PauseTiming();
    store.reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.counters["chunks/s"] = benchmark::Counter(static_cast<double>(chunks * state.iterations()),
                                                  benchmark::Counter::kIsRate);
  state.counters["samples/s"] = benchmark::Counter(
      static_cast<double>(ds.samples * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StoreWrite)->Arg(1000)->Unit(benchmark::kMillisecond)->Iterations(2);

// One store, written and compacted once, shared by the read benchmarks.
struct ReadFixture {
  std::string dir;
  std::unique_ptr<Store> store;
  ReadFixture() : dir(temp_dir()) {
    store = std::move(Store::open(dir).value());
    write_all(*store, flink_2h(), 1000);
    if (!store->compact().is_ok()) std::abort();
  }
  ~ReadFixture() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
};

ReadFixture& read_fixture() {
  static ReadFixture f;
  return f;
}

// select {job="flink"} (10k series) over the whole range and decode every
// sample with next_batch.
void BM_StoreSelectDecode(benchmark::State& state) {
  ReadFixture& f = read_fixture();
  model::Matchers ms{*model::Matcher::make(model::MatchType::kEqual, "job", "flink")};
  size_t series = 0, samples = 0;
  int64_t ts[512];
  double vs[512];
  for (auto _ : state) {
    auto q = std::move(f.store->querier(model::kMinTime, model::kMaxTime).value());
    auto set = q->select(false, nullptr, ms);
    std::unique_ptr<SampleIterator> it;
    while (set->next()) {
      ++series;
      it = set->at().iterator(std::move(it));
      while (size_t n = it->next_batch(ts, vs, 512)) samples += n;
    }
    benchmark::DoNotOptimize(ts[0]);
  }
  state.counters["series/s"] =
      benchmark::Counter(static_cast<double>(series), benchmark::Counter::kIsRate);
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StoreSelectDecode)->Unit(benchmark::kMillisecond)->MinTime(2);

// The decode half of the above alone: iterators are built (select, chunk
// reads) with the timer paused, then drained with next_batch.
void BM_StoreDecodeOnly(benchmark::State& state) {
  ReadFixture& f = read_fixture();
  model::Matchers ms{*model::Matcher::make(model::MatchType::kEqual, "job", "flink")};
  size_t samples = 0;
  int64_t ts[512];
  double vs[512];
  for (auto _ : state) {
    state.PauseTiming();
    auto q = std::move(f.store->querier(model::kMinTime, model::kMaxTime).value());
    auto set = q->select(false, nullptr, ms);
    std::vector<std::unique_ptr<SampleIterator>> its;
    while (set->next()) its.push_back(set->at().iterator(nullptr));
    state.ResumeTiming();
    for (auto& it : its) {
      while (size_t n = it->next_batch(ts, vs, 512)) samples += n;
    }
    benchmark::DoNotOptimize(ts[0]);
    state.PauseTiming();
    its.clear();
    q.reset();
    state.ResumeTiming();
  }
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StoreDecodeOnly)->Unit(benchmark::kMillisecond)->MinTime(2);

// A narrow query: one operator's records-in counters (16 subtasks), last hour.
void BM_StoreSelectNarrow(benchmark::State& state) {
  ReadFixture& f = read_fixture();
  model::Matchers ms{
      *model::Matcher::make(model::MatchType::kEqual, "__name__",
                            "flink_taskmanager_job_task_operator_numRecordsIn"),
      *model::Matcher::make(model::MatchType::kEqual, "job_name", "payments_fraud_scoring_v7"),
      *model::Matcher::make(model::MatchType::kRegex, "operator_name", "Source:.*")};
  size_t samples = 0;
  for (auto _ : state) {
    auto q = std::move(f.store->querier(kStart + 3600'000, kStart + 7200'000).value());
    auto set = q->select(true, nullptr, ms);
    while (set->next()) {
      auto it = set->at().iterator(nullptr);
      while (it->next()) ++samples;
    }
  }
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StoreSelectNarrow)->Unit(benchmark::kMicrosecond);

// Grafana's label look-ups with match[] over flushed data (issue 6): names and
// instance values of the 10k series of {job="flink"}, and the instances of one
// metric (~590 series). Matchers are resolved on the postings, then the
// look-up walks the postings of the names/values against the selected ids.
enum class Lookup { kNames, kValues };
void store_lookup(benchmark::State& state, Lookup what, const model::Matchers& ms) {
  ReadFixture& f = read_fixture();
  size_t n = 0;
  for (auto _ : state) {
    auto q = std::move(f.store->querier(kStart, kStart + 7200'000).value());
    auto r = what == Lookup::kNames ? q->label_names(ms) : q->label_values("instance", ms);
    if (!r.is_ok()) state.SkipWithError(r.status().message().c_str());
    n = r.is_ok() ? r->size() : 0;
  }
  state.counters["results"] = static_cast<double>(n);
}
void BM_StoreLookupNamesJob(benchmark::State& s) {
  store_lookup(s, Lookup::kNames,
               {*model::Matcher::make(model::MatchType::kEqual, "job", "flink")});
}
void BM_StoreLookupValuesJob(benchmark::State& s) {
  store_lookup(s, Lookup::kValues,
               {*model::Matcher::make(model::MatchType::kEqual, "job", "flink")});
}
void BM_StoreLookupValuesMetric(benchmark::State& s) {
  store_lookup(s, Lookup::kValues,
               {*model::Matcher::make(model::MatchType::kEqual, "__name__",
                                      "flink_taskmanager_job_task_operator_numRecordsIn")});
}
BENCHMARK(BM_StoreLookupNamesJob)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StoreLookupValuesJob)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StoreLookupValuesMetric)->Unit(benchmark::kMillisecond);

// Bytes per sample after flush + full compaction. Args: block KiB, zstd
// dictionary (0/1), zstd level of the last level, timestamp jitter (ms).
void BM_StoreBytesPerSample(benchmark::State& state) {
  const Dataset& ds = flink_2h(static_cast<int>(state.range(3)));
  StoreOptions opts;
  opts.block_size = static_cast<size_t>(state.range(0)) << 10;
  opts.zstd_dictionary = state.range(1) != 0;
  opts.zstd_bottommost_level = static_cast<int>(state.range(2));
  uint64_t sst = 0, total = 0, series = 0, postings = 0, chunks = 0;
  for (auto _ : state) {
    std::string dir = temp_dir();
    auto store = std::move(Store::open(dir, opts).value());
    write_all(*store, ds, 1000);
    if (!store->compact().is_ok()) std::abort();
    sst = 0;
    for (const PartitionInfo& p : store->partitions()) {
      sst += p.disk_bytes;
      series += p.series_bytes;
      postings += p.postings_bytes;
      chunks += p.chunk_bytes;
    }
    total = store->disk_bytes();
    store.reset();
    std::filesystem::remove_all(dir);
  }
  double n = static_cast<double>(ds.samples);
  state.counters["B/sample_sst"] = static_cast<double>(sst) / n;
  state.counters["B/sample_dir"] = static_cast<double>(total) / n;
  state.counters["B/sample_raw_chunks"] = static_cast<double>(ds.chunk_bytes) / n;
  state.counters["raw_label_MB"] = static_cast<double>(ds.label_bytes) / 1e6;
  state.counters["sst_MB"] = static_cast<double>(sst) / 1e6;
  state.counters["chunks_MB"] = static_cast<double>(chunks) / 1e6;
  state.counters["postings_MB"] = static_cast<double>(postings) / 1e6;
  state.counters["series_MB"] = static_cast<double>(series) / 1e6;
}
BENCHMARK(BM_StoreBytesPerSample)
    ->ArgNames({"block_kib", "dict", "zstd", "jitter"})
    ->Args({16, 0, 3, 2})
    ->Args({16, 1, 3, 2})
    ->Args({32, 0, 3, 2})
    ->Args({32, 1, 3, 2})
    ->Args({64, 0, 3, 2})
    ->Args({64, 1, 3, 2})
    ->Args({32, 1, 9, 2})
    ->Args({64, 0, 9, 2})
    ->Args({64, 1, 9, 2})
    ->Args({64, 1, 12, 2})
    ->Args({32, 1, 9, 0})
    ->Args({64, 1, 9, 0})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

// The same over 24 h (one whole day partition, 57.6 M samples), defaults only:
// the label sets and postings are amortised over 12x more samples.
void BM_StoreBytesPerSample24h(benchmark::State& state) {
  static const Dataset ds = make_flink_dataset(10'000, 24, 2);
  uint64_t sst = 0;
  for (auto _ : state) {
    std::string dir = temp_dir();
    auto store = std::move(Store::open(dir).value());
    write_all(*store, ds, 1000);
    if (!store->compact().is_ok()) std::abort();
    sst = 0;
    for (const PartitionInfo& p : store->partitions()) sst += p.disk_bytes;
    store.reset();
    std::filesystem::remove_all(dir);
  }
  state.counters["B/sample_sst"] = static_cast<double>(sst) / static_cast<double>(ds.samples);
  state.counters["B/sample_raw_chunks"] =
      static_cast<double>(ds.chunk_bytes) / static_cast<double>(ds.samples);
}
BENCHMARK(BM_StoreBytesPerSample24h)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace promlite::tsdb::store
