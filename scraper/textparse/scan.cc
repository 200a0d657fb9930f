#include "scraper/textparse/scan.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "model/sample.h"

namespace promlite::textparse::scan {
namespace {

bool equal_fold(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// Exact powers of ten for the Clinger fast path (all exactly representable).
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// Full-syntax check of a decimal float: [+-]? (D+ [. D*] | . D+) ([eE] [+-]? D+)?
bool decimal_syntax_ok(std::string_view s) {
  size_t i = 0, n = s.size();
  if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') ++i, ++int_digits;
  if (i < n && s[i] == '.') {
    ++i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == n;
}

// Slow path: strtod on a NUL-terminated copy, used when from_chars reports a
// range error (to tell overflow, an error, from underflow, which rounds to 0).
bool strtod_checked(std::string_view s, double* out) {
  std::string copy(s);
  errno = 0;
  char* endp = nullptr;
  double v = std::strtod(copy.c_str(), &endp);
  if (endp != copy.c_str() + copy.size()) return false;
  if (std::isinf(v)) return false;
  *out = v;
  return true;
}

}  // namespace

namespace {

// One byte of a label block, for skip_label_block: returns 1 when the block
// ends after it, -1 when the skip must give up, 0 to go on.
inline int skip_step(char c, bool& in_value) {
  switch (c) {
    case '"':
      in_value = !in_value;
      return 0;
    case '}':
      return in_value ? 0 : 1;
    case '\\':
      // An escape inside a value needs the full parse; outside one it is
      // skipped like any other byte there (the parse that cached these bytes
      // vouched for them).
      return in_value ? -1 : 0;
    case '\n':
      return -1;
    default:
      return 0;
  }
}

}  // namespace

const char* skip_label_block(const char* p, const char* end) {
  // Label blocks are most of an exposition's bytes, and only four bytes
  // matter to a skip ('"', '\\', '\n', '}'): with SSE2 (every x86-64 has it)
  // 16 bytes are tested at a time and only those bytes are visited.
  bool in_value = false;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i brace = _mm_set1_epi8('}');
  for (; end - p >= 16; p += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                               _mm_or_si128(_mm_cmpeq_epi8(v, newline), _mm_cmpeq_epi8(v, brace)));
    for (auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit)); mask != 0; mask &= mask - 1) {
      const char* at = p + std::countr_zero(mask);
      if (int r = skip_step(*at, in_value); r != 0) return r > 0 ? at + 1 : nullptr;
    }
  }
#endif
  for (; p < end; ++p) {
    if (int r = skip_step(*p, in_value); r != 0) return r > 0 ? p + 1 : nullptr;
  }
  return nullptr;
}

const char* scan_quoted(const char* p, const char* end, Quoted* out, const char** why,
                        const char** at, bool allow_newline) {
  const char* start = p;
  bool escaped = false;
  unsigned high = 0;
  uint32_t newlines = 0;
  while (p < end) {
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"') {
      out->text = std::string_view(start, static_cast<size_t>(p - start));
      out->escaped = escaped;
      out->newlines = newlines;
      if ((high & 0x80) && !valid_utf8(out->text)) {
        *why = "invalid UTF-8 in quoted string";
        *at = start;
        return nullptr;
      }
      return p + 1;
    }
    if (c == '\\') {
      if (p + 1 >= end) break;
      // Any escaped character is accepted, as Prometheus's lexers do
      // (\"(\\.|[^\\"])*\"); only \\, \" and \n mean something, and other
      // escapes stay as written when unescaped.
      escaped = true;
      p += 2;
      continue;
    }
    if (c == '\n') {
      if (!allow_newline) {
        *why = "unterminated quoted string (line feed before closing quote)";
        *at = p;
        return nullptr;
      }
      ++newlines;
    }
    high |= c;
    ++p;
  }
  *why = "unterminated quoted string";
  *at = end;
  return nullptr;
}

void unescape_into(std::string_view in, bool quote_escape, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '\\' && i + 1 < in.size()) {
      char e = in[i + 1];
      if (e == '\\') {
        out->push_back('\\');
        ++i;
        continue;
      }
      if (e == 'n') {
        out->push_back('\n');
        ++i;
        continue;
      }
      if (e == '"' && quote_escape) {
        out->push_back('"');
        ++i;
        continue;
      }
    }
    out->push_back(c);
  }
}

size_t find_bad_escape(std::string_view s, bool quote_escape) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') continue;
    if (i + 1 >= s.size()) return i;
    char e = s[i + 1];
    if (e != '\\' && e != 'n' && !(quote_escape && e == '"')) return i;
    ++i;
  }
  return std::string_view::npos;
}

bool parse_float(std::string_view s, double* out) {
  if (s.empty()) return false;
  // Fast path: [-]digits[.digits] with at most 15 significant digits is exact
  // after one correctly rounded division (Clinger).
  {
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-') {
      neg = true;
      i = 1;
    }
    uint64_t m = 0;
    size_t digits = 0, frac = 0;
    bool dot = false, ok = i < s.size();
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (c >= '0' && c <= '9') {
        m = m * 10 + static_cast<uint64_t>(c - '0');
        ++digits;
        if (dot) ++frac;
      } else if (c == '.' && !dot) {
        dot = true;
      } else {
        ok = false;
        break;
      }
    }
    if (ok && digits > 0 && digits <= 15) {
      double v = static_cast<double>(m);
      if (frac) v /= kPow10[frac];
      *out = neg ? -v : v;
      return true;
    }
  }
  // Special values, as Go's ParseFloat spells them: [+-]inf, [+-]infinity, nan.
  {
    std::string_view t = s;
    bool neg = false, signed_ = false;
    if (t[0] == '+' || t[0] == '-') {
      neg = t[0] == '-';
      signed_ = true;
      t.remove_prefix(1);
    }
    if (equal_fold(t, "inf") || equal_fold(t, "infinity")) {
      *out =
          neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
      return true;
    }
    if (!signed_ && equal_fold(t, "nan")) {
      *out = model::bits_to_float(kNormalNaNBits);
      return true;
    }
  }
  if (!decimal_syntax_ok(s)) return false;
  std::string_view t = s[0] == '+' ? s.substr(1) : s;
  double v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) return strtod_checked(s, out);
  if (ec != std::errc() || ptr != t.data() + t.size()) return false;
  *out = v;
  return true;
}

std::string float_error(std::string_view s) {
  if (s.find_first_of("pP_") != std::string_view::npos) return "unsupported character in float";
  std::string q = quote_for_error(s, s.size());
  // Well-formed decimal syntax that still failed can only be out of range.
  if (decimal_syntax_ok(s)) return "strconv.ParseFloat: parsing " + q + ": value out of range";
  return "strconv.ParseFloat: parsing " + q + ": invalid syntax";
}

bool parse_uint64_ms(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  while (s.size() > 1 && s[0] == '0') s.remove_prefix(1);
  if (s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

std::string format_om_float(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  // Shortest round-trip digits and decimal exponent, from to_chars' scientific form.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  bool neg = false;
  if (!sci.empty() && sci[0] == '-') {
    neg = true;
    sci.remove_prefix(1);
  }
  size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos)) {
    if (c != '.') digits.push_back(c);
  }
  int exp = std::atoi(std::string(sci.substr(epos + 1)).c_str());
  std::string out = neg ? "-" : "";
  int nd = static_cast<int>(digits.size());
  if (exp < -4 || exp >= 6) {
    // %e: d[.ddd]e±XX with at least two exponent digits.
    out.push_back(digits[0]);
    if (nd > 1) {
      out.push_back('.');
      out.append(digits, 1, std::string::npos);
    }
    out.push_back('e');
    out.push_back(exp < 0 ? '-' : '+');
    int a = exp < 0 ? -exp : exp;
    if (a < 10) out.push_back('0');
    out.append(std::to_string(a));
    return out;
  }
  // %f with exactly the significant digits.
  int dp = exp + 1;  // digits before the decimal point
  if (dp <= 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-dp), '0');
    out.append(digits);
    return out;
  }
  if (nd <= dp) {
    out.append(digits);
    out.append(static_cast<size_t>(dp - nd), '0');
    out.append(".0");
    return out;
  }
  out.append(digits, 0, static_cast<size_t>(dp));
  out.push_back('.');
  out.append(digits, static_cast<size_t>(dp), std::string::npos);
  return out;
}

std::string quote_for_error(std::string_view s, size_t max) {
  bool cut = s.size() > max;
  if (cut) s = s.substr(0, max);
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\r':
        out.append("\\r");
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\x%02x", c);
          out.append(hex);
        } else {
          out.push_back(static_cast<char>(c));  // UTF-8 passes through
        }
    }
  }
  out.push_back('"');
  if (cut) out.append("...");
  return out;
}

}  // namespace promlite::textparse::scan
