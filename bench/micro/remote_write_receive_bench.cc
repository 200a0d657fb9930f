// Remote-write receive path without sockets, stage by stage, on what a
// Prometheus sender posts: 2,000 series x 1 sample per request, Flink-like
// label sets (14 labels, ~650 bytes of text, like promlite_benchgen's), series known after the
// first request. Stages:
//   Snappy      snappy decompression of the request body
//   Decode      protobuf decoding into views (WriteRequestView), no cache
//   Labels      label sets built from the views (SeriesLabelsBuilder): what
//               a series unknown to the cache costs
//   DecodeCached the same with a warm series cache: label bytes hashed and
//               looked up, labels of known series not decoded (the steady
//               state: Labels and the head's label lookup are skipped too)
//   AppendByRef append by cached ref + commit into a tsdb::DB in a temp dir,
//               WAL on, defaults as the binary runs it
//   Append      the same by labels (ref 0): series not in the cache
//   Handle      RemoteWriteReceiver::handle: all of the above
// Each reports samples/s (items_per_second). The DB stages rotate over 4
// groups of 2,000 series (8,000 in the head), one group per request, as 4
// sender shards do.
//
//   build/<dir>-rel/bench/promlite_bench --benchmark_filter=RemoteWriteReceive
#include <benchmark/benchmark.h>
#include <snappy.h>
#include <stdlib.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/remote_write.h"
#include "model/labels.h"
#include "tsdb/db.h"

namespace promlite::api {
namespace {

constexpr int kSeriesPerRequest = 2000;
constexpr int kGroups = 4;
constexpr int64_t kStepMs = 15000;

// Two hours ago, so that retention keeps the data and the receiver's
// 10-minute future bound (wall clock) lets every benchmark step through.
const int64_t kStartMs = [] {
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  return now - now % kStepMs - 2 * 3600 * 1000;
}();

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string hex(uint64_t x, int digits) {
  static const char* kHex = "0123456789abcdef";
  std::string s(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, x = x * 6364136223846793005ULL + 1442695040888963407ULL) {
    s[static_cast<size_t>(i)] = kHex[(x >> 33) & 15];
  }
  return s;
}

// A Flink task-operator series, sorted by name as senders send them.
Pairs flink_labels(int i) {
  static const char* kMetrics[] = {"numRecordsIn", "numRecordsOut", "numBytesIn",
                                   "numRecordsInPerSecond", "currentInputWatermark"};
  const int tm = i / 250, op = i / 5;
  std::string host = "flink-taskmanager-" + hex(static_cast<uint64_t>(tm), 10) + "-" +
                     hex(static_cast<uint64_t>(tm) + 7, 5);
  return {
      {"__name__", std::string("flink_taskmanager_job_task_operator_") + kMetrics[i % 5]},
      {"host", host},
      {"instance", "10.244." + std::to_string(tm / 250) + "." + std::to_string(tm % 250) + ":9249"},
      {"job", "flink-taskmanager"},
      {"job_id", hex(42, 32)},
      {"job_name", "fluss-orders-enrichment-pipeline-production"},
      {"operator_id", hex(static_cast<uint64_t>(op) * 31 + 1, 32)},
      {"operator_name", "Source: fluss_orders[" + std::to_string(op) +
                            "] -> Calc(select=[order_id, customer_id, amount, ts]) -> "
                            "WatermarkAssigner(rowtime=[ts])"},
      {"subtask_index", std::to_string(op % 16)},
      {"task_attempt_id", hex(static_cast<uint64_t>(op) * 17 + 3, 32)},
      {"task_attempt_num", "0"},
      {"task_id", hex(static_cast<uint64_t>(op) * 13 + 5, 32)},
      {"task_name", "Source: fluss_orders -> Calc -> WatermarkAssigner"},
      {"tm_id", host + ":6122-" + hex(static_cast<uint64_t>(tm) * 3, 6)},
  };
}

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_bytes(std::string& out, int field, std::string_view s) {
  put_varint(out, static_cast<uint64_t>(field) << 3 | 2);
  put_varint(out, s.size());
  out.append(s);
}

// The serialized labels of every series (field 1 entries of a TimeSeries).
const std::vector<std::string>& wire_labels() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> out;
    for (int i = 0; i < kSeriesPerRequest * kGroups; ++i) {
      std::string ts;
      for (const auto& [name, value] : flink_labels(i)) {
        std::string label;
        put_bytes(label, 1, name);
        put_bytes(label, 2, value);
        put_bytes(ts, 1, label);
      }
      out.push_back(std::move(ts));
    }
    return out;
  }();
  return all;
}

// One request: group `g`'s 2,000 series, one sample each at `t`.
std::string encode_request(int g, int64_t t) {
  const auto& labels = wire_labels();
  std::string req, ts, sample;
  for (int i = g * kSeriesPerRequest; i < (g + 1) * kSeriesPerRequest; ++i) {
    ts = labels[static_cast<size_t>(i)];
    sample.clear();
    sample.push_back(static_cast<char>(1 << 3 | 1));
    double v = static_cast<double>(t / kStepMs * 10 + i);
    char bits[8];
    std::memcpy(bits, &v, 8);
    sample.append(bits, 8);
    put_varint(sample, 2 << 3 | 0);
    put_varint(sample, static_cast<uint64_t>(t));
    put_bytes(ts, 2, sample);
    put_bytes(req, 1, ts);
  }
  return req;
}

std::string compress(const std::string& in) {
  std::string out;
  snappy::Compress(in.data(), in.size(), &out);
  return out;
}

// A DB in a fresh temp dir, removed afterwards.
struct TempDb {
  TempDb() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rw_recv_bench.XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir = tmpl;
    tsdb::DbOptions o;
    o.dir = dir;
    auto opened = tsdb::DB::open(o);
    if (!opened) std::abort();
    db = std::move(*opened);
  }
  ~TempDb() {
    db.reset();
    std::filesystem::remove_all(dir);
  }
  std::string dir;
  std::unique_ptr<tsdb::DB> db;
};

void set_counters(benchmark::State& state, const std::string& body, const std::string& proto) {
  state.SetItemsProcessed(state.iterations() * kSeriesPerRequest);
  state.counters["req_bytes"] = static_cast<double>(body.size());
  state.counters["proto_bytes"] = static_cast<double>(proto.size());
}

void BM_RemoteWriteReceiveSnappy(benchmark::State& state) {
  const std::string proto = encode_request(0, kStartMs);
  const std::string body = compress(proto);
  std::unique_ptr<char[]> out(new char[proto.size()]);
  for (auto _ : state) {
    size_t n = 0;
    if (!snappy::GetUncompressedLength(body.data(), body.size(), &n) ||
        !snappy::RawUncompress(body.data(), body.size(), out.get())) {
      state.SkipWithError("snappy failed");
    }
    benchmark::DoNotOptimize(out.get());
  }
  set_counters(state, body, proto);
}
BENCHMARK(BM_RemoteWriteReceiveSnappy);

void BM_RemoteWriteReceiveDecode(benchmark::State& state) {
  const std::string proto = encode_request(0, kStartMs);
  WriteRequestView view;
  for (auto _ : state) {
    if (!decode_write_request(proto, &view)) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(view.series.data());
  }
  set_counters(state, compress(proto), proto);
}
BENCHMARK(BM_RemoteWriteReceiveDecode);

void BM_RemoteWriteReceiveLabels(benchmark::State& state) {
  const std::string proto = encode_request(0, kStartMs);
  WriteRequestView view;
  if (!decode_write_request(proto, &view)) std::abort();
  SeriesLabelsBuilder builder;
  model::Labels labels;
  for (auto _ : state) {
    for (const auto& s : view.series) {
      if (!builder.build(view.labels_of(s), &labels)) state.SkipWithError("invalid labels");
      benchmark::DoNotOptimize(labels.data().data());
    }
  }
  set_counters(state, compress(proto), proto);
}
BENCHMARK(BM_RemoteWriteReceiveLabels);

// Decoding with the receiver's warm series cache: each series' wire label
// bytes are hashed and looked up; known series skip label decoding, label
// set building and the head's label lookup.
void BM_RemoteWriteReceiveDecodeCached(benchmark::State& state) {
  const std::string proto = encode_request(0, kStartMs);
  WriteRequestView view;
  SeriesRefCache cache;
  if (!decode_write_request(proto, &view)) std::abort();
  tsdb::SeriesRef next = 1;
  for (const auto& s : view.series) cache.put(SeriesRefCache::key_of(s.raw_labels), next++);
  for (auto _ : state) {
    if (!decode_write_request(proto, &view, &cache)) state.SkipWithError("decode failed");
    if (view.series.back().cached_ref == 0) state.SkipWithError("cache miss");
    benchmark::DoNotOptimize(view.series.data());
  }
  set_counters(state, compress(proto), proto);
}
BENCHMARK(BM_RemoteWriteReceiveDecodeCached);

// Append + commit by cached ref (no label set), as the receiver does for
// known series.
void BM_RemoteWriteReceiveAppendByRef(benchmark::State& state) {
  TempDb tdb;
  std::vector<tsdb::SeriesRef> refs;
  {
    auto app = tdb.db->appender();
    for (int i = 0; i < kSeriesPerRequest * kGroups; ++i) {
      refs.push_back(*app->append(0, model::Labels::from_pairs(flink_labels(i)), kStartMs, 0));
    }
    if (!app->commit()) std::abort();
  }
  const model::Labels none;
  int64_t iter = kGroups;
  for (auto _ : state) {
    const int g = static_cast<int>(iter % kGroups);
    const int64_t t = kStartMs + (iter / kGroups) * kStepMs;
    ++iter;
    auto app = tdb.db->appender();
    for (int i = g * kSeriesPerRequest; i < (g + 1) * kSeriesPerRequest; ++i) {
      auto r = app->append(refs[static_cast<size_t>(i)], none, t, static_cast<double>(i));
      if (!r) state.SkipWithError("append failed");
    }
    if (!app->commit()) state.SkipWithError("commit failed");
  }
  state.SetItemsProcessed(state.iterations() * kSeriesPerRequest);
}
BENCHMARK(BM_RemoteWriteReceiveAppendByRef);

// Append + commit of ready label sets, by labels (ref 0): the receiver's
// path for series it has not seen yet.
void BM_RemoteWriteReceiveAppend(benchmark::State& state) {
  TempDb tdb;
  std::vector<model::Labels> labels;
  for (int i = 0; i < kSeriesPerRequest * kGroups; ++i) {
    labels.push_back(model::Labels::from_pairs(flink_labels(i)));
  }
  int64_t iter = 0;
  for (auto _ : state) {
    const int g = static_cast<int>(iter % kGroups);
    const int64_t t = kStartMs + (iter / kGroups) * kStepMs;
    ++iter;
    auto app = tdb.db->appender();
    for (int i = g * kSeriesPerRequest; i < (g + 1) * kSeriesPerRequest; ++i) {
      auto r = app->append(0, labels[static_cast<size_t>(i)], t, static_cast<double>(i));
      if (!r) state.SkipWithError("append failed");
    }
    if (!app->commit()) state.SkipWithError("commit failed");
  }
  state.SetItemsProcessed(state.iterations() * kSeriesPerRequest);
}
BENCHMARK(BM_RemoteWriteReceiveAppend);

// The whole handler. Request bodies are made outside the timing (each
// iteration needs newer timestamps).
void BM_RemoteWriteReceiveHandle(benchmark::State& state) {
  TempDb tdb;
  RemoteWriteReceiver rw(*tdb.db, true);
  HttpRequest req;
  req.method = http::verb::post;
  req.path = "/api/v1/write";
  int64_t iter = 0;
  std::string proto;
  for (auto _ : state) {
    state.PauseTiming();
    const int g = static_cast<int>(iter % kGroups);
    const int64_t t = kStartMs + (iter / kGroups) * kStepMs;
    ++iter;
    proto = encode_request(g, t);
    req.body = compress(proto);
    state.ResumeTiming();
    HttpResponse resp;
    rw.handle(req, resp);
    if (resp.status != 204) state.SkipWithError(resp.body.c_str());
  }
  set_counters(state, req.body, proto);
}
BENCHMARK(BM_RemoteWriteReceiveHandle)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace promlite::api
