#include "api/json_writer.h"

#include <charconv>
#include <cmath>

namespace promlite::api {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    const char* esc = nullptr;
    char buf[7];
    if (c == '"') {
      esc = "\\\"";
    } else if (c == '\\') {
      esc = "\\\\";
    } else if (c == '\n') {
      esc = "\\n";
    } else if (c == '\r') {
      esc = "\\r";
    } else if (c == '\t') {
      esc = "\\t";
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      // Like Go's encoding/json (and jsoniter), HTML-sensitive characters are
      // escaped as \u00XX too.
      buf[0] = '\\';
      buf[1] = 'u';
      buf[2] = '0';
      buf[3] = '0';
      buf[4] = kHex[c >> 4];
      buf[5] = kHex[c & 0xf];
      buf[6] = 0;
      esc = buf;
    } else if (c == 0xe2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) & 0xfe) == 0xa8) {
      // U+2028 and U+2029, escaped by Go's encoder for JavaScript's sake.
      esc = static_cast<unsigned char>(s[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029";
      out.append(s.data() + start, i - start);
      out.append(esc);
      i += 2;
      start = i + 1;
      continue;
    } else {
      continue;
    }
    out.append(s.data() + start, i - start);
    out.append(esc);
    start = i + 1;
  }
  out.append(s.data() + start, s.size() - start);
  out.push_back('"');
}

void append_prom_float(std::string& out, double v) {
  if (std::isnan(v)) {
    out.append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out.append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  char buf[64];
  double a = std::fabs(v);
  auto fmt = (a != 0 && (a < 1e-6 || a >= 1e21)) ? std::chars_format::scientific
                                                 : std::chars_format::fixed;
  auto res = std::to_chars(buf, buf + sizeof buf, v, fmt);
  out.append(buf, res.ptr);
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
  char buf[32];
  char* p = buf;
  uint64_t t;
  if (ms < 0) {
    *p++ = '-';
    t = static_cast<uint64_t>(-(ms + 1)) + 1;  // no overflow at INT64_MIN
  } else {
    t = static_cast<uint64_t>(ms);
  }
  p = std::to_chars(p, buf + sizeof buf, t / 1000).ptr;
  unsigned frac = static_cast<unsigned>(t % 1000);
  if (frac != 0) {
    *p++ = '.';
    *p++ = static_cast<char>('0' + frac / 100);
    *p++ = static_cast<char>('0' + frac / 10 % 10);
    *p++ = static_cast<char>('0' + frac % 10);
  }
  out_.append(buf, p);
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
