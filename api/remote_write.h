// The remote-write 1.0 receiver (POST /api/v1/write): a snappy-compressed
// prometheus.WriteRequest protobuf, decoded by hand (the message is small and
// fixed; no generated code), appended in one batch.
//
// Answers as Prometheus's receiver: 204 on success; 400 for what a retry cannot
// fix (bad snappy or protobuf, an out-of-order, duplicate or too-far-in-the-
// future sample: the batch is rolled back); 500 when storage fails and a retry
// may help. Series with invalid label sets are skipped and counted, as
// Prometheus does.
//
// The hot path allocates nothing per sample: the request is decompressed into
// a per-thread buffer, decoded into views of it (WriteRequestView), and each
// series' label set is encoded straight from those views (SeriesLabelsBuilder:
// no per-label strings, no sort when the sender sent the labels sorted, as
// Prometheus senders do).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_server.h"
#include "model/labels.h"
#include "model/sample.h"
#include "model/status.h"
#include "tsdb/appender.h"

namespace promlite::api {

// Identifies a series' wire label bytes (see SeriesRefCache::key_of).
struct SeriesKey {
  uint64_t a = 0;  // never 0 once computed (0 marks a free cache slot)
  uint32_t b = 0;
};

// One TimeSeries of a decoded request (see WriteRequestView).
struct SeriesView {
  uint32_t labels_begin = 0, labels_end = 0;    // [begin, end) of the view's labels
  uint32_t samples_begin = 0, samples_end = 0;  // [begin, end) of the view's samples
  // The series' label fields as sent (tags included), when they are
  // contiguous on the wire (as every sender writes them); else empty.
  std::string_view raw_labels;
  // Set by a decode with a SeriesRefCache (for non-empty raw_labels). When
  // the cache knows the series, cached_ref is its ref and its labels are not
  // decoded (labels_begin == labels_end).
  SeriesKey key;
  tsdb::SeriesRef cached_ref = 0;
};

// Wire label bytes (WriteRequestView::Series::raw_labels) -> series ref,
// shared by the request threads. Senders resend identical label sets in every
// request, so a known series costs one hash of its label bytes and one lookup:
// no label set building, no label hashing and comparing in the head.
//
// Keys are 96 bits of two hashes of the bytes; the bytes are not kept, so a
// false match needs a 96-bit collision (odds about n^2/2^97: 6e-16 for 10M
// distinct label sets). Entries cost 24 bytes (at most 2x that with table
// slack); sweep() drops those unused since the sweep before, and the cache
// holds at most kMaxEntries (beyond that, new series simply go uncached).
// Thread-safe: sharded locks.
class SeriesRefCache {
 public:
  static constexpr size_t kMaxEntries = size_t{1} << 21;
  using Key = SeriesKey;
  static Key key_of(std::string_view raw_labels);

  // The cached ref, or 0.
  tsdb::SeriesRef find(const Key& k);
  // Sets cached_ref of every series with a key (0 when unknown), taking each
  // shard's lock once for the whole request.
  void find_all(std::span<SeriesView> series);
  void put(const Key& k, tsdb::SeriesRef ref);
  void erase(const Key& k);
  // Drops the entries not used since the previous sweep.
  void sweep();
  size_t size() const;

 private:
  struct Entry {
    uint64_t a = 0;
    uint32_t b = 0;
    uint32_t epoch = 0;  // sweep period of the last use
    tsdb::SeriesRef ref = 0;
  };
  struct Shard {
    mutable std::mutex mu;
    std::vector<Entry> slots;  // open addressing, linear probing, power of two
    size_t used = 0;
  };
  static size_t shard_of(const Key& k) { return k.a >> 58; }
  static constexpr size_t kShards = 64;
  static Entry* probe(Shard& sh, const Key& k);
  static void insert(std::vector<Entry>& slots, const Entry& e);
  Shard& shard(const Key& k) { return shards_[shard_of(k)]; }
  Shard shards_[kShards];
  std::atomic<uint32_t> epoch_{1};
};

// A decoded WriteRequest whose label text points into the protobuf bytes
// (which must outlive it). Reusable: decode() keeps the vectors' capacity.
struct WriteRequestView {
  using Series = SeriesView;
  std::vector<model::Label> labels;  // wire order, per series
  std::vector<model::Sample> samples;
  std::vector<Series> series;
  size_t histograms = 0;  // native histograms received (not stored yet)
  size_t exemplars = 0;   // exemplars received (not stored yet)

  std::span<const model::Label> labels_of(const Series& s) const {
    return {labels.data() + s.labels_begin, s.labels_end - s.labels_begin};
  }
  std::span<const model::Sample> samples_of(const Series& s) const {
    return {samples.data() + s.samples_begin, s.samples_end - s.samples_begin};
  }
};

// Decodes an uncompressed prometheus.WriteRequest into `out` (cleared first).
// kInvalidArgument for malformed protobuf. With a `cache`, series whose label
// bytes it knows get their cached ref and no decoded labels.
Status decode_write_request(std::string_view proto, WriteRequestView* out,
                            SeriesRefCache* cache = nullptr);

// Turns a series' wire labels into a model::Labels, judging them as
// Prometheus's receiver does: invalid when the metric name is missing or
// empty, a label name is empty or repeated, or a name or value is not valid
// UTF-8. Labels with empty values are dropped (as everywhere in promlite).
// Wire labels already sorted by name (what senders send) are encoded in one
// pass; others are sorted first. Reusable; not thread-safe.
class SeriesLabelsBuilder {
 public:
  // Sets *out and returns true for a valid set; returns false (and leaves
  // *out alone) for an invalid one.
  bool build(std::span<const model::Label> wire, model::Labels* out);

 private:
  std::vector<model::Label> sorted_;
  std::string buf_;
};

// The whole request materialized (tests, fuzzing; the receiver uses the views).
struct WriteSeries {
  model::Labels labels;
  std::vector<model::Sample> samples;
  bool valid = true;  // false: see SeriesLabelsBuilder
};

struct WriteRequest {
  std::vector<WriteSeries> series;
  size_t histograms = 0;
  size_t exemplars = 0;
};

Result<WriteRequest> decode_write_request(std::string_view proto);

struct RemoteWriteStats {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> samples{0};
  std::atomic<uint64_t> rejected_requests{0};
  std::atomic<uint64_t> invalid_label_series{0};
};

class RemoteWriteReceiver {
 public:
  // `now_ms` (wall clock in ms; tests inject one) bounds sample timestamps:
  // samples more than 10 minutes ahead of it are refused, as in Prometheus.
  RemoteWriteReceiver(tsdb::Appendable& storage, bool enabled,
                      std::function<int64_t()> now_ms = {});
  void register_routes(Router& router);
  // Thread-safe: requests are handled concurrently (per-thread scratch space).
  void handle(const HttpRequest& req, HttpResponse& resp);
  const RemoteWriteStats& stats() const { return stats_; }
  const SeriesRefCache& cache() const { return cache_; }

 private:
  void maybe_sweep();

  tsdb::Appendable& storage_;
  bool enabled_;
  std::function<int64_t()> now_ms_;
  RemoteWriteStats stats_;
  SeriesRefCache cache_;
  std::atomic<int64_t> last_sweep_ns_{0};
};

}  // namespace promlite::api
