#include "remote/write_request.h"

#include <snappy.h>

#include <array>
#include <bit>
#include <cctype>

#include "model/varint.h"

namespace promlite::remote {
namespace {

// Protobuf tags: (field << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited).
constexpr char kTagLabel = (1 << 3) | 2;        // TimeSeries.labels
constexpr char kTagSample = (2 << 3) | 2;       // TimeSeries.samples
constexpr char kTagName = (1 << 3) | 2;         // Label.name
constexpr char kTagValue = (2 << 3) | 2;        // Label.value
constexpr char kTagSampleValue = (1 << 3) | 1;  // Sample.value (double)
constexpr char kTagSampleTime = (2 << 3) | 0;   // Sample.timestamp (int64)
constexpr char kTagTimeSeries = (1 << 3) | 2;   // WriteRequest.timeseries
constexpr char kTagMetadata = (3 << 3) | 2;     // WriteRequest.metadata
constexpr char kTagMetaType = (1 << 3) | 0;     // MetricMetadata.type (enum)
constexpr char kTagMetaFamily = (2 << 3) | 2;   // MetricMetadata.metric_family_name
constexpr char kTagMetaHelp = (4 << 3) | 2;     // MetricMetadata.help
constexpr char kTagMetaUnit = (5 << 3) | 2;     // MetricMetadata.unit

void put_bytes_field(std::string& out, char tag, std::string_view s) {
  out.push_back(tag);
  model::put_uvarint(out, s.size());
  out.append(s);
}

size_t bytes_field_len(std::string_view s) { return 1 + model::uvarint_size(s.size()) + s.size(); }

}  // namespace

int metric_type_proto(std::string_view type) {
  // prompb MetricMetadata.MetricType: the index in this table (UNKNOWN = 0).
  static constexpr std::array<std::string_view, 8> kNames = {
      "unknown", "counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset"};
  for (size_t i = 0; i < kNames.size(); ++i) {
    const auto& n = kNames[i];
    if (n.size() != type.size()) continue;
    bool eq = true;
    for (size_t j = 0; j < n.size() && eq; ++j) {
      eq = std::tolower(static_cast<unsigned char>(type[j])) == n[j];
    }
    if (eq) return static_cast<int>(i);
  }
  return 0;
}

std::string encode_metadata_request(std::span<const MetricMetadataEntry> metadata) {
  std::string out;
  // proto3: fields holding their default value (0, "") are left out.
  auto opt_bytes = [](std::string& o, char tag, std::string_view v) {
    if (!v.empty()) put_bytes_field(o, tag, v);
  };
  for (const auto& m : metadata) {
    const int type = metric_type_proto(m.type);
    size_t len = (type ? 2 : 0) + (m.family.empty() ? 0 : bytes_field_len(m.family)) +
                 (m.help.empty() ? 0 : bytes_field_len(m.help)) +
                 (m.unit.empty() ? 0 : bytes_field_len(m.unit));
    out.push_back(kTagMetadata);
    model::put_uvarint(out, len);
    if (type) {
      out.push_back(kTagMetaType);
      model::put_uvarint(out, static_cast<uint64_t>(type));
    }
    opt_bytes(out, kTagMetaFamily, m.family);
    opt_bytes(out, kTagMetaHelp, m.help);
    opt_bytes(out, kTagMetaUnit, m.unit);
  }
  return out;
}

std::string encode_labels(const model::Labels& labels) {
  std::string out;
  for (const auto& l : labels) {
    size_t len = 1 + model::uvarint_size(l.name.size()) + l.name.size() + 1 +
                 model::uvarint_size(l.value.size()) + l.value.size();
    out.push_back(kTagLabel);
    model::put_uvarint(out, len);
    put_bytes_field(out, kTagName, l.name);
    put_bytes_field(out, kTagValue, l.value);
  }
  return out;
}

void WriteRequestBuilder::add_series(std::string_view encoded_labels,
                                     std::span<const model::Sample> samples) {
  samples_.clear();
  for (const auto& s : samples) {
    uint64_t t = static_cast<uint64_t>(s.t);
    samples_.push_back(kTagSample);
    model::put_uvarint(samples_, 1 + 8 + 1 + model::uvarint_size(t));
    samples_.push_back(kTagSampleValue);
    model::put_fixed64(samples_, std::bit_cast<uint64_t>(s.v));
    samples_.push_back(kTagSampleTime);
    model::put_uvarint(samples_, t);
  }
  buf_.push_back(kTagTimeSeries);
  model::put_uvarint(buf_, encoded_labels.size() + samples_.size());
  buf_.append(encoded_labels);
  buf_.append(samples_);
  ++series_;
}

std::string WriteRequestBuilder::finish_snappy() {
  std::string out;
  snappy::Compress(buf_.data(), buf_.size(), &out);
  clear();
  return out;
}

}  // namespace promlite::remote
