// Sends a dataset by Prometheus remote write 1.0 (protobuf WriteRequest,
// snappy block compression) the way a Prometheus sender does: series sharded
// by hash so each series' samples stay in order on one connection, each shard
// sending time-major batches of at most `batch` samples.
#pragma once

#include <cstdint>
#include <string>

#include "bench/gen/dataset.h"

namespace promlite::benchgen {

struct RemoteWriteOptions {
  std::string url;
  int shards = 2;
  int batch = 2000;  // samples per request (Prometheus' max_samples_per_send)
  // Encode every request before sending (the figure is then the receiver's
  // alone); otherwise encode while sending through a bounded queue.
  bool preencode = true;
};

struct RemoteWriteResult {
  uint64_t samples = 0;  // samples in requests answered 2xx
  uint64_t requests = 0;
  uint64_t failed_requests = 0;  // non-2xx or connection errors
  uint64_t bytes = 0;            // compressed bytes sent
  double encode_seconds = 0;
  double send_seconds = 0;  // wall time from the first request to the last answer
  std::string first_error;
};

RemoteWriteResult send_remote_write(const Dataset& d, const RemoteWriteOptions& opts);

// The serialized WriteRequest's pieces (exposed for the self-check).
void put_varint(std::string& out, uint64_t v);
std::string encode_labels(const std::string& metric, const LabelPairs& labels);

}  // namespace promlite::benchgen
