#include "api/remote_write.h"

#include <snappy.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <memory>

#include "model/log.h"
#include "model/utf8.h"
#include "model/varint.h"

namespace promlite::api {
namespace {

// Prometheus refuses samples more than this far ahead of its clock
// (storage/remote's timeLimitAppender, maxAheadTime).
constexpr int64_t kMaxAheadMs = 10 * 60 * 1000;
// A snappy header may claim any length up to 4 GiB; refuse absurd ones before
// allocating (a 64 MiB body cannot honestly expand much further).
constexpr size_t kMaxDecodedBytes = size_t{1} << 30;
// Per-thread scratch larger than this is released after the request.
constexpr size_t kKeepScratchBytes = size_t{16} << 20;
constexpr size_t kKeepScratchEntries = size_t{1} << 18;
// How often the series cache forgets label sets not sent since the last sweep.
constexpr int64_t kSweepEveryNs = int64_t{5} * 60 * 1000 * 1000 * 1000;

// A bounds-checked reader of protobuf wire format.
class ProtoReader {
 public:
  explicit ProtoReader(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}
  bool done() const { return p_ >= end_; }
  const char* pos() const { return p_; }

  bool varint(uint64_t* v) { return model::get_uvarint(&p_, end_, v); }
  bool fixed64(uint64_t* v) {
    if (end_ - p_ < 8) return false;
    std::memcpy(v, p_, 8);  // little-endian host, as protobuf
    p_ += 8;
    return true;
  }
  bool bytes(std::string_view* out) {
    uint64_t n;
    if (!varint(&n) || n > static_cast<uint64_t>(end_ - p_)) return false;
    *out = std::string_view(p_, static_cast<size_t>(n));
    p_ += n;
    return true;
  }
  // Skips a field of `wire_type`.
  bool skip(uint32_t wire_type) {
    uint64_t v;
    std::string_view s;
    switch (wire_type) {
      case 0:
        return varint(&v);
      case 1:
        return fixed64(&v);
      case 2:
        return bytes(&s);
      case 5:
        if (end_ - p_ < 4) return false;
        p_ += 4;
        return true;
      default:
        return false;
    }
  }

 private:
  const char* p_;
  const char* end_;
};

Status bad(const char* what) {
  return invalid_argument(std::string("decode remote write request: ") + what);
}

// prometheus.Label: name = 1, value = 2 (a repeated field: the last wins).
Status decode_label(std::string_view in, model::Label* l) {
  ProtoReader r(in);
  while (!r.done()) {
    uint64_t key;
    if (!r.varint(&key)) return bad("truncated label");
    if (key == (1 << 3 | 2)) {
      if (!r.bytes(&l->name)) return bad("truncated label name");
    } else if (key == (2 << 3 | 2)) {
      if (!r.bytes(&l->value)) return bad("truncated label value");
    } else if (!r.skip(static_cast<uint32_t>(key & 7))) {
      return bad("malformed label");
    }
  }
  return Status::ok();
}

// prometheus.Sample: value = 1 (double), timestamp = 2 (int64).
Status decode_sample(std::string_view in, model::Sample* s) {
  ProtoReader r(in);
  while (!r.done()) {
    uint64_t key, v;
    if (!r.varint(&key)) return bad("truncated sample");
    if (key == (1 << 3 | 1)) {
      if (!r.fixed64(&v)) return bad("truncated sample value");
      s->v = model::bits_to_float(v);
    } else if (key == (2 << 3 | 0)) {
      if (!r.varint(&v)) return bad("truncated sample timestamp");
      s->t = static_cast<int64_t>(v);
    } else if (!r.skip(static_cast<uint32_t>(key & 7))) {
      return bad("malformed sample");
    }
  }
  return Status::ok();
}

// Decodes every label field of a TimeSeries message into `out`.
Status decode_labels(std::string_view in, std::vector<model::Label>* out) {
  ProtoReader r(in);
  while (!r.done()) {
    uint64_t key;
    std::string_view b;
    if (!r.varint(&key)) return bad("truncated time series");
    if (key == (1 << 3 | 2)) {
      if (!r.bytes(&b)) return bad("truncated time series field");
      if (Status st = decode_label(b, &out->emplace_back()); !st) return st;
    } else if (!r.skip(static_cast<uint32_t>(key & 7))) {
      return bad("malformed time series");
    }
  }
  return Status::ok();
}

// prometheus.TimeSeries: labels = 1, samples = 2, exemplars = 3, histograms = 4.
// With `keyed`, contiguous label fields are only hashed (SeriesRefCache::key_of)
// and decoded later for the series the cache does not know; otherwise now.
Status decode_series(std::string_view in, WriteRequestView* out, bool keyed) {
  WriteRequestView::Series s;
  s.samples_begin = static_cast<uint32_t>(out->samples.size());
  const char* raw_begin = nullptr;
  const char* raw_end = nullptr;
  bool contiguous = true;
  ProtoReader r(in);
  while (!r.done()) {
    const char* field_start = r.pos();
    uint64_t key;
    if (!r.varint(&key)) return bad("truncated time series");
    uint32_t field = static_cast<uint32_t>(key >> 3), wire = static_cast<uint32_t>(key & 7);
    std::string_view b;
    if (wire == 2 && field >= 1 && field <= 4) {
      if (!r.bytes(&b)) return bad("truncated time series field");
      if (field == 1) {
        if (raw_begin == nullptr) {
          raw_begin = field_start;
        } else if (raw_end != field_start) {
          contiguous = false;
        }
        raw_end = r.pos();
      } else if (field == 2) {
        if (Status st = decode_sample(b, &out->samples.emplace_back()); !st) return st;
      } else if (field == 3) {
        ++out->exemplars;
      } else {
        ++out->histograms;
      }
    } else if (!r.skip(wire)) {
      return bad("malformed time series");
    }
  }
  s.samples_end = static_cast<uint32_t>(out->samples.size());
  if (raw_begin != nullptr && contiguous) {
    s.raw_labels = std::string_view(raw_begin, static_cast<size_t>(raw_end - raw_begin));
  }
  s.labels_begin = s.labels_end = static_cast<uint32_t>(out->labels.size());
  if (keyed && !s.raw_labels.empty()) {
    s.key = SeriesRefCache::key_of(s.raw_labels);
  } else {
    if (Status st = decode_labels(in, &out->labels); !st) return st;
    s.labels_end = static_cast<uint32_t>(out->labels.size());
  }
  out->series.push_back(s);
  return Status::ok();
}

// The wire labels as given (for log lines about invalid sets).
model::Labels wire_labels(std::span<const model::Label> wire) {
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(wire.size());
  for (const model::Label& l : wire) pairs.emplace_back(l.name, l.value);
  return model::Labels::from_pairs(std::move(pairs));
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Per-thread buffers of the receiver, reused across requests.
struct Scratch {
  std::unique_ptr<char[]> proto;
  size_t capacity = 0;
  WriteRequestView view;
  SeriesLabelsBuilder builder;
  std::vector<model::Label> labels;  // of a series known to the cache

  // Drops what one unusually large request left behind.
  void trim() {
    if (capacity > kKeepScratchBytes) {
      proto.reset();
      capacity = 0;
    }
    if (view.labels.capacity() > kKeepScratchEntries) view.labels = {};
    if (view.samples.capacity() > kKeepScratchEntries) view.samples = {};
    if (view.series.capacity() > kKeepScratchEntries) view.series = {};
  }
};

}  // namespace

Status decode_write_request(std::string_view proto, WriteRequestView* out, SeriesRefCache* cache) {
  out->labels.clear();
  out->samples.clear();
  out->series.clear();
  out->histograms = 0;
  out->exemplars = 0;
  ProtoReader r(proto);
  while (!r.done()) {
    uint64_t key;
    if (!r.varint(&key)) return bad("truncated request");
    std::string_view s;
    if (key == (1 << 3 | 2)) {  // WriteRequest.timeseries
      if (!r.bytes(&s)) return bad("truncated time series");
      if (Status st = decode_series(s, out, cache != nullptr); !st) return st;
    } else if (!r.skip(static_cast<uint32_t>(key & 7))) {
      return bad("malformed request");
    }
  }
  if (cache == nullptr) return Status::ok();
  cache->find_all(out->series);
  // Labels of the series the cache does not know. Known ones were decoded
  // (and found well-formed) when they were cached: identical bytes.
  for (WriteRequestView::Series& s : out->series) {
    if (s.key.a == 0 || s.cached_ref != 0) continue;
    s.labels_begin = static_cast<uint32_t>(out->labels.size());
    if (Status st = decode_labels(s.raw_labels, &out->labels); !st) return st;
    s.labels_end = static_cast<uint32_t>(out->labels.size());
  }
  return Status::ok();
}

bool SeriesLabelsBuilder::build(std::span<const model::Label> wire, model::Labels* out) {
  std::span<const model::Label> ls = wire;
  bool sorted = true;
  for (size_t i = 1; i < wire.size() && sorted; ++i) sorted = wire[i - 1].name < wire[i].name;
  if (!sorted) {
    sorted_.assign(wire.begin(), wire.end());
    std::stable_sort(sorted_.begin(), sorted_.end(),
                     [](const model::Label& a, const model::Label& b) { return a.name < b.name; });
    ls = sorted_;
    for (size_t i = 1; i < ls.size(); ++i) {
      if (ls[i - 1].name == ls[i].name) return false;  // a repeated name
    }
  }
  // Names are strictly increasing now: only the first can be empty, and
  // __name__ is found on the way.
  if (ls.empty() || ls[0].name.empty()) return false;
  bool has_name = false;
  size_t bytes = 0;
  for (const model::Label& l : ls) {
    if (!model::valid_utf8(l.name) || !model::valid_utf8(l.value)) return false;
    if (l.name.size() == model::kMetricName.size() && l.name == model::kMetricName) {
      if (l.value.empty()) return false;
      has_name = true;
    }
    bytes += l.name.size() + l.value.size() + 2 * model::kMaxVarintBytes;
  }
  if (!has_name) return false;
  // model::Labels' encoding: <varint len><name><varint len><value>..., sorted,
  // empty values left out.
  if (buf_.size() < bytes) buf_.resize(std::max(bytes, 2 * buf_.size()));
  char* p = buf_.data();
  for (const model::Label& l : ls) {
    if (l.value.empty()) continue;
    p = model::put_uvarint(p, l.name.size());
    std::memcpy(p, l.name.data(), l.name.size());
    p = model::put_uvarint(p + l.name.size(), l.value.size());
    std::memcpy(p, l.value.data(), l.value.size());
    p += l.value.size();
  }
  bool ok = false;
  model::Labels built = model::Labels::from_encoded(std::string(buf_.data(), p), &ok);
  if (!ok) return false;  // unreachable: the checks above are stricter
  *out = std::move(built);
  return true;
}

Result<WriteRequest> decode_write_request(std::string_view proto) {
  WriteRequestView view;
  if (Status st = decode_write_request(proto, &view); !st) return st;
  WriteRequest req;
  req.histograms = view.histograms;
  req.exemplars = view.exemplars;
  req.series.reserve(view.series.size());
  SeriesLabelsBuilder builder;
  for (const WriteRequestView::Series& s : view.series) {
    WriteSeries& out = req.series.emplace_back();
    out.valid = builder.build(view.labels_of(s), &out.labels);
    if (!out.valid) out.labels = wire_labels(view.labels_of(s));
    auto samples = view.samples_of(s);
    out.samples.assign(samples.begin(), samples.end());
  }
  return req;
}

RemoteWriteReceiver::RemoteWriteReceiver(tsdb::Appendable& storage, bool enabled,
                                         std::function<int64_t()> now_ms)
    : storage_(storage), enabled_(enabled), now_ms_(std::move(now_ms)) {
  if (!now_ms_) now_ms_ = wall_ms;
}

void RemoteWriteReceiver::maybe_sweep() {
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t last = last_sweep_ns_.load(std::memory_order_relaxed);
  if (last == 0) {
    last_sweep_ns_.compare_exchange_strong(last, now, std::memory_order_relaxed);
    return;
  }
  if (now - last < kSweepEveryNs) return;
  // One thread sweeps; the others go on.
  if (last_sweep_ns_.compare_exchange_strong(last, now, std::memory_order_relaxed)) {
    cache_.sweep();
  }
}

void RemoteWriteReceiver::register_routes(Router& router) {
  router.handle(
      "/api/v1/write", {http::verb::post},
      [this](const HttpRequest& req, HttpResponse& resp) { handle(req, resp); },
      Execution::kWorkerPool);
}

void RemoteWriteReceiver::handle(const HttpRequest& req, HttpResponse& resp) {
  if (!enabled_) {
    resp.status = 404;
    resp.body =
        "remote write receiver needs to be enabled with --web.enable-remote-write-receiver\n";
    return;
  }
  stats_.requests.fetch_add(1, std::memory_order_relaxed);
  auto reject = [&](unsigned code, std::string_view msg) {
    stats_.rejected_requests.fetch_add(1, std::memory_order_relaxed);
    resp.status = code;
    resp.body.assign(msg);
    resp.body += '\n';
  };
  thread_local Scratch sc;
  struct Trim {
    Scratch& sc;
    ~Trim() { sc.trim(); }
  } trim{sc};

  size_t size = 0;
  if (!snappy::GetUncompressedLength(req.body.data(), req.body.size(), &size)) {
    return reject(400, "snappy: corrupt input");
  }
  if (size > kMaxDecodedBytes) return reject(400, "snappy: decoded block is too large");
  if (size > sc.capacity) {
    sc.proto = std::make_unique_for_overwrite<char[]>(size);
    sc.capacity = size;
  }
  char none;  // an empty block still has to decode cleanly
  if (!snappy::RawUncompress(req.body.data(), req.body.size(), size ? sc.proto.get() : &none)) {
    return reject(400, "snappy: corrupt input");
  }
  const WriteRequestView& view = sc.view;
  if (Status st = decode_write_request(std::string_view(sc.proto.get(), size), &sc.view, &cache_);
      !st) {
    return reject(400, st.message());
  }

  maybe_sweep();
  const int64_t max_t = now_ms_() + kMaxAheadMs;
  static const model::Labels kNoLabels;
  auto app = storage_.appender();
  uint64_t appended = 0;
  model::Labels labels;
  for (const WriteRequestView::Series& s : view.series) {
    // A cached ref appends with no label set at all: a live ref never looks
    // at the labels, and a stale one (series dropped from the head) falls
    // back to the empty set, which storage refuses (kInvalidArgument) without
    // side effects; the series is then appended by its labels.
    const bool cacheable = !s.raw_labels.empty();
    tsdb::SeriesRef ref = s.cached_ref;
    bool built = false;
    auto build = [&] {
      if (built) return true;
      std::span<const model::Label> wire = view.labels_of(s);
      if (s.cached_ref != 0) {
        // Known to the cache, so not decoded yet (and known to decode).
        sc.labels.clear();
        if (!decode_labels(s.raw_labels, &sc.labels)) return false;  // cannot fail
        wire = sc.labels;
      }
      if (!sc.builder.build(wire, &labels)) {
        stats_.invalid_label_series.fetch_add(1, std::memory_order_relaxed);
        LOG_WARN("Invalid metric names or labels", {"labels", wire_labels(wire).to_string()});
        return false;
      }
      built = true;
      return true;
    };
    if (ref == 0 && !build()) continue;
    for (const model::Sample& sample : view.samples_of(s)) {
      Result<tsdb::SeriesRef> r =
          sample.t > max_t
              ? Result<tsdb::SeriesRef>(Status(StatusCode::kOutOfBounds,
                                               "out of bounds: timestamp is too far in the future"))
              : app->append(ref, built ? labels : kNoLabels, sample.t, sample.v);
      if (!r && !built) {
        // A stale cached ref: again by labels (a refused append changes
        // nothing). Other errors keep their result; the labels are built
        // for the log line only (appending again would count them twice).
        const bool stale = r.status().code() == StatusCode::kInvalidArgument;
        if (stale) {
          cache_.erase(s.key);
          ref = 0;
        }
        if (!build()) break;
        if (stale) r = app->append(ref, labels, sample.t, sample.v);
      }
      if (!r) {
        app->rollback();
        const Status& st = r.status();
        const StatusCode code = st.code();
        if (code == StatusCode::kInvalidArgument) return reject(400, st.message());
        if (code != StatusCode::kOutOfOrder && code != StatusCode::kDuplicateSample &&
            code != StatusCode::kOutOfBounds) {
          LOG_ERROR("Error appending remote write", {"err", st.message()});
          return reject(500, st.message());
        }
        // Prometheus's storage.ErrOutOfOrderSample text; the other two carry
        // their detail already.
        std::string msg = code == StatusCode::kOutOfOrder ? "out of order sample" : st.message();
        LOG_ERROR("Out of order sample from remote write", {"err", msg},
                  {"series", labels.to_string()}, {"timestamp", sample.t});
        return reject(400, msg);
      }
      if (*r != ref) {
        ref = *r;
        if (cacheable) cache_.put(s.key, ref);
      }
      ++appended;
    }
  }
  if (Status st = app->commit(); !st) {
    LOG_ERROR("Error appending remote write", {"err", st.message()});
    return reject(500, st.message());
  }
  stats_.samples.fetch_add(appended, std::memory_order_relaxed);
  resp.status = 204;
  resp.body.clear();
}

}  // namespace promlite::api
