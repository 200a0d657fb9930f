#include "api/json_writer.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "model/utf8.h"

namespace promlite::api {

namespace {

// 1 for the bytes that need a look in append_json_string: quotes, backslash,
// control characters, the HTML-sensitive <>&, and every non-ASCII byte (UTF-8
// is checked, and U+2028/U+2029 escaped).
constexpr auto kEscapeTable = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 1;
  for (unsigned char c : {'"', '\\', '<', '>', '&'}) t[c] = 1;
  for (int c = 0x80; c < 0x100; ++c) t[c] = 1;
  return t;
}();

constexpr char kDigits2[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// Two decimal digits of v < 100.
inline char* put2(char* p, uint32_t v) {
  std::memcpy(p, kDigits2 + 2 * v, 2);
  return p + 2;
}

// Decimal digits of v. Ten-digit values (Unix seconds from 2001 to 2286) take a
// branch-free path: they are every timestamp of every point.
inline char* put_u64(char* p, uint64_t v) {
  if (v >= 1'000'000'000 && v < 10'000'000'000) {
    auto hi = static_cast<uint32_t>(v / 100'000'000);  // 10..99
    auto lo = static_cast<uint32_t>(v % 100'000'000);
    uint32_t a = lo / 10'000, b = lo % 10'000;
    p = put2(p, hi);
    p = put2(p, a / 100);
    p = put2(p, a % 100);
    p = put2(p, b / 100);
    return put2(p, b % 100);
  }
  return std::to_chars(p, p + 20, v).ptr;
}

}  // namespace

// Eight bytes at a time: a byte >= 0x80, < 0x20, or equal to one of the five
// escaped ASCII characters sets the high bit of its lane (exact, no false
// positives: the subtraction only borrows out of a lane that is below 0x20,
// which is already reported).
bool json_plain(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto zero_lane = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    uint64_t bad = (w & kHigh) | ((w - kOnes * 0x20) & ~w & kHigh);
    for (unsigned char c : {'"', '\\', '<', '>', '&'}) bad |= zero_lane(w ^ (kOnes * c));
    if (bad) return false;
  }
  for (char c : s.substr(i)) {
    if (kEscapeTable[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  const auto* data = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t start = 0;  // first byte not yet copied
  size_t i = 0;
  while (i < n) {
    unsigned char c = data[i];
    if (!kEscapeTable[c]) {
      ++i;
      continue;
    }
    char buf[7];
    std::string_view esc;
    size_t len = 1;  // input bytes replaced by `esc`
    if (c >= 0x80) {
      len = model::utf8_sequence_length(data + i, n - i);
      if (len == 0) {
        // Invalid UTF-8 becomes U+FFFD, one byte at a time, as Go's encoder
        // (and jsoniter's, which Prometheus uses) writes it.
        esc = "\\ufffd";
        len = 1;
      } else if (len == 3 && c == 0xe2 && data[i + 1] == 0x80 && (data[i + 2] & 0xfe) == 0xa8) {
        // U+2028 and U+2029, escaped for JavaScript's sake.
        esc = data[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
      } else {
        i += len;  // valid: copied as is
        continue;
      }
    } else if (c == '"') {
      esc = "\\\"";
    } else if (c == '\\') {
      esc = "\\\\";
    } else if (c == '\n') {
      esc = "\\n";
    } else if (c == '\r') {
      esc = "\\r";
    } else if (c == '\t') {
      esc = "\\t";
    } else {
      // Other control characters and, like Go's encoding/json, the
      // HTML-sensitive <, > and &.
      buf[0] = '\\';
      buf[1] = 'u';
      buf[2] = '0';
      buf[3] = '0';
      buf[4] = kHex[c >> 4];
      buf[5] = kHex[c & 0xf];
      esc = std::string_view(buf, 6);
    }
    out.append(s.data() + start, i - start);
    out.append(esc);
    i += len;
    start = i;
  }
  out.append(s.data() + start, n - start);
  out.push_back('"');
}

char* write_prom_float(char* p, double v) {
  if (std::isnan(v)) {
    std::memcpy(p, "NaN", 3);
    return p + 3;
  }
  if (std::isinf(v)) {
    std::memcpy(p, v > 0 ? "+Inf" : "-Inf", 4);
    return p + 4;
  }
  // Integral values below 2^53 (counters, mostly): their shortest 'f' form is
  // the integer's digits, and integer formatting is several times cheaper.
  // -0 keeps its sign through the general path.
  constexpr double kExact = 9007199254740992.0;  // 2^53
  if (v >= -kExact && v <= kExact && v != 0) {
    auto i = static_cast<int64_t>(v);
    if (static_cast<double>(i) == v) return std::to_chars(p, p + kMaxNumberChars, i).ptr;
  }
  double a = std::fabs(v);
  auto fmt = (a != 0 && (a < 1e-6 || a >= 1e21)) ? std::chars_format::scientific
                                                 : std::chars_format::fixed;
  return std::to_chars(p, p + kMaxNumberChars, v, fmt).ptr;
}

char* write_timestamp(char* p, int64_t ms) {
  uint64_t t;
  if (ms < 0) {
    *p++ = '-';
    t = static_cast<uint64_t>(-(ms + 1)) + 1;  // no overflow at INT64_MIN
  } else {
    t = static_cast<uint64_t>(ms);
  }
  p = put_u64(p, t / 1000);
  auto frac = static_cast<uint32_t>(t % 1000);
  if (frac != 0) {
    // Always three digits: .780, not .78 (as Prometheus writes them).
    *p++ = '.';
    *p++ = static_cast<char>('0' + frac / 100);
    p = put2(p, frac % 100);
  }
  return p;
}

void append_prom_float(std::string& out, double v) {
  char buf[kMaxNumberChars];
  out.append(buf, write_prom_float(buf, v));
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_member_.empty()) {
    if (has_member_.back()) out_.push_back(',');
    has_member_.back() = true;
  }
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_.push_back('{');
  has_member_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  has_member_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_.push_back('[');
  has_member_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  has_member_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  before_value();
  append_json_string(out_, k);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view s) {
  before_value();
  append_json_string(out_, s);
  return *this;
}

JsonWriter& JsonWriter::int64(int64_t v) {
  before_value();
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, res.ptr);
  return *this;
}

JsonWriter& JsonWriter::uint64(uint64_t v) {
  before_value();
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, res.ptr);
  return *this;
}

JsonWriter& JsonWriter::boolean(bool b) {
  before_value();
  out_.append(b ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_.append("null");
  return *this;
}

JsonWriter& JsonWriter::number(double v) {
  before_value();
  if (!std::isfinite(v)) {
    out_.append("null");
    return *this;
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, res.ptr);
  return *this;
}

JsonWriter& JsonWriter::sample_value(double v) {
  before_value();
  out_.push_back('"');
  append_prom_float(out_, v);
  out_.push_back('"');
  return *this;
}

JsonWriter& JsonWriter::timestamp(int64_t ms) {
  before_value();
  char buf[kMaxNumberChars];
  out_.append(buf, write_timestamp(buf, ms));
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  before_value();
  out_.append(json);
  return *this;
}

JsonWriter& JsonWriter::string_array(const std::vector<std::string>& items) {
  begin_array();
  for (const auto& s : items) string(s);
  return end_array();
}

}  // namespace promlite::api
