#include "api/remote_write.h"

#include <snappy.h>

#include <cstring>

#include "model/log.h"

namespace promlite::api {
namespace {

// A bounds-checked reader of protobuf wire format.
class ProtoReader {
 public:
  explicit ProtoReader(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}
  bool done() const { return p_ >= end_; }

  bool varint(uint64_t* v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) return false;
      auto b = static_cast<uint8_t>(*p_++);
      r |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        *v = r;
        return true;
      }
    }
    return false;
  }
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

Status decode_label(std::string_view in, std::string* name, std::string* value) {
  ProtoReader r(in);
  while (!r.done()) {
    uint64_t key;
    if (!r.varint(&key)) return bad("truncated label");
    std::string_view s;
    if ((key >> 3) == 1 && (key & 7) == 2) {
      if (!r.bytes(&s)) return bad("truncated label name");
      name->assign(s);
    } else if ((key >> 3) == 2 && (key & 7) == 2) {
      if (!r.bytes(&s)) return bad("truncated label value");
      value->assign(s);
    } else if (!r.skip(static_cast<uint32_t>(key & 7))) {
      return bad("malformed label");
    }
  }
  return Status::ok();
}

Status decode_sample(std::string_view in, model::Sample* s) {
  ProtoReader r(in);
  while (!r.done()) {
    uint64_t key, v;
    if (!r.varint(&key)) return bad("truncated sample");
    if ((key >> 3) == 1 && (key & 7) == 1) {
      if (!r.fixed64(&v)) return bad("truncated sample value");
      s->v = model::bits_to_float(v);
    } else if ((key >> 3) == 2 && (key & 7) == 0) {
      if (!r.varint(&v)) return bad("truncated sample timestamp");
      s->t = static_cast<int64_t>(v);
    } else if (!r.skip(static_cast<uint32_t>(key & 7))) {
      return bad("malformed sample");
    }
  }
  return Status::ok();
}

Status decode_series(std::string_view in, WriteSeries* out, WriteRequest* req) {
  ProtoReader r(in);
  std::vector<std::pair<std::string, std::string>> labels;
  while (!r.done()) {
    uint64_t key;
    if (!r.varint(&key)) return bad("truncated time series");
    uint32_t field = static_cast<uint32_t>(key >> 3), wire = static_cast<uint32_t>(key & 7);
    std::string_view s;
    if (wire == 2 && (field == 1 || field == 2 || field == 3 || field == 4)) {
      if (!r.bytes(&s)) return bad("truncated time series field");
      if (field == 1) {
        auto& l = labels.emplace_back();
        if (Status st = decode_label(s, &l.first, &l.second); !st) return st;
      } else if (field == 2) {
        model::Sample sample;
        if (Status st = decode_sample(s, &sample); !st) return st;
        out->samples.push_back(sample);
      } else if (field == 3) {
        ++req->exemplars;
      } else {
        ++req->histograms;
      }
    } else if (!r.skip(wire)) {
      return bad("malformed time series");
    }
  }
  // Valid as Prometheus checks: names non-empty and unique, a metric name.
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].first.empty()) out->valid = false;
    for (size_t j = 0; j < i; ++j) {
      if (labels[i].first == labels[j].first) out->valid = false;
    }
  }
  out->labels = model::Labels::from_pairs(std::move(labels));
  if (out->labels.metric_name().empty()) out->valid = false;
  return Status::ok();
}

}  // namespace

Result<WriteRequest> decode_write_request(std::string_view proto) {
  WriteRequest req;
  ProtoReader r(proto);
  while (!r.done()) {
    uint64_t key;
    if (!r.varint(&key)) return bad("truncated request");
    std::string_view s;
    if ((key >> 3) == 1 && (key & 7) == 2) {
      if (!r.bytes(&s)) return bad("truncated time series");
      WriteSeries series;
      if (Status st = decode_series(s, &series, &req); !st) return st;
      req.series.push_back(std::move(series));
    } else if (!r.skip(static_cast<uint32_t>(key & 7))) {
      return bad("malformed request");
    }
  }
  return req;
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
  stats_.requests.fetch_add(1);
  auto reject = [&](unsigned code, const std::string& msg) {
    stats_.rejected_requests.fetch_add(1);
    resp.status = code;
    resp.body = msg + "\n";
  };
  std::string proto;
  if (!snappy::Uncompress(req.body.data(), req.body.size(), &proto)) {
    return reject(400, "snappy: corrupt input");
  }
  auto decoded = decode_write_request(proto);
  if (!decoded) return reject(400, decoded.status().message());
  auto app = storage_.appender();
  uint64_t appended = 0;
  for (const WriteSeries& s : decoded->series) {
    if (!s.valid) {
      stats_.invalid_label_series.fetch_add(1);
      LOG_WARN("Invalid metric names or labels", {"labels", s.labels.to_string()});
      continue;
    }
    tsdb::SeriesRef ref = 0;
    for (const model::Sample& sample : s.samples) {
      auto r = app->append(ref, s.labels, sample.t, sample.v);
      if (!r) {
        app->rollback();
        Status st = r.status();
        bool bad_sample =
            st.code() == StatusCode::kOutOfOrder || st.code() == StatusCode::kDuplicateSample ||
            st.code() == StatusCode::kOutOfBounds || st.code() == StatusCode::kInvalidArgument;
        if (bad_sample) {
          LOG_ERROR("Out of order sample from remote write", {"err", st.message()},
                    {"series", s.labels.to_string()}, {"timestamp", sample.t});
        }
        return reject(bad_sample ? 400 : 500, st.message());
      }
      ref = *r;
      ++appended;
    }
  }
  if (Status s = app->commit(); !s) return reject(500, s.message());
  stats_.samples.fetch_add(appended);
  resp.status = 204;
  resp.body.clear();
}

}  // namespace promlite::api
