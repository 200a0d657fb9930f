// The remote-write 1.0 receiver (POST /api/v1/write): a snappy-compressed
// prometheus.WriteRequest protobuf, decoded by hand (the message is small and
// fixed; no generated code), appended in one batch.
//
// Answers as Prometheus's receiver: 204 on success; 400 for what a retry cannot
// fix (bad snappy or protobuf, an out-of-order, duplicate or out-of-bounds
// sample: the batch is rolled back); 500 when storage fails and a retry may help.
// Series with invalid label sets are skipped and counted, as Prometheus does.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_server.h"
#include "model/labels.h"
#include "model/sample.h"
#include "model/status.h"
#include "tsdb/appender.h"

namespace promlite::api {

struct WriteSeries {
  model::Labels labels;
  std::vector<model::Sample> samples;
  bool valid = true;  // false: empty or duplicate label names, empty name
};

struct WriteRequest {
  std::vector<WriteSeries> series;
  size_t histograms = 0;  // native histograms received (not stored yet)
  size_t exemplars = 0;   // exemplars received (not stored yet)
};

// Decodes an uncompressed prometheus.WriteRequest.
Result<WriteRequest> decode_write_request(std::string_view proto);

struct RemoteWriteStats {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> samples{0};
  std::atomic<uint64_t> rejected_requests{0};
  std::atomic<uint64_t> invalid_label_series{0};
};

class RemoteWriteReceiver {
 public:
  RemoteWriteReceiver(tsdb::Appendable& storage, bool enabled)
      : storage_(storage), enabled_(enabled) {}
  void register_routes(Router& router);
  void handle(const HttpRequest& req, HttpResponse& resp);
  const RemoteWriteStats& stats() const { return stats_; }

 private:
  tsdb::Appendable& storage_;
  bool enabled_;
  RemoteWriteStats stats_;
};

}  // namespace promlite::api
