// Chunk codec benchmarks (tsdb/chunkenc): append, encode_best, decode through
// next() and next_batch(), and bytes per sample for typical series shapes.
//   build/<rel>/bench/promlite_bench --benchmark_filter=Chunk
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "tests/chunkenc/series_gen.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/chunkenc/xor_chunk.h"

namespace promlite::tsdb::chunkenc {
namespace {

namespace gen = testing;
using model::Sample;

enum Shape { kCounter, kFloatGauge, kConstant, kDecimalGauge };

std::vector<Sample> make(Shape shape, size_t n) {
  std::mt19937_64 rng(1);
  switch (shape) {
    case kCounter:
      return gen::counter(rng, n);
    case kFloatGauge:
      return gen::float_gauge(rng, n);
    case kConstant:
      return gen::constant(rng, n, 1.0);
    case kDecimalGauge:
      return gen::decimal_gauge(rng, n, 2);
  }
  return {};
}

const char* shape_name(int64_t s) {
  static const char* kNames[] = {"counter", "float_gauge", "constant", "decimal_gauge"};
  return kNames[s];
}

// Args: shape, samples per chunk.
void BM_ChunkXorAppend(benchmark::State& state) {
  auto samples = make(static_cast<Shape>(state.range(0)), static_cast<size_t>(state.range(1)));
  std::string buf;
  for (auto _ : state) {
    XorAppender app;
    buf.clear();
    for (const Sample& s : samples) app.append(buf, s.t, s.v);
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(samples.size()));
  state.SetLabel(shape_name(state.range(0)));
}

void BM_ChunkEncodeBest(benchmark::State& state) {
  auto samples = make(static_cast<Shape>(state.range(0)), static_cast<size_t>(state.range(1)));
  std::string out;
  Encoding chosen{};
  for (auto _ : state) {
    out.clear();
    chosen = *encode_best(samples, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(samples.size()));
  state.counters["bytes_per_sample"] =
      static_cast<double>(out.size()) / static_cast<double>(samples.size());
  state.SetLabel(std::string(shape_name(state.range(0))) + "/" +
                 std::string(encoding_name(chosen)));
}

// Args: shape, samples per chunk, forced codec (0 = encode_best).
std::string encoded(benchmark::State& state) {
  auto samples = make(static_cast<Shape>(state.range(0)), static_cast<size_t>(state.range(1)));
  std::string chunk;
  if (state.range(2) == 0) {
    (void)encode_best(samples, chunk);
  } else {
    (void)encode(static_cast<Encoding>(state.range(2)), samples, chunk);
  }
  state.SetLabel(std::string(shape_name(state.range(0))) + "/" +
                 std::string(encoding_name(static_cast<Encoding>(chunk[0]))));
  state.counters["bytes_per_sample"] =
      static_cast<double>(chunk.size()) / static_cast<double>(samples.size());
  return chunk;
}

void BM_ChunkDecodeNext(benchmark::State& state) {
  std::string chunk = encoded(state);
  std::unique_ptr<SampleIterator> it;
  int64_t n = 0;
  for (auto _ : state) {
    it = new_iterator(as_bytes(chunk), std::move(it));
    double sum = 0;
    while (it->next()) {
      sum += it->at().v;
      ++n;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(n);
}

void BM_ChunkDecodeBatch(benchmark::State& state) {
  std::string chunk = encoded(state);
  std::unique_ptr<SampleIterator> it;
  std::vector<int64_t> ts(1024);
  std::vector<double> vs(1024);
  int64_t n = 0;
  for (auto _ : state) {
    it = new_iterator(as_bytes(chunk), std::move(it));
    while (size_t k = it->next_batch(ts.data(), vs.data(), ts.size())) {
      n += static_cast<int64_t>(k);
      benchmark::DoNotOptimize(vs.data());
    }
  }
  state.SetItemsProcessed(n);
}

void AppendArgs(benchmark::internal::Benchmark* b) {
  for (int shape : {kCounter, kFloatGauge}) b->Args({shape, 120});
}

void ShapeArgs(benchmark::internal::Benchmark* b) {
  for (int shape : {kCounter, kFloatGauge, kConstant, kDecimalGauge}) {
    for (int n : {120, 240}) b->Args({shape, n});
  }
}

void DecodeArgs(benchmark::internal::Benchmark* b) {
  for (int n : {120, 1024}) {
    b->Args({kCounter, n, 0});  // intpack
    b->Args({kCounter, n, static_cast<int>(Encoding::kXor)});
    b->Args({kFloatGauge, n, 0});  // xor
    b->Args({kConstant, n, static_cast<int>(Encoding::kConst)});
    b->Args({kDecimalGauge, n, 0});
  }
}

BENCHMARK(BM_ChunkXorAppend)->Apply(AppendArgs);
BENCHMARK(BM_ChunkEncodeBest)->Apply(ShapeArgs);
BENCHMARK(BM_ChunkDecodeNext)->Apply(DecodeArgs);
BENCHMARK(BM_ChunkDecodeBatch)->Apply(DecodeArgs);

}  // namespace
}  // namespace promlite::tsdb::chunkenc
