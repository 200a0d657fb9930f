#include "remote/write_request.h"

#include <snappy.h>

#include <cstring>

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

void put_varint(std::string& out, uint64_t v) {
  char tmp[10];
  size_t n = 0;
  while (v >= 0x80) {
    tmp[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  tmp[n++] = static_cast<char>(v);
  out.append(tmp, n);
}

size_t varint_len(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void put_bytes_field(std::string& out, char tag, std::string_view s) {
  out.push_back(tag);
  put_varint(out, s.size());
  out.append(s);
}

}  // namespace

std::string encode_labels(const model::Labels& labels) {
  std::string out;
  for (const auto& l : labels) {
    size_t len = 1 + varint_len(l.name.size()) + l.name.size() + 1 + varint_len(l.value.size()) +
                 l.value.size();
    out.push_back(kTagLabel);
    put_varint(out, len);
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
    put_varint(samples_, 1 + 8 + 1 + varint_len(t));
    samples_.push_back(kTagSampleValue);
    char bits[8];
    std::memcpy(bits, &s.v, 8);  // little-endian host (x86-64/arm64), as protobuf fixed64
    samples_.append(bits, 8);
    samples_.push_back(kTagSampleTime);
    put_varint(samples_, t);
  }
  buf_.push_back(kTagTimeSeries);
  put_varint(buf_, encoded_labels.size() + samples_.size());
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
