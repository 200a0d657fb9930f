#include "bench/gen/remote_write.h"

#include <snappy.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "bench/gen/http_client.h"

namespace promlite::benchgen {
namespace {

using Clock = std::chrono::steady_clock;

void put_field_bytes(std::string& out, int field, const std::string& s) {
  put_varint(out, static_cast<uint64_t>(field) << 3 | 2);
  put_varint(out, s.size());
  out += s;
}

// One request's worth of samples: (series index, sample index) pairs.
struct Batch {
  std::string body;  // snappy-compressed WriteRequest
  uint64_t samples = 0;
};

// A shard's request queue: filled by its encoder, drained by its sender.
struct Shard {
  std::vector<size_t> series;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Batch> queue;
  bool done = false;
  size_t capacity = SIZE_MAX;
};

void encode_shard(const Dataset& d, const std::vector<std::string>& labels, Shard& sh, int batch) {
  std::string req, ts;
  uint64_t in_req = 0;
  std::string compressed;
  auto emit = [&] {
    if (in_req == 0) return;
    compressed.clear();
    snappy::Compress(req.data(), req.size(), &compressed);
    std::unique_lock lock(sh.mu);
    sh.cv.wait(lock, [&] { return sh.queue.size() < sh.capacity; });
    sh.queue.push_back({compressed, in_req});
    sh.cv.notify_all();
    req.clear();
    in_req = 0;
  };
  for (int64_t step = 0; step < d.steps; ++step) {
    const int64_t t = d.time_of(step);
    for (size_t idx : sh.series) {
      const SeriesData& s = d.series[idx];
      if (step < s.first_step || step >= s.first_step + static_cast<int64_t>(s.values.size())) {
        continue;
      }
      ts.clear();
      ts += labels[idx];
      std::string sample;
      sample.push_back(static_cast<char>(1 << 3 | 1));  // value: double
      double v = s.values[static_cast<size_t>(step - s.first_step)];
      char bits[8];
      std::memcpy(bits, &v, 8);
      sample.append(bits, 8);
      put_varint(sample, 2 << 3 | 0);  // timestamp: int64
      put_varint(sample, static_cast<uint64_t>(t));
      put_field_bytes(ts, 2, sample);
      put_field_bytes(req, 1, ts);
      if (++in_req >= static_cast<uint64_t>(batch)) emit();
    }
  }
  emit();
  std::lock_guard lock(sh.mu);
  sh.done = true;
  sh.cv.notify_all();
}

}  // namespace

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::string encode_labels(const std::string& metric, const LabelPairs& labels) {
  // Labels sorted by name, __name__ among them (it sorts first: '_' < 'a').
  LabelPairs all = labels;
  all.push_back({"__name__", metric});
  std::sort(all.begin(), all.end());
  std::string out;
  for (const auto& [name, value] : all) {
    std::string label;
    put_field_bytes(label, 1, name);
    put_field_bytes(label, 2, value);
    put_field_bytes(out, 1, label);
  }
  return out;
}

RemoteWriteResult send_remote_write(const Dataset& d, const RemoteWriteOptions& opts) {
  RemoteWriteResult res;
  Url url;
  if (!parse_url(opts.url, &url)) {
    res.first_error = "bad url " + opts.url;
    return res;
  }
  std::vector<std::string> labels(d.series.size());
  std::vector<Shard> shards(static_cast<size_t>(std::max(1, opts.shards)));
  for (size_t i = 0; i < d.series.size(); ++i) {
    labels[i] = encode_labels(d.series[i].metric, d.series[i].labels);
    uint64_t h = std::hash<std::string>{}(labels[i]);
    shards[h % shards.size()].series.push_back(i);
  }
  if (!opts.preencode) {
    for (auto& sh : shards) sh.capacity = 16;
  }
  std::vector<std::thread> encoders;
  const auto enc_start = Clock::now();
  for (auto& sh : shards) {
    encoders.emplace_back([&d, &labels, &sh, &opts] { encode_shard(d, labels, sh, opts.batch); });
  }
  if (opts.preencode) {
    for (auto& t : encoders) t.join();
    encoders.clear();
    res.encode_seconds = std::chrono::duration<double>(Clock::now() - enc_start).count();
  }
  std::mutex res_mu;
  std::vector<std::thread> senders;
  const auto send_start = Clock::now();
  for (auto& sh : shards) {
    senders.emplace_back([&, shp = &sh] {
      HttpClient client(url);
      const std::vector<std::pair<std::string, std::string>> headers = {
          {"Content-Type", "application/x-protobuf"},
          {"Content-Encoding", "snappy"},
          {"User-Agent", "promlite-benchgen"},
          {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
      uint64_t ok_samples = 0, requests = 0, failed = 0, bytes = 0;
      std::string first_error, response, error;
      for (;;) {
        Batch b;
        {
          std::unique_lock lock(shp->mu);
          shp->cv.wait(lock, [&] { return !shp->queue.empty() || shp->done; });
          if (shp->queue.empty()) break;
          b = std::move(shp->queue.front());
          shp->queue.pop_front();
          shp->cv.notify_all();
        }
        ++requests;
        bytes += b.body.size();
        int status = client.post(headers, b.body, &response, &error);
        if (status >= 200 && status < 300) {
          ok_samples += b.samples;
        } else {
          ++failed;
          if (first_error.empty()) {
            first_error = status < 0
                              ? error
                              : "HTTP " + std::to_string(status) + ": " + response.substr(0, 300);
          }
        }
      }
      std::lock_guard lock(res_mu);
      res.samples += ok_samples;
      res.requests += requests;
      res.failed_requests += failed;
      res.bytes += bytes;
      if (res.first_error.empty()) res.first_error = first_error;
    });
  }
  for (auto& t : senders) t.join();
  res.send_seconds = std::chrono::duration<double>(Clock::now() - send_start).count();
  for (auto& t : encoders) t.join();
  if (!opts.preencode) res.encode_seconds = res.send_seconds;
  return res;
}

}  // namespace promlite::benchgen
