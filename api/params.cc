#include "api/params.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace promlite::api {
namespace {

// Go's strconv.ParseFloat for the inputs that matter here: decimal with
// optional sign and exponent, "Inf"/"Infinity"/"NaN" in any case.
std::optional<double> parse_go_float(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string_view body = s;
  bool neg = false;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.empty() || body[0] == '+' || body[0] == '-') return std::nullopt;
  double v = 0;
  auto res = std::from_chars(body.data(), body.data() + body.size(), v);
  if (res.ec == std::errc::result_out_of_range) {
    // Go returns ±Inf or 0 with an error: not a valid number either way.
    return std::nullopt;
  }
  if (res.ec != std::errc() || res.ptr != body.data() + body.size()) return std::nullopt;
  return neg ? -v : v;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// RFC 3339 with optional fractional seconds: 2006-01-02T15:04:05.999999999Z07:00.
std::optional<model::Timestamp> parse_rfc3339(std::string_view s) {
  int year, mon, day, hour, min, sec;
  if (!digits(s, 0, 4, &year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, &mon) ||
      s[7] != '-' || !digits(s, 8, 2, &day) || s[10] != 'T' || !digits(s, 11, 2, &hour) ||
      s[13] != ':' || !digits(s, 14, 2, &min) || s[16] != ':' || !digits(s, 17, 2, &sec)) {
    return std::nullopt;
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (mon < 1 || mon > 12 || day < 1 || day > kDays[mon - 1] || (mon == 2 && day == 29 && !leap) ||
      hour > 23 || min > 59 || sec > 59) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t frac_ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac_ms += (s[pos] - '0') * scale;  // ms, truncating past 3 digits like Go's UnixMilli
      scale /= 10;
      ++pos;
    }
    if (pos == start || pos - start > 9) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  int64_t days = days_from_civil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hour * 3600 + min * 60 + sec - offset_s;
  return secs * 1000 + frac_ms;
}

}  // namespace

Params Params::from_request(const HttpRequest& req) {
  Params p;
  bool form_method = req.method == http::verb::post || req.method == http::verb::put ||
                     req.method == http::verb::patch;
  if (form_method) {
    auto ct = req.headers[http::field::content_type];
    std::string_view type(ct.data(), ct.size());
    if (type.substr(0, type.find(';')).find("application/x-www-form-urlencoded") !=
        std::string_view::npos) {
      p.add_encoded(req.body);
    }
  }
  p.add_encoded(req.query);
  return p;
}

void Params::add_encoded(std::string_view encoded) {
  size_t start = 0;
  while (start <= encoded.size()) {
    size_t amp = encoded.find('&', start);
    if (amp == std::string_view::npos) amp = encoded.size();
    std::string_view pair = encoded.substr(start, amp - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string_view k = pair.substr(0, eq);
      std::string_view v = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      values_.emplace_back(url_decode(k, true), url_decode(v, true));
    }
    start = amp + 1;
  }
}

std::optional<std::string> Params::get(std::string_view name) const {
  for (const auto& [k, v] : values_) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::vector<std::string> Params::get_all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : values_) {
    if (k == name) out.push_back(v);
  }
  return out;
}

Result<model::Timestamp> parse_time(std::string_view s) {
  if (auto f = parse_go_float(s)) {
    double t = *f;
    if (std::isfinite(t)) {
      double whole;
      double frac = std::modf(t, &whole);
      frac = std::round(frac * 1000) / 1000;
      double ms = whole * 1000 + std::round(frac * 1000);
      // Clamp to the representable range instead of overflowing.
      if (ms >= 9.2e18) return model::Timestamp{kApiMaxTime};
      if (ms <= -9.2e18) return model::Timestamp{kApiMinTime};
      return static_cast<model::Timestamp>(ms);
    }
  }
  if (auto t = parse_rfc3339(s)) return *t;
  if (s == "-292273086-05-16T16:47:06Z") return model::Timestamp{kApiMinTime};
  if (s == "292277025-08-18T07:12:54.999999999Z") return model::Timestamp{kApiMaxTime};
  return invalid_argument("cannot parse \"" + std::string(s) + "\" to a valid timestamp");
}

Result<model::Duration> parse_duration_param(std::string_view s) {
  if (auto f = parse_go_float(s)) {
    double ns = *f * 1e9;
    if (std::isnan(ns) || ns > 9.223372036854775807e18 || ns < -9.223372036854775808e18) {
      return invalid_argument("cannot parse \"" + std::string(s) +
                              "\" to a valid duration. It overflows int64");
    }
    return static_cast<model::Duration>(static_cast<int64_t>(ns) / 1000000);
  }
  if (auto d = model::parse_duration(s)) return *d;
  return invalid_argument("cannot parse \"" + std::string(s) + "\" to a valid duration");
}

std::string unescape_label_name(std::string_view name) {
  if (!name.starts_with("U__")) return std::string(name);
  std::string_view esc = name.substr(3);
  std::string out;
  for (size_t i = 0; i < esc.size(); ++i) {
    if (esc[i] != '_') {
      out.push_back(esc[i]);
      continue;
    }
    if (++i >= esc.size()) return std::string(name);
    if (esc[i] == '_') {
      out.push_back('_');
      continue;
    }
    // _<hex code point>_
    uint32_t cp = 0;
    size_t n = 0;
    while (i < esc.size() && esc[i] != '_') {
      char c = static_cast<char>(std::tolower(static_cast<unsigned char>(esc[i])));
      int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (d < 0 || ++n > 6) return std::string(name);
      cp = cp * 16 + static_cast<uint32_t>(d);
      ++i;
    }
    if (i >= esc.size() || n == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return std::string(name);
    }
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }
  return out;
}

Result<size_t> parse_limit_param(std::string_view s) {
  if (s.empty()) return size_t{0};
  std::string_view digits_part = s;
  bool neg = false;
  if (digits_part[0] == '+' || digits_part[0] == '-') {
    neg = digits_part[0] == '-';
    digits_part.remove_prefix(1);
  }
  const std::string prefix = "strconv.Atoi: parsing " + go_quote(s) + ": ";
  if (digits_part.empty() ||
      digits_part.find_first_not_of("0123456789") != std::string_view::npos) {
    return invalid_argument(prefix + "invalid syntax");
  }
  uint64_t v = 0;
  auto res = std::from_chars(digits_part.data(), digits_part.data() + digits_part.size(), v);
  const uint64_t max = neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (res.ec == std::errc::result_out_of_range || v > max) {
    return invalid_argument(prefix + "value out of range");
  }
  if (neg && v != 0) return invalid_argument("limit must be non-negative");
  return static_cast<size_t>(v);
}

std::string go_quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));  // UTF-8 passes through
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace promlite::api
