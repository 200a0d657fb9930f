#include "scraper/textparse/prom_parser.h"

#include <cstring>

#include "scraper/textparse/scan.h"

namespace promlite::textparse {
namespace {

const char* find_eol(const char* p, const char* end) {
  const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
  return nl ? static_cast<const char*>(nl) : end;
}

bool parse_prom_type(std::string_view s, MetricType* t) {
  if (s == "counter") {
    *t = MetricType::kCounter;
  } else if (s == "gauge") {
    *t = MetricType::kGauge;
  } else if (s == "histogram") {
    *t = MetricType::kHistogram;
  } else if (s == "summary") {
    *t = MetricType::kSummary;
  } else if (s == "untyped") {
    *t = MetricType::kUnknown;
  } else {
    return false;
  }
  return true;
}

}  // namespace

PromParser::PromParser(std::string_view buf) : Parser(buf) { help_quote_escape_ = false; }

Entry PromParser::parse_next() {
  for (;;) {
    if (pos_ >= end_) return Entry::kEof;
    line_start_ = pos_;
    ++line_;
    const char* p = scan::skip_blanks(pos_, end_);
    if (p >= end_) {
      pos_ = end_;
      return Entry::kEof;
    }
    if (*p == '\n') {  // blank line
      pos_ = p + 1;
      continue;
    }
    if (*p == '#') return parse_hash_line(p);
    return parse_series(p);
  }
}

Entry PromParser::parse_hash_line(const char* p) {
  const char* eol = find_eol(p, end_);
  const char* q = p + 1;
  bool help = false, type = false;
  if (q < eol && (*q == ' ' || *q == '\t')) {
    q = scan::skip_blanks(q, eol);
    if (eol - q > 4 && (q[4] == ' ' || q[4] == '\t')) {
      help = std::memcmp(q, "HELP", 4) == 0;
      type = std::memcmp(q, "TYPE", 4) == 0;
    }
  }
  if (!help && !type) {
    text_ = std::string_view(p, static_cast<size_t>(eol - p));
    finish_line(eol);
    return Entry::kComment;
  }
  std::string_view keyword = help ? "HELP" : "TYPE";
  q = scan::skip_blanks(q + 4, eol);
  q = parse_meta_name(q, eol, keyword);
  if (!q) return Entry::kError;
  // As Prometheus's lexer: the text is the rest of the line minus its first
  // character (normally the blank after the name; "# HELP foo-bar x" gives
  // "bar x"), and empty when the rest is blanks only.
  if (scan::skip_blanks(q, eol) == eol) q = eol;
  text_ = q < eol ? std::string_view(q + 1, static_cast<size_t>(eol - q - 1)) : std::string_view();
  finish_line(eol);
  if (type) {
    if (!parse_prom_type(text_, &type_)) {
      return fail("invalid metric type " + scan::quote_for_error(text_));
    }
    set_family(name_, type_);
    return Entry::kType;
  }
  if (!scan::valid_utf8(text_)) {
    return fail("help text " + scan::quote_for_error(text_) + " is not a valid utf8 string");
  }
  return Entry::kHelp;
}

Entry PromParser::parse_series(const char* p) {
  begin_series();
  const char* start = p;
  if (scan::has_class(*p, scan::kMetricStart)) {
    p = scan::skip_class(p + 1, end_, scan::kMetricChar);
    name_ = std::string_view(start, static_cast<size_t>(p - start));
    series_ = name_;
    const char* b = scan::skip_blanks(p, end_);
    if (b < end_ && *b == '{') p = b;
  } else if (*p != '{') {
    return fail_expected("expected a valid start token", p);
  }
  if (p < end_ && *p == '{') {
    if (const char* skipped = maybe_skip_label_block(p + 1)) {
      p = skipped;
    } else {
      p = parse_label_block(p + 1, /*blanks=*/true, /*exemplar=*/false, &labels_);
      if (!p) return Entry::kError;
    }
    series_ = std::string_view(start, static_cast<size_t>(p - start));
  }
  if (name_.empty()) {
    return fail("metric name not set while parsing: " + scan::quote_for_error(series_, 200));
  }
  if (!labels_.empty() && !check_duplicate_labels()) return Entry::kError;

  p = scan::skip_blanks(p, end_);
  const char* v = p;
  while (p < end_ && *p != ' ' && *p != '\t' && *p != '\n' && *p != '{') ++p;
  if (p == v) return fail_expected("expected value after metric", p);
  std::string_view value(v, static_cast<size_t>(p - v));
  if (!scan::parse_float(value, &value_)) {
    return fail(scan::float_error(value) + " while parsing: " +
                scan::quote_for_error(
                    std::string_view(line_start_, static_cast<size_t>(p - line_start_)), 200));
  }
  p = scan::skip_blanks(p, end_);
  if (p < end_ && *p != '\n') {
    if (!scan::has_class(*p, scan::kDigit)) {
      return fail_expected("expected timestamp or new record", p);
    }
    const char* t = p;
    p = scan::skip_class(p, end_, scan::kDigit);
    if (!scan::parse_uint64_ms(std::string_view(t, static_cast<size_t>(p - t)), &ts_)) {
      return fail("strconv.ParseInt: parsing " +
                  scan::quote_for_error(std::string_view(t, static_cast<size_t>(p - t))) +
                  ": value out of range while parsing: " +
                  scan::quote_for_error(
                      std::string_view(line_start_, static_cast<size_t>(p - line_start_)), 200));
    }
    has_ts_ = true;
    if (p < end_ && *p != ' ' && *p != '\t' && *p != '\n') {
      return fail_expected("expected next entry after timestamp", p);
    }
    p = scan::skip_blanks(p, end_);
    if (p < end_ && *p != '\n') return fail_expected("expected next entry after timestamp", p);
  }
  finish_line(p);
  return Entry::kSeries;
}

}  // namespace promlite::textparse
