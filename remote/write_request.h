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
#include <tuple>

#include "model/labels.h"
#include "model/sample.h"

namespace promlite::remote {

// One metric family's metadata as scraped (remote-write 1.0 MetricMetadata).
struct MetricMetadataEntry {
  std::string family;            // metric_family_name
  std::string type = "unknown";  // counter, gauge, histogram, gaugehistogram, summary, info,
                                 // stateset, unknown (any other text: UNKNOWN)
  std::string help;
  std::string unit;
  auto tie() const { return std::tie(family, type, help, unit); }
  bool operator==(const MetricMetadataEntry& o) const { return tie() == o.tie(); }
  bool operator<(const MetricMetadataEntry& o) const { return tie() < o.tie(); }
};

// The MetricMetadata.MetricType enum value of a type name (case-insensitive);
// 0 (UNKNOWN) for names the protocol does not know.
int metric_type_proto(std::string_view type);

// A serialized (uncompressed) WriteRequest holding only `metadata` (field 3),
// as Prometheus sends metadata: no time series.
std::string encode_metadata_request(std::span<const MetricMetadataEntry> metadata);

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
