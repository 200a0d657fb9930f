// A streaming JSON writer that appends into a caller's std::string: no DOM, so
// a 10k-series matrix is written in one pass. The caller is responsible for
// well-formedness (begin/end pairs, a key before each object member); commas
// are inserted automatically.
//
// Numbers are written as Prometheus writes them:
// - sample values as strings: shortest round-trip digits, 'f' notation, or 'e'
//   when |v| < 1e-6 or >= 1e21, and "NaN", "+Inf", "-Inf" (jsonutil.MarshalFloat);
// - timestamps (ms) as seconds with exactly the needed millisecond digits:
//   1435781451.781, 1435781451.78 is written .780 as Prometheus does, and a whole
//   second has no fraction (jsonutil.MarshalTimestamp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace promlite::api {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // Object member name; the next value call is its value.
  JsonWriter& key(std::string_view k);

  JsonWriter& string(std::string_view s);
  JsonWriter& int64(int64_t v);
  JsonWriter& uint64(uint64_t v);
  JsonWriter& boolean(bool b);
  JsonWriter& null();
  // A plain JSON number (finite values; NaN/Inf become null).
  JsonWriter& number(double v);
  // A sample value as Prometheus writes it: a JSON string.
  JsonWriter& sample_value(double v);
  // A millisecond timestamp as Prometheus writes it: a JSON number of seconds.
  JsonWriter& timestamp(int64_t ms);
  // Pre-encoded JSON text.
  JsonWriter& raw(std::string_view json);

  JsonWriter& string_array(const std::vector<std::string>& items);

 private:
  void before_value();
  std::string& out_;
  // One entry per open container: true once it has a member.
  std::vector<bool> has_member_;
  bool after_key_ = false;
};

// Appends `v` formatted like Go's strconv.FormatFloat(v, 'f'/'e', -1, 64) with
// Prometheus's choice of notation (no quotes).
void append_prom_float(std::string& out, double v);

// The same formats into a caller's buffer, for encoders that batch many
// numbers per append: each writes at most kMaxNumberChars bytes at `p` and
// returns the end of what it wrote.
inline constexpr size_t kMaxNumberChars = 32;
char* write_prom_float(char* p, double v);
char* write_timestamp(char* p, int64_t ms);

// Appends `s` as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view s);

// True when append_json_string() would copy `s` unchanged between its quotes
// (printable ASCII without quote, backslash, <, > or &).
bool json_plain(std::string_view s);

}  // namespace promlite::api
