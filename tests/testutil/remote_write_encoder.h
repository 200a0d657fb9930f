// Encodes prometheus.WriteRequest protobufs (remote write 1.0) for tests and
// benchmarks: a real client's bytes, written by hand from the .proto schema.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "model/sample.h"

namespace promlite::testutil {

struct RwSeries {
  std::vector<std::pair<std::string, std::string>> labels;  // in wire order
  std::vector<model::Sample> samples;
};

// The serialized WriteRequest (not compressed).
std::string encode_write_request(const std::vector<RwSeries>& series);

// snappy block compression, as remote-write senders use.
std::string snappy_compress(const std::string& in);

}  // namespace promlite::testutil
