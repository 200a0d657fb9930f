// Byte-level helpers shared by the Prometheus-text and OpenMetrics parsers:
// character classes, quoted-string scanning, escapes, UTF-8 checks and number
// parsing. Internal to scraper/textparse; not part of the parser contract.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/utf8.h"

namespace promlite::textparse::scan {

// Character classes of the legacy (unquoted) name syntax.
//   metric name: [a-zA-Z_:][a-zA-Z0-9_:]*    label name: [a-zA-Z_][a-zA-Z0-9_]*
enum CharClass : uint8_t {
  kLabelStart = 1,   // [a-zA-Z_]
  kLabelChar = 2,    // [a-zA-Z0-9_]
  kMetricStart = 4,  // [a-zA-Z_:]
  kMetricChar = 8,   // [a-zA-Z0-9_:]
  kDigit = 16,       // [0-9]
};

constexpr std::array<uint8_t, 256> make_char_class_table() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint8_t r = 0;
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (alpha) r |= kLabelStart | kLabelChar | kMetricStart | kMetricChar;
    if (digit) r |= kLabelChar | kMetricChar | kDigit;
    if (c == ':') r |= kMetricStart | kMetricChar;
    t[static_cast<size_t>(c)] = r;
  }
  return t;
}

inline constexpr std::array<uint8_t, 256> kCharClass = make_char_class_table();

inline bool has_class(char c, uint8_t cls) {
  return (kCharClass[static_cast<unsigned char>(c)] & cls) != 0;
}

// Returns the end of the run of `cls` characters starting at p (p itself if none).
inline const char* skip_class(const char* p, const char* end, uint8_t cls) {
  while (p < end && has_class(*p, cls)) ++p;
  return p;
}

inline const char* skip_blanks(const char* p, const char* end) {
  while (p < end && (*p == ' ' || *p == '\t')) ++p;
  return p;
}

// Result of scanning a double-quoted string.
struct Quoted {
  std::string_view text;  // contents between the quotes, still escaped
  bool escaped = false;   // text holds at least one backslash escape
  uint32_t newlines = 0;  // raw line feeds inside (only when allowed)
};

// Scans a quoted string whose opening quote is at p[-1]. Any backslash escape
// is accepted (only \\ \" \n mean something); invalid UTF-8 is rejected; raw
// line feeds are rejected unless `allow_newline` (Prometheus's lexers allow
// them in every quoted string of the text format and in OpenMetrics quoted
// names, not in OpenMetrics label values). On success returns the position
// after the closing quote; on failure returns nullptr and sets *why to a short
// reason (its position in *at).
// Finds the end of a label block starting just after its '{' without checking
// it: returns the position after the closing '}', or nullptr when the block
// holds what a skip cannot vouch for (a backslash or line feed, no closing
// brace); the caller then parses it in full. Only for lazy label parsing,
// where bytes that parsed cleanly once are known to parse cleanly again.
const char* skip_label_block(const char* p, const char* end);

const char* scan_quoted(const char* p, const char* end, Quoted* out, const char** why,
                        const char** at, bool allow_newline = false);

// Unescapes \\ \" \n (and, when `quote_escape` is false, leaves \" alone, as the
// Prometheus text format's HELP does). Unknown escapes are kept verbatim.
void unescape_into(std::string_view in, bool quote_escape, std::string* out);

// Checks an escaped string for escapes other than \\ \n (and \" when allowed).
// Returns the offset of the first bad backslash, or npos.
size_t find_bad_escape(std::string_view s, bool quote_escape);

// Go's utf8.ValidString (model/utf8.h).
using model::valid_utf8;

// Parses a sample value the way Prometheus does: decimal floats with optional
// sign and exponent, Inf/Infinity with optional sign and NaN (case-insensitive).
// Rejects hex floats, '_' separators, empty input and values that overflow a
// double (underflow rounds to zero, as Go's ParseFloat). Returns false on error.
// Every NaN read comes back as the one "normal" NaN Prometheus uses
// (value.NormalNaN), never the staleness marker.
bool parse_float(std::string_view s, double* out);

// Why parse_float(s) failed, in Go's words: "unsupported character in float"
// (p, P or _), or `strconv.ParseFloat: parsing "x": invalid syntax` / `...:
// value out of range`.
std::string float_error(std::string_view s);

inline constexpr uint64_t kNormalNaNBits = 0x7ff8000000000001ULL;

// Parses an unsigned decimal integer into int64 (leading zeros allowed, as Go's
// strconv.ParseInt); false when empty, not all digits or out of range.
bool parse_uint64_ms(std::string_view s, int64_t* out);

// Formats a double as OpenMetrics/Prometheus 3 canonical label value
// (Go's strconv 'g' shortest, plus ".0" when it would read as an integer):
// 1 -> "1.0", 0.25 -> "0.25", 1e6 -> "1e+06", +Inf -> "+Inf", NaN -> "NaN".
std::string format_om_float(double v);

// Quotes s like Go's %q for error messages (printable ASCII kept, others escaped),
// cut to at most `max` input bytes.
std::string quote_for_error(std::string_view s, size_t max = 120);

}  // namespace promlite::textparse::scan
