// WAL benchmarks (tsdb/wal): sample-record encode/decode for a 1000-sample
// scrape batch, CRC32C throughput, log() into a temporary directory, and replay
// (read + decode) of a written WAL.
//   build/<rel>/bench/promlite_bench --benchmark_filter=Wal
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "tsdb/wal/crc32c.h"
#include "tsdb/wal/reader.h"
#include "tsdb/wal/records.h"
#include "tsdb/wal/writer.h"

namespace promlite::tsdb::wal {
namespace {

// One scrape: 1000 series with ids created in sequence (a few gaps), one
// timestamp, random-walk float values.
std::vector<RefSample> scrape_batch(size_t n = 1000) {
  std::mt19937_64 rng(7);
  std::vector<RefSample> out;
  uint64_t id = 123456;
  double v = 100;
  for (size_t i = 0; i < n; ++i) {
    id += 1 + (rng() % 16 == 0 ? rng() % 50 : 0);
    v += std::normal_distribution<double>(0, 1)(rng);
    out.push_back({id, 1'700'000'000'000, v});
  }
  return out;
}

std::string temp_dir() {
  std::string tmpl = "/tmp/wal-bench-XXXXXX";
  return ::mkdtemp(tmpl.data()) ? tmpl : std::string();
}

void BM_WalEncodeSamples(benchmark::State& state) {
  auto batch = scrape_batch();
  std::string out;
  for (auto _ : state) {
    out.clear();
    encode_samples(batch, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * batch.size());
  state.counters["bytes/sample"] = static_cast<double>(out.size()) / batch.size();
}
BENCHMARK(BM_WalEncodeSamples);

void BM_WalDecodeSamples(benchmark::State& state) {
  auto batch = scrape_batch();
  std::string rec;
  encode_samples(batch, rec);
  std::vector<RefSample> out;
  for (auto _ : state) {
    out.clear();
    if (!decode_samples(rec, out).is_ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * batch.size());
}
BENCHMARK(BM_WalDecodeSamples);

void BM_WalDecodeSeries(benchmark::State& state) {
  std::vector<SeriesRecord> series;
  for (uint64_t i = 0; i < 100; ++i) {
    series.push_back({i, model::Labels{{"__name__", "flink_taskmanager_job_task_numRecordsIn"},
                                       {"instance", "10.0.0.1:9249"},
                                       {"job", "flink"},
                                       {"task_name", "Source: kafka"},
                                       {"subtask_index", std::to_string(i)}}});
  }
  std::string rec;
  encode_series(series, rec);
  std::vector<SeriesRecord> out;
  for (auto _ : state) {
    out.clear();
    if (!decode_series(rec, out).is_ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * series.size());
}
BENCHMARK(BM_WalDecodeSeries);

// Arg 0: dispatching crc32c (hardware when available); 1: portable slicing-by-8.
void BM_WalCrc32c(benchmark::State& state) {
  std::string buf(static_cast<size_t>(state.range(1)), 'x');
  std::mt19937_64 rng(1);
  for (auto& c : buf) c = static_cast<char>(rng());
  for (auto _ : state) {
    uint32_t c = state.range(0) == 0 ? crc32c(buf.data(), buf.size())
                                     : crc32c_extend_portable(0, buf.data(), buf.size());
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(state.iterations() * buf.size());
  state.SetLabel(state.range(0) == 0 ? (crc32c_hardware_available() ? "sse4.2" : "portable")
                                     : "slicing-by-8");
}
BENCHMARK(BM_WalCrc32c)->ArgsProduct({{0, 1}, {256, 64 << 10}});

// log() of one record of `range(0)` bytes per call into a fresh directory with
// the default background sync; old segments are removed as it goes.
void BM_WalLog(benchmark::State& state) {
  std::string dir = temp_dir();
  WriterOptions opts;
  opts.segment_bytes = 16 << 20;
  auto w = Writer::open(dir, opts);
  if (!w) {
    state.SkipWithError(w.status().to_string().c_str());
    return;
  }
  std::string rec;
  if (state.range(0) == 0) {
    encode_samples(scrape_batch(), rec);  // a real scrape batch
  } else {
    rec.assign(static_cast<size_t>(state.range(0)), 'r');
  }
  uint64_t seg = (*w)->current_segment();
  for (auto _ : state) {
    if (!(*w)->log(rec).is_ok()) state.SkipWithError("log failed");
    if ((*w)->current_segment() != seg) {
      seg = (*w)->current_segment();
      (*w)->remove_segments_before(seg).ignore();
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * rec.size());
  state.counters["fsyncs"] = static_cast<double>((*w)->stats().fsyncs);
  w->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_WalLog)->Arg(0)->Arg(100)->UseRealTime();

// Concurrent log() from `threads` scrape loops into one writer.
void BM_WalLogConcurrent(benchmark::State& state) {
  static std::string dir;
  static std::unique_ptr<Writer> w;
  if (state.thread_index() == 0) {
    dir = temp_dir();
    WriterOptions opts;
    opts.segment_bytes = 1ULL << 40;  // no rotation: bounded by the run time
    auto r = Writer::open(dir, opts);
    if (r) w = std::move(*r);
  }
  std::string rec;
  encode_samples(scrape_batch(), rec);
  for (auto _ : state) {
    if (!w || !w->log(rec).is_ok()) state.SkipWithError("log failed");
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  state.SetBytesProcessed(state.iterations() * rec.size());
  if (state.thread_index() == 0) {
    w.reset();
    std::filesystem::remove_all(dir);
  }
}
BENCHMARK(BM_WalLogConcurrent)->Threads(2)->Iterations(20000)->UseRealTime();

// Replay: Reader over ~16 MiB of scrape batches, decoding every record.
void BM_WalReplay(benchmark::State& state) {
  std::string dir = temp_dir();
  std::string rec;
  encode_samples(scrape_batch(), rec);
  size_t n = (16 << 20) / rec.size();
  {
    auto w = Writer::open(dir);
    if (!w) {
      state.SkipWithError("open failed");
      return;
    }
    for (size_t i = 0; i < n; ++i) (*w)->log(rec).ignore();
  }
  std::vector<RefSample> out;
  for (auto _ : state) {
    auto r = Reader::open(dir, 0);
    while ((*r)->next()) {
      out.clear();
      decode_samples((*r)->record(), out).ignore();
    }
  }
  state.SetItemsProcessed(state.iterations() * n * 1000);
  state.SetBytesProcessed(state.iterations() * n * (rec.size() + 8));
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_WalReplay)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace promlite::tsdb::wal
