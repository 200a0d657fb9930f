#include "scraper/textparse/openmetrics_parser.h"

#include <cmath>
#include <cstring>

#include "scraper/textparse/scan.h"

namespace promlite::textparse {
namespace {

constexpr std::string_view kNoEof = "data does not end with # EOF";

bool parse_om_type(std::string_view s, MetricType* t) {
  static constexpr std::pair<std::string_view, MetricType> kTypes[] = {
      {"counter", MetricType::kCounter},     {"gauge", MetricType::kGauge},
      {"histogram", MetricType::kHistogram}, {"gaugehistogram", MetricType::kGaugeHistogram},
      {"summary", MetricType::kSummary},     {"info", MetricType::kInfo},
      {"stateset", MetricType::kStateset},   {"unknown", MetricType::kUnknown},
  };
  for (const auto& [name, type] : kTypes) {
    if (s == name) {
      *t = type;
      return true;
    }
  }
  return false;
}

// Token up to the next space or line feed.
const char* token_end(const char* p, const char* end) {
  while (p < end && *p != ' ' && *p != '\n') ++p;
  return p;
}

// OpenMetrics timestamps are float seconds; Prometheus truncates ms toward zero.
// Returns "" or the error in Prometheus's words (without the line context).
std::string seconds_to_ms(std::string_view s, int64_t* ms) {
  double sec;
  if (!scan::parse_float(s, &sec)) return scan::float_error(s);
  if (std::isnan(sec)) return "invalid timestamp NaN";
  if (std::isinf(sec)) return sec > 0 ? "invalid timestamp +Inf" : "invalid timestamp -Inf";
  double v = sec * 1000.0;
  // Go would wrap silently; promlite refuses a timestamp outside int64 ms.
  if (!(v > -9.2e18 && v < 9.2e18)) return "invalid timestamp " + scan::quote_for_error(s);
  *ms = static_cast<int64_t>(v);
  return {};
}

}  // namespace

OpenMetricsParser::OpenMetricsParser(std::string_view buf, Options options)
    : Parser(buf), options_(options) {
  help_quote_escape_ = true;
}

Entry OpenMetricsParser::parse_next() {
  for (;;) {
    Entry e = parse_one();
    if (e != Entry::kSeries || !is_skipped_created()) return e;
    // A skipped line is still checked: no caller sees it to parse it lazily.
    if (!parse_labels()) return Entry::kError;
  }
}

bool OpenMetricsParser::is_skipped_created() const {
  if (!options_.skip_created_series || !name_.ends_with("_created")) return false;
  if (family_type_ != MetricType::kCounter && family_type_ != MetricType::kHistogram &&
      family_type_ != MetricType::kSummary) {
    return false;
  }
  return series_in_family(name_, family_, family_type_);
}

Entry OpenMetricsParser::parse_one() {
  line_start_ = pos_;
  ++line_;
  if (pos_ >= end_) return fail(std::string(kNoEof));
  if (*pos_ == '#') return parse_hash_line(pos_);
  return parse_series(pos_);
}

Entry OpenMetricsParser::parse_hash_line(const char* p) {
  const char* q = p + 1;
  if (q >= end_ || *q != ' ') return fail_expected("expected a space after #", q);
  ++q;
  const size_t left = static_cast<size_t>(end_ - q);
  if (left >= 3 && std::memcmp(q, "EOF", 3) == 0) {
    q += 3;
    if (q < end_ && *q == '\n') ++q;
    if (q != end_) return fail("unexpected data after # EOF");
    pos_ = end_;
    return Entry::kEof;
  }
  Entry kind;
  std::string_view keyword;
  if (left >= 5 && std::memcmp(q, "HELP ", 5) == 0) {
    kind = Entry::kHelp;
    keyword = "HELP";
  } else if (left >= 5 && std::memcmp(q, "TYPE ", 5) == 0) {
    kind = Entry::kType;
    keyword = "TYPE";
  } else if (left >= 5 && std::memcmp(q, "UNIT ", 5) == 0) {
    kind = Entry::kUnit;
    keyword = "UNIT";
  } else {
    return fail_expected("expected HELP, TYPE, UNIT or EOF after \"# \"", q);
  }
  q += 5;
  q = parse_meta_name(q, end_, keyword);
  if (!q) return Entry::kError;
  if (q >= end_ || *q != ' ') {
    return fail_expected("expected a space after the metric name in " + std::string(keyword), q);
  }
  ++q;
  const void* nl = std::memchr(q, '\n', static_cast<size_t>(end_ - q));
  if (!nl) return fail(std::string(kNoEof));
  const char* eol = static_cast<const char*>(nl);
  text_ = std::string_view(q, static_cast<size_t>(eol - q));
  pos_ = eol + 1;
  switch (kind) {
    case Entry::kType:
      if (!parse_om_type(text_, &type_)) {
        return fail("invalid metric type " + scan::quote_for_error(text_));
      }
      set_family(name_, type_);
      return kind;
    case Entry::kHelp: {
      // Unknown escapes are kept as written, as Prometheus does.
      if (!scan::valid_utf8(text_)) {
        return fail("help text " + scan::quote_for_error(text_) + " is not a valid utf8 string");
      }
      return kind;
    }
    default: {  // kUnit
      for (char c : text_) {
        if (!scan::has_class(c, scan::kMetricChar)) {
          return fail("invalid unit " + scan::quote_for_error(text_));
        }
      }
      const std::string_view u = text_;
      if (!u.empty() && !(name_.size() > u.size() && name_.ends_with(u) &&
                          name_[name_.size() - u.size() - 1] == '_')) {
        return fail("unit " + scan::quote_for_error(u) + " not a suffix of metric " +
                    scan::quote_for_error(name_));
      }
      return kind;
    }
  }
}

Entry OpenMetricsParser::parse_series(const char* p) {
  begin_series();
  const char* start = p;
  if (scan::has_class(*p, scan::kMetricStart)) {
    p = scan::skip_class(p + 1, end_, scan::kMetricChar);
    name_ = std::string_view(start, static_cast<size_t>(p - start));
  } else if (*p != '{') {
    return fail_expected("expected a valid start token", p);
  }
  if (p < end_ && *p == '{') {
    if (const char* skipped = maybe_skip_label_block(p + 1)) {
      p = skipped;
    } else {
      p = parse_label_block(p + 1, /*blanks=*/false, /*exemplar=*/false, &labels_);
      if (!p) return Entry::kError;
    }
  }
  series_ = std::string_view(start, static_cast<size_t>(p - start));
  if (name_.empty()) {
    return fail("metric name not set while parsing: " + scan::quote_for_error(series_, 200));
  }
  if (!labels_.empty() && !check_duplicate_labels()) return Entry::kError;

  if (p >= end_) return fail(std::string(kNoEof));
  if (*p != ' ') return fail_expected("expected value after metric", p);
  const char* v = ++p;
  p = token_end(p, end_);
  if (p == v) return fail_expected("expected value after metric", p);
  std::string_view value(v, static_cast<size_t>(p - v));
  if (!scan::parse_float(value, &value_)) {
    return fail(scan::float_error(value) + " while parsing: " +
                scan::quote_for_error(
                    std::string_view(line_start_, static_cast<size_t>(p - line_start_)), 200));
  }
  if (p >= end_) return fail(std::string(kNoEof));
  if (*p == ' ') {
    ++p;
    if (p < end_ && *p == '#') {
      p = parse_exemplar_or_skip(p);
      if (!p) return Entry::kError;
    } else {
      const char* t = p;
      p = token_end(p, end_);
      if (p == t) return fail_expected("expected timestamp or exemplar", p);
      std::string_view ts(t, static_cast<size_t>(p - t));
      if (std::string why = seconds_to_ms(ts, &ts_); !why.empty()) {
        return fail(why + " while parsing: " +
                    scan::quote_for_error(
                        std::string_view(line_start_, static_cast<size_t>(p - line_start_)), 200));
      }
      has_ts_ = true;
      if (p >= end_) return fail(std::string(kNoEof));
      if (*p == ' ' && p + 1 < end_ && p[1] == '#') {
        p = parse_exemplar_or_skip(p + 1);
        if (!p) return Entry::kError;
      }
    }
  }
  if (p >= end_) return fail(std::string(kNoEof));
  if (*p != '\n') return fail_expected("expected next entry after timestamp", p);
  pos_ = p + 1;
  return Entry::kSeries;
}

const char* OpenMetricsParser::parse_exemplar_or_skip(const char* p) {
  soft_fail_ = true;
  const char* eol = parse_exemplar(p);
  soft_fail_ = false;
  if (eol) return eol;
  // Malformed exemplar: keep the sample, drop the exemplar, go on at the line feed.
  has_exemplar_ = false;
  ++skipped_exemplars_;
  const void* nl = std::memchr(p, '\n', static_cast<size_t>(end_ - p));
  if (!nl) return fail(std::string(kNoEof)), nullptr;
  return static_cast<const char*>(nl);
}

const char* OpenMetricsParser::parse_exemplar(const char* p) {
  if (end_ - p < 3 || p[1] != ' ' || p[2] != '{') {
    return fail_expected("expected \"# {\" to start an exemplar", p), nullptr;
  }
  exemplar_labels_.clear();
  p = parse_label_block(p + 3, /*blanks=*/false, /*exemplar=*/true, &exemplar_labels_);
  if (!p) return nullptr;
  if (p >= end_) return fail(std::string(kNoEof)), nullptr;
  if (*p != ' ') return fail_expected("expected value after exemplar labels", p), nullptr;
  const char* v = ++p;
  p = token_end(p, end_);
  std::string_view value(v, static_cast<size_t>(p - v));
  if (value.empty()) return fail_expected("expected value after exemplar labels", p), nullptr;
  exemplar_ = Exemplar{};
  if (!scan::parse_float(value, &exemplar_.value)) {
    return fail("invalid exemplar value " + scan::quote_for_error(value)), nullptr;
  }
  if (p < end_ && *p == ' ') {
    const char* t = ++p;
    p = token_end(p, end_);
    std::string_view ts(t, static_cast<size_t>(p - t));
    if (!seconds_to_ms(ts, &exemplar_.timestamp_ms).empty()) {
      return fail("invalid exemplar timestamp " + scan::quote_for_error(ts)), nullptr;
    }
    exemplar_.has_timestamp = true;
  }
  if (p >= end_) return fail(std::string(kNoEof)), nullptr;
  if (*p != '\n') return fail_expected("expected next entry after exemplar", p), nullptr;
  exemplar_.labels = exemplar_labels_;
  has_exemplar_ = true;
  return p;
}

}  // namespace promlite::textparse
