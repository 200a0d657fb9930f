// Encodes prometheus.WriteRequest (remote write 1.0) protobufs by hand.
//
//   WriteRequestBuilder b;
//   b.add_series(encoded_labels, samples);   // labels from encode_labels()
//   std::string body = b.finish_snappy();    // snappy block format, ready to POST
//
// Labels are encoded once per series (encode_labels) and reused for every batch.
// Thread-safety: a builder is used by one thread; the free functions are pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "model/labels.h"
#include "model/sample.h"

namespace promlite::remote {

// The Label messages of a TimeSeries (field 1, repeated), in the labels' order
// (model::Labels is sorted by name, as the protocol requires).
std::string encode_labels(const model::Labels& labels);

class WriteRequestBuilder {
 public:
  // Appends one TimeSeries with the given samples (in time order).
  void add_series(std::string_view encoded_labels, std::span<const model::Sample> samples);
  size_t series() const { return series_; }
  // The serialized WriteRequest so far (uncompressed).
  const std::string& raw() const { return buf_; }
  // The snappy-compressed request; the builder is reset afterwards.
  std::string finish_snappy();
  void clear() {
    buf_.clear();
    series_ = 0;
  }

 private:
  std::string buf_;
  std::string samples_;  // scratch for one series' Sample messages
  size_t series_ = 0;
};

}  // namespace promlite::remote
