#include "scraper/textparse/parser.h"

#include <algorithm>
#include <utility>

#include "scraper/textparse/scan.h"

namespace promlite::textparse {
namespace {

bool ends_with_suffix(std::string_view name, std::string_view family, std::string_view suffix) {
  return name.size() == family.size() + suffix.size() && name.starts_with(family) &&
         name.ends_with(suffix);
}

// Classifies the token at `at` for error messages; returns its text and kind.
std::pair<std::string_view, std::string_view> describe_token(const char* at, const char* end) {
  if (at >= end) return {{}, "EOF"};
  auto one = [&](std::string_view kind) { return std::pair{std::string_view(at, 1), kind}; };
  switch (*at) {
    case '\n':
      return one("LINEBREAK");
    case '{':
      return one("BOPEN");
    case '}':
      return one("BCLOSE");
    case ',':
      return one("COMMA");
    case '=':
      return one("EQUAL");
    case '#':
      return one("HASH");
    case ' ':
    case '\t': {
      const char* p = scan::skip_blanks(at, end);
      return {std::string_view(at, static_cast<size_t>(p - at)), "WHITESPACE"};
    }
    case '"': {
      const char* p = at + 1;
      while (p < end && *p != '"' && *p != '\n') p += (*p == '\\' && p + 1 < end) ? 2 : 1;
      if (p < end && *p == '"') ++p;
      p = std::min(p, end);
      return {std::string_view(at, static_cast<size_t>(p - at)), "QSTRING"};
    }
    default:
      break;
  }
  const char* p = at;
  if (scan::has_class(*p, scan::kMetricStart)) {
    p = scan::skip_class(p, end, scan::kMetricChar);
    return {std::string_view(at, static_cast<size_t>(p - at)), "NAME"};
  }
  while (p < end && p - at < 40 && *p != ' ' && *p != '\t' && *p != '\n' && *p != '{' &&
         *p != '}' && *p != ',' && *p != '=' && *p != '"') {
    ++p;
  }
  if (p == at) p = at + 1;
  return {std::string_view(at, static_cast<size_t>(p - at)), "INVALID"};
}

}  // namespace

std::string_view metric_type_name(MetricType t) {
  switch (t) {
    case MetricType::kUnknown:
      return "unknown";
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kGaugeHistogram:
      return "gaugehistogram";
    case MetricType::kSummary:
      return "summary";
    case MetricType::kInfo:
      return "info";
    case MetricType::kStateset:
      return "stateset";
  }
  return "unknown";
}

bool series_in_family(std::string_view name, std::string_view family, MetricType type) {
  if (family.empty()) return false;
  if (name == family) return true;
  auto any = [&](std::initializer_list<std::string_view> suffixes) {
    for (auto s : suffixes) {
      if (ends_with_suffix(name, family, s)) return true;
    }
    return false;
  };
  switch (type) {
    case MetricType::kCounter:
      return any({"_total", "_created"});
    case MetricType::kHistogram:
      return any({"_bucket", "_sum", "_count", "_created"});
    case MetricType::kGaugeHistogram:
      return any({"_bucket", "_gsum", "_gcount"});
    case MetricType::kSummary:
      return any({"_sum", "_count", "_created"});
    case MetricType::kInfo:
      return any({"_info"});
    default:
      return false;
  }
}

Parser::Parser(std::string_view buf)
    : begin_(buf.data()),
      end_(buf.data() + buf.size()),
      pos_(buf.data()),
      line_start_(buf.data()) {}

Entry Parser::next() {
  if (state_ == Entry::kEof || state_ == Entry::kError) return state_;
  has_exemplar_ = false;
  pending_labels_ = nullptr;  // the last series' skipped block was the caller's to parse
  Entry e = parse_next();
  if (e == Entry::kEof || e == Entry::kError) state_ = e;
  return e;
}

Entry Parser::fail(std::string message) {
  if (pending_labels_ && !soft_fail_ && !parse_labels()) {
    return Entry::kError;  // the skipped block's own error comes first, as eagerly
  }
  if (soft_fail_) {
    soft_error_ = "line " + std::to_string(line_) + ": " + message;
    return Entry::kError;
  }
  error_ = invalid_argument("line " + std::to_string(line_) + ": " + message);
  state_ = Entry::kError;
  return Entry::kError;
}

Entry Parser::fail_expected(std::string_view what, const char* at) {
  auto [tok, kind] = describe_token(at, end_);
  const char* stop = std::min(end_, std::max(at + tok.size(), line_start_));
  std::string msg(what);
  msg.append(", got ").append(scan::quote_for_error(tok)).append(" (").append(kind);
  msg.append(") while parsing: ");
  msg.append(scan::quote_for_error(
      std::string_view(line_start_, static_cast<size_t>(stop - line_start_)), 200));
  return fail(std::move(msg));
}

const char* Parser::parse_label_block(const char* p, bool blanks, bool exemplar,
                                      std::vector<LabelRef>* out) {
  auto skip = [&](const char* q) { return blanks ? scan::skip_blanks(q, end_) : q; };
  const char* why = nullptr;
  const char* at = nullptr;
  for (;;) {
    p = skip(p);
    if (p < end_ && *p == '}') return p + 1;
    LabelRef l;
    bool quoted = false;
    if (p < end_ && *p == '"') {
      scan::Quoted q;
      // Quoted names may hold raw line feeds in both formats (Prometheus's lexers).
      const char* after = scan::scan_quoted(p + 1, end_, &q, &why, &at, !exemplar);
      if (!after) return fail_expected(why, at), nullptr;
      line_ += q.newlines;
      l.name = q.text;
      l.name_escaped = q.escaped;
      quoted = true;
      p = after;
    } else if (p < end_ && scan::has_class(*p, scan::kLabelStart)) {
      const char* q = scan::skip_class(p + 1, end_, scan::kLabelChar);
      l.name = std::string_view(p, static_cast<size_t>(q - p));
      p = q;
    } else {
      return fail_expected("expected label name", p), nullptr;
    }
    p = skip(p);
    if (quoted && p < end_ && (*p == ',' || *p == '}')) {
      // Prometheus 3's UTF-8 form: a lone quoted string is the metric name.
      if (exemplar) return fail_expected("expected equal", p), nullptr;
      if (!name_.empty()) {
        return fail("metric name already set while parsing: " +
                    scan::quote_for_error(
                        std::string_view(line_start_, static_cast<size_t>(p + 1 - line_start_)))),
               nullptr;
      }
      if (l.name.empty()) return fail_expected("expected a non-empty metric name", p - 2), nullptr;
      name_ = l.name;
      name_escaped_ = l.name_escaped;
      if (*p == ',') ++p;
      continue;
    }
    if (quoted && l.name.empty())
      return fail_expected("expected a non-empty label name", p - 2), nullptr;
    if (p >= end_ || *p != '=') return fail_expected("expected equal", p), nullptr;
    p = skip(p + 1);
    if (p >= end_ || *p != '"') return fail_expected("expected label value", p), nullptr;
    scan::Quoted v;
    // Prometheus text allows raw line feeds in label values; OpenMetrics does not.
    const char* after = scan::scan_quoted(p + 1, end_, &v, &why, &at, blanks);
    if (!after) return fail_expected(why, at), nullptr;
    line_ += v.newlines;
    l.value = v.text;
    l.value_escaped = v.escaped;
    out->push_back(l);
    p = skip(after);
    if (p < end_ && *p == ',') {
      ++p;  // a trailing comma before '}' is accepted, as Prometheus does
      continue;
    }
    if (p < end_ && *p == '}') continue;
    // Prometheus's text parser takes the comma between pairs as optional
    // ({a="1" b="2"} is accepted); OpenMetrics requires it.
    if (blanks) continue;
    return fail_expected("expected comma or brace close", p), nullptr;
  }
}

const char* Parser::maybe_skip_label_block(const char* p) {
  // Only after a bare metric name: the quoted-name form sets name_ inside.
  if (!lazy_labels_ || name_.empty()) return nullptr;
  const char* after = scan::skip_label_block(p, end_);
  if (after) {
    pending_labels_ = p;
    pending_blanks_ = format() == Format::kPrometheusText;
  }
  return after;
}

bool Parser::parse_labels() {
  if (state_ == Entry::kError) return false;
  const char* p = std::exchange(pending_labels_, nullptr);
  if (!p) return true;
  labels_.clear();
  if (!parse_label_block(p, pending_blanks_, /*exemplar=*/false, &labels_)) return false;
  return labels_.empty() || check_duplicate_labels();
}

const char* Parser::parse_meta_name(const char* q, const char* end, std::string_view keyword) {
  name_escaped_ = false;
  if (q < end && *q == '"') {
    scan::Quoted name;
    const char* why = nullptr;
    const char* at = nullptr;
    const char* after = scan::scan_quoted(q + 1, end, &name, &why, &at);
    if (!after) return fail_expected(why, at), nullptr;
    if (name.text.empty()) return fail_expected("expected a non-empty metric name", q), nullptr;
    name_ = name.text;
    name_escaped_ = name.escaped;
    return after;
  }
  if (q < end && scan::has_class(*q, scan::kMetricStart)) {
    const char* e = scan::skip_class(q + 1, end, scan::kMetricChar);
    name_ = std::string_view(q, static_cast<size_t>(e - q));
    return e;
  }
  return fail_expected("expected metric name after " + std::string(keyword), q), nullptr;
}

bool Parser::check_duplicate_labels() {
  const size_t n = labels_.size();
  auto name_of = [&](size_t i, std::string* scratch) {
    return unescape(labels_[i].name, labels_[i].name_escaped, scratch);
  };
  auto duplicate = [&](std::string_view name) {
    fail("duplicate label name " + scan::quote_for_error(name) +
         " while parsing: " + scan::quote_for_error(series_, 200));
    return false;
  };
  if (n <= 32) {
    for (size_t i = 0; i < n; ++i) {
      std::string_view a = name_of(i, &dup_a_);
      if (a == model::kMetricName) return duplicate(a);
      for (size_t j = 0; j < i; ++j) {
        const LabelRef& b = labels_[j];
        if (!labels_[i].name_escaped && !b.name_escaped) {
          if (a == b.name) return duplicate(a);
        } else if (a == name_of(j, &dup_b_)) {
          return duplicate(a);
        }
      }
    }
    return true;
  }
  // Wide label sets (only seen from odd or hostile targets): sort a copy.
  std::vector<std::string> names;
  names.reserve(n);
  for (size_t i = 0; i < n; ++i) names.emplace_back(name_of(i, &dup_a_));
  std::sort(names.begin(), names.end());
  for (size_t i = 0; i < n; ++i) {
    if (names[i] == model::kMetricName || (i > 0 && names[i] == names[i - 1])) {
      return duplicate(names[i]);
    }
  }
  return true;
}

MetricType Parser::series_type() const {
  if (family_type_ == MetricType::kUnknown || name_escaped_) return MetricType::kUnknown;
  return series_in_family(name_, family_, family_type_) ? family_type_ : MetricType::kUnknown;
}

std::string_view Parser::unescape(std::string_view text, bool escaped, std::string* scratch) {
  if (!escaped) return text;
  scan::unescape_into(text, /*quote_escape=*/true, scratch);
  return *scratch;
}

std::string_view Parser::help(std::string* scratch) const {
  if (text_.find('\\') == std::string_view::npos) return text_;
  scan::unescape_into(text_, help_quote_escape_, scratch);
  return *scratch;
}

model::Labels Parser::build_labels(model::LabelsBuilder& scratch) const {
  scratch.reset();
  std::string buf_name, buf_value;
  scratch.set(model::kMetricName, unescape(name_, name_escaped_, &buf_name));
  for (const LabelRef& l : labels_) {
    std::string_view name = unescape(l.name, l.name_escaped, &buf_name);
    std::string_view value = unescape(l.value, l.value_escaped, &buf_value);
    if ((family_type_ == MetricType::kHistogram && name == "le") ||
        (family_type_ == MetricType::kSummary && name == "quantile")) {
      double v;
      if (scan::parse_float(value, &v)) {
        scratch.set(name, scan::format_om_float(v));
        continue;
      }
    }
    scratch.set(name, value);
  }
  return scratch.build();
}

model::Labels Parser::build_exemplar_labels(model::LabelsBuilder& scratch) const {
  scratch.reset();
  if (!has_exemplar_) return scratch.build();
  std::string buf_name, buf_value;
  for (const LabelRef& l : exemplar_.labels) {
    scratch.set(unescape(l.name, l.name_escaped, &buf_name),
                unescape(l.value, l.value_escaped, &buf_value));
  }
  return scratch.build();
}

}  // namespace promlite::textparse
