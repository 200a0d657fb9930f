#include "tests/testutil/remote_write_encoder.h"

#include <snappy.h>

#include <cstring>

namespace promlite::testutil {
namespace {

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_bytes(std::string& out, int field, const std::string& s) {
  put_varint(out, static_cast<uint64_t>(field) << 3 | 2);
  put_varint(out, s.size());
  out += s;
}

}  // namespace

std::string encode_write_request(const std::vector<RwSeries>& series) {
  std::string req;
  for (const auto& s : series) {
    std::string ts;
    for (const auto& [name, value] : s.labels) {
      std::string label;
      put_bytes(label, 1, name);
      put_bytes(label, 2, value);
      put_bytes(ts, 1, label);
    }
    for (const auto& sample : s.samples) {
      std::string enc;
      enc.push_back(static_cast<char>(1 << 3 | 1));  // value: fixed64 double
      uint64_t bits = model::float_bits(sample.v);
      enc.append(reinterpret_cast<const char*>(&bits), 8);
      put_varint(enc, 2 << 3 | 0);  // timestamp: int64 varint
      put_varint(enc, static_cast<uint64_t>(sample.t));
      put_bytes(ts, 2, enc);
    }
    put_bytes(req, 1, ts);
  }
  return req;
}

std::string snappy_compress(const std::string& in) {
  std::string out;
  snappy::Compress(in.data(), in.size(), &out);
  return out;
}

}  // namespace promlite::testutil
