#include "tests/testutil/promql_script.h"

#include <re2/re2.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "model/matcher.h"

namespace promlite::testutil {

using model::Labels;

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_metric_start(char c) { return is_alpha(c) || c == '_' || c == ':'; }
bool is_metric_char(char c) { return is_metric_start(c) || is_digit(c); }
bool is_label_start(char c) { return is_alpha(c) || c == '_'; }
bool is_label_char(char c) { return is_label_start(c) || is_digit(c); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Splits off the first whitespace-delimited word.
std::string_view first_word(std::string_view s, std::string_view* rest) {
  s = trim(s);
  size_t i = 0;
  while (i < s.size() && !is_space(s[i])) ++i;
  if (rest) *rest = trim(s.substr(i));
  return s.substr(0, i);
}

Status bad(std::string msg) { return invalid_argument(std::move(msg)); }

// ---------------------------------------------------------------- numbers

// Reads an unsigned decimal integer (the N of `xN`) that must fill `s`.
std::optional<uint64_t> parse_uint(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t n = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

// Scans a PromQL number literal at the start of `s` as the series-description
// lexer does: an optional sign, then Inf/NaN (any case) or a decimal float
// (`1`, `1.5`, `.5`, `2.`, `1e3`, `1E+3`). Hex is not allowed there, since
// `0x59` means "0 repeated". Returns the number of bytes read (0: none).
size_t scan_number(std::string_view s, double* out) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    neg = s[i] == '-';
    ++i;
  }
  if (s.size() - i >= 3 && iequals(s.substr(i, 3), "inf")) {
    *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return i + 3;
  }
  if (s.size() - i >= 3 && iequals(s.substr(i, 3), "nan")) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return i + 3;
  }
  size_t start = i;
  size_t digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    size_t exp_start = j;
    while (j < s.size() && is_digit(s[j])) ++j;
    if (j > exp_start) i = j;  // otherwise the 'e' is not part of the number
  }
  std::string text(s.substr(start, i - start));
  double v = std::strtod(text.c_str(), nullptr);  // overflow gives ±Inf, as Go does
  *out = neg ? -v : v;
  return i;
}

// ---------------------------------------------------------------- strings

void append_utf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads a PromQL string literal ("...", '...' with Go escapes, or `raw`) at the
// start of `s`; sets *consumed to its length including the quotes.
Result<std::string> scan_string(std::string_view s, size_t* consumed) {
  if (s.empty()) return bad("expected a string literal");
  char q = s[0];
  if (q != '"' && q != '\'' && q != '`') return bad("expected a string literal");
  std::string out;
  size_t i = 1;
  if (q == '`') {
    size_t end = s.find('`', 1);
    if (end == std::string_view::npos) return bad("unterminated raw string");
    *consumed = end + 1;
    return std::string(s.substr(1, end - 1));
  }
  while (i < s.size() && s[i] != q) {
    char c = s[i];
    if (c == '\n') return bad("newline in string");
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (++i >= s.size()) break;
    char e = s[i++];
    switch (e) {
      case 'a':
        out.push_back('\a');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '"':
      case '\'':
        if (e != q) return bad(std::string("unknown escape sequence \\") + e);
        out.push_back(e);
        break;
      case 'x':
      case 'u':
      case 'U': {
        size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (i + n > s.size()) return bad("truncated escape sequence");
        uint32_t v = 0;
        for (size_t k = 0; k < n; ++k) {
          int h = hex_value(s[i + k]);
          if (h < 0) return bad("invalid escape sequence");
          v = v * 16 + static_cast<uint32_t>(h);
        }
        i += n;
        if (e == 'x') {
          out.push_back(static_cast<char>(v));  // a raw byte, as in Go
        } else {
          if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) return bad("invalid Unicode escape");
          append_utf8(&out, v);
        }
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          if (i + 2 > s.size()) return bad("truncated octal escape");
          uint32_t v = static_cast<uint32_t>(e - '0');
          for (size_t k = 0; k < 2; ++k) {
            char d = s[i + k];
            if (d < '0' || d > '7') return bad("invalid octal escape");
            v = v * 8 + static_cast<uint32_t>(d - '0');
          }
          if (v > 255) return bad("octal escape out of range");
          i += 2;
          out.push_back(static_cast<char>(v));
          break;
        }
        return bad(std::string("unknown escape sequence \\") + e);
    }
  }
  if (i >= s.size()) return bad("unterminated string");
  *consumed = i + 1;
  return out;
}

// ---------------------------------------------------------------- values

// Expands one whitespace-free item that is not a histogram.
Status expand_item(std::string_view tok, std::vector<SeqValue>* out) {
  if (tok == "_") {
    out->push_back(SeqValue::omitted());
    return Status::ok();
  }
  if (starts_with(tok, "_x")) {
    auto n = parse_uint(tok.substr(2));
    if (!n) return bad("bad repeat count in \"" + std::string(tok) + "\"");
    for (uint64_t k = 0; k < *n; ++k) out->push_back(SeqValue::omitted());
    return Status::ok();
  }
  double base = 0;
  size_t i = 0;
  if (starts_with(tok, "stale")) {
    base = model::stale_nan();
    i = 5;
  } else {
    i = scan_number(tok, &base);
    if (i == 0) return bad("bad series value \"" + std::string(tok) + "\"");
  }
  std::string_view rest = tok.substr(i);
  if (rest.empty()) {
    out->push_back(SeqValue::number(base));
    return Status::ok();
  }
  double delta = 0;
  bool has_delta = false;
  if (rest[0] == '+' || rest[0] == '-') {
    has_delta = true;
    // The increment is an unsigned number after the operator.
    if (rest.size() < 2 || rest[1] == '+' || rest[1] == '-') {
      return bad("bad increment in \"" + std::string(tok) + "\"");
    }
    size_t n = scan_number(rest.substr(1), &delta);
    if (n == 0) return bad("bad increment in \"" + std::string(tok) + "\"");
    if (rest[0] == '-') delta = -delta;
    rest = rest.substr(1 + n);
    if (rest.empty() || rest[0] != 'x') {
      return bad("expected xN after the increment in \"" + std::string(tok) + "\"");
    }
  }
  if (rest[0] != 'x') return bad("bad series value \"" + std::string(tok) + "\"");
  auto n = parse_uint(rest.substr(1));
  if (!n) return bad("bad repeat count in \"" + std::string(tok) + "\"");
  // N+1 values: the extra one is the value at the first step. Without an
  // increment the value is copied, not added to (so `stalex2` stays stale).
  double v = base;
  for (uint64_t k = 0; k <= *n; ++k) {
    out->push_back(SeqValue::number(v));
    if (has_delta) v += delta;
  }
  return Status::ok();
}

// Length of the `{{...}}` literal at the start of `s`, 0 if unterminated.
size_t histogram_literal_len(std::string_view s) {
  size_t end = s.find("}}", 2);
  return end == std::string_view::npos ? 0 : end + 2;
}

// ---------------------------------------------------------------- helpers

// The NHCB series load_with_nhcb builds from a classic histogram series:
// X_bucket{le=..., rest}, X_count{rest} and X_sum{rest} all feed X{rest}.
std::optional<Labels> nhcb_series_for(const Labels& classic) {
  std::string_view name = classic.metric_name();
  for (std::string_view suffix : {"_bucket", "_count", "_sum"}) {
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      model::LabelsBuilder b(classic);
      b.set(model::kMetricName, name.substr(0, name.size() - suffix.size()));
      b.del("le");
      return b.build();
    }
  }
  return std::nullopt;
}

// Reads a `{...}` matcher list (any of = != =~ !~; a lone quoted string is the
// metric name) starting at s[*i] == '{' and moves *i past the '}'. Returns
// false when the text is not such a list.
bool read_matchers(std::string_view s, size_t* i, model::Matchers* out) {
  size_t p = *i + 1;
  auto skip_ws = [&] {
    while (p < s.size() && is_space(s[p])) ++p;
  };
  while (true) {
    skip_ws();
    if (p >= s.size()) return false;
    if (s[p] == '}') {
      ++p;
      break;
    }
    std::string name;
    bool quoted = false;
    if (is_label_start(s[p])) {
      size_t start = p;
      while (p < s.size() && is_label_char(s[p])) ++p;
      name = std::string(s.substr(start, p - start));
    } else {
      size_t used = 0;
      auto str = scan_string(s.substr(p), &used);
      if (!str) return false;
      name = std::move(*str);
      quoted = true;
      p += used;
    }
    skip_ws();
    model::MatchType type;
    std::string_view rest = s.substr(p);
    if (starts_with(rest, "=~")) {
      type = model::MatchType::kRegex;
    } else if (starts_with(rest, "!~")) {
      type = model::MatchType::kNotRegex;
    } else if (starts_with(rest, "!=")) {
      type = model::MatchType::kNotEqual;
    } else if (starts_with(rest, "=")) {
      type = model::MatchType::kEqual;
    } else if (quoted) {
      auto m =
          model::Matcher::make(model::MatchType::kEqual, std::string(model::kMetricName), name);
      if (!m) return false;
      out->push_back(std::move(*m));
      skip_ws();
      if (p < s.size() && s[p] == ',') ++p;
      continue;
    } else {
      return false;
    }
    p += type == model::MatchType::kEqual ? 1 : 2;
    skip_ws();
    size_t used = 0;
    auto value = scan_string(s.substr(p), &used);
    if (!value) return false;
    p += used;
    auto m = model::Matcher::make(type, std::move(name), std::move(*value));
    if (!m) return false;
    out->push_back(std::move(*m));
    skip_ws();
    if (p < s.size() && s[p] == ',') ++p;
  }
  *i = p;
  return true;
}

bool matches_all(const Labels& l, const model::Matchers& ms) {
  for (const model::Matcher& m : ms) {
    if (!m.matches(l.get(m.name()))) return false;
  }
  return true;
}

// True when some vector selector of `expr` selects one of `hist` (the series
// loaded with native histograms). Without a PromQL parser this is a lexical
// scan: an identifier not followed by '(' and not a keyword is a metric name,
// optionally followed by `{...}`; a bare `{...}` is a selector too; label lists
// after by/without/on/ignoring/group_left/group_right are skipped.
bool selects_histograms(std::string_view expr, const std::vector<Labels>& hist) {
  if (hist.empty()) return false;
  auto any_match = [&](const model::Matchers& ms) {
    for (const Labels& l : hist) {
      if (matches_all(l, ms)) return true;
    }
    return false;
  };
  auto lower = [](std::string_view v) {
    std::string out(v);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  static const std::set<std::string> kListKeywords = {"by",       "without",    "on",
                                                      "ignoring", "group_left", "group_right"};
  static const std::set<std::string> kKeywords = {"bool", "offset", "and", "or", "unless", "atan2"};
  size_t i = 0;
  while (i < expr.size()) {
    char c = expr[i];
    if (c == '"' || c == '\'' || c == '`') {
      size_t used = 0;
      i += scan_string(expr.substr(i), &used).is_ok() ? used : 1;
      continue;
    }
    if (c == '{') {
      model::Matchers ms;
      size_t p = i;
      if (read_matchers(expr, &p, &ms)) {
        if (any_match(ms)) return true;
        i = p;
      } else {
        ++i;
      }
      continue;
    }
    if (!is_metric_start(c)) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < expr.size() && is_metric_char(expr[j])) ++j;
    // Letters glued to a digit or '.' belong to a number or duration (5m, 1e3).
    bool glued = i > 0 && (is_digit(expr[i - 1]) || expr[i - 1] == '.');
    std::string word = lower(expr.substr(i, j - i));
    size_t k = j;
    while (k < expr.size() && is_space(expr[k])) ++k;
    if (glued || kKeywords.count(word) ||
        (k < expr.size() && expr[k] == '(' && !kListKeywords.count(word))) {
      i = j;  // a number, a keyword, or a function/aggregation name
      continue;
    }
    if (kListKeywords.count(word)) {
      i = j;
      if (k < expr.size() && expr[k] == '(') {
        size_t close = expr.find(')', k);
        i = close == std::string_view::npos ? expr.size() : close + 1;
      }
      continue;
    }
    auto name = model::Matcher::make(model::MatchType::kEqual, std::string(model::kMetricName),
                                     std::string(expr.substr(i, j - i)));
    model::Matchers ms;
    if (name) ms.push_back(std::move(*name));
    if (k < expr.size() && expr[k] == '{') {
      size_t p = k;
      if (read_matchers(expr, &p, &ms)) j = p;
    }
    if (any_match(ms)) return true;
    i = j;
  }
  return false;
}

struct Parser {
  std::string name;
  std::vector<std::string> lines;   // trimmed; comments blanked
  std::vector<Labels> hist_series;  // series holding native histograms since the last clear

  Status error(size_t idx, const std::string& msg) const {
    return bad(name + ":" + std::to_string(idx + 1) + ": " + msg);
  }

  Result<LoadCmd> parse_load(size_t* idx);
  Result<EvalCmd> parse_eval(size_t* idx);
  Result<Script> run();
};

Result<LoadCmd> Parser::parse_load(size_t* idx) {
  size_t i = *idx;
  std::string_view rest;
  std::string_view kw = first_word(lines[i], &rest);
  LoadCmd cmd;
  cmd.line = static_cast<int>(i + 1);
  if (kw == "load_with_nhcb") {
    cmd.with_nhcb = true;
  } else if (kw != "load" || rest.empty()) {
    return error(i, "invalid load command. (load[_with_nhcb] <step:duration>)");
  }
  auto gap = model::parse_duration(rest);
  if (!gap)
    return error(
        i, "invalid step definition \"" + std::string(rest) + "\": " + gap.status().message());
  cmd.interval = *gap;
  std::map<Labels, size_t> index;
  while (i + 1 < lines.size() && !lines[i + 1].empty()) {
    ++i;
    auto desc = parse_series_desc(lines[i]);
    if (!desc) return error(i, desc.status().message());
    desc->line = static_cast<int>(i + 1);
    auto [it, inserted] = index.try_emplace(desc->labels, cmd.series.size());
    if (inserted) {
      cmd.series.push_back(std::move(*desc));
    } else {
      cmd.series[it->second] = std::move(*desc);
    }
  }
  for (const SeriesDesc& s : cmd.series) {
    if (s.has_histogram) hist_series.push_back(s.labels);
    if (cmd.with_nhcb) {
      if (auto nhcb = nhcb_series_for(s.labels)) hist_series.push_back(std::move(*nhcb));
    }
  }
  *idx = i;
  return cmd;
}

Result<EvalCmd> Parser::parse_eval(size_t* idx) {
  size_t i = *idx;
  const std::string& head = lines[i];
  EvalCmd cmd;
  cmd.line = static_cast<int>(i + 1);
  std::string_view rest;
  std::string_view kw = first_word(head, &rest);
  if (!starts_with(kw, "eval")) return error(i, "invalid command \"" + head + "\"");
  std::string_view mode = kw.substr(4);
  std::string_view kind = first_word(rest, &rest);
  const std::string usage =
      "invalid evaluation command. Must be either 'eval[_fail|_warn|_info|_ordered] instant "
      "[at <offset:duration>] <query>' or 'eval[_fail|_warn|_info] range from <from> to <to> "
      "step <step> <query>'";
  bool mode_ok = mode.empty() || mode == "_fail" || mode == "_warn" || mode == "_info" ||
                 (mode == "_ordered" && kind == "instant");
  if (!mode_ok || (kind != "instant" && kind != "range")) return error(i, usage);
  cmd.legacy_fail = mode == "_fail";
  cmd.legacy_warn = mode == "_warn";
  cmd.legacy_info = mode == "_info";
  cmd.legacy_ordered = mode == "_ordered";

  auto time_arg = [&](std::string_view word, std::string_view what) -> Result<model::Duration> {
    auto d = model::parse_duration(word);
    if (!d) {
      return error(i, "invalid " + std::string(what) + " definition \"" + std::string(word) +
                          "\": " + d.status().message());
    }
    return *d;
  };
  if (kind == "instant") {
    if (first_word(rest, &rest) != "at") return error(i, usage);
    std::string_view at = first_word(rest, &rest);
    if (at.empty() || rest.empty()) return error(i, usage);
    auto t = time_arg(at, "timestamp");
    if (!t) return t.status();
    cmd.start = cmd.end = *t;
  } else {
    cmd.is_range = true;
    std::string_view w[6];
    for (auto& x : w) x = first_word(rest, &rest);
    if (w[0] != "from" || w[2] != "to" || w[4] != "step" || rest.empty()) return error(i, usage);
    auto from = time_arg(w[1], "start timestamp");
    if (!from) return from.status();
    auto to = time_arg(w[3], "end timestamp");
    if (!to) return to.status();
    if (*to < *from) {
      return error(i, "invalid test definition, end timestamp (" + std::string(w[3]) +
                          ") is before start timestamp (" + std::string(w[1]) + ")");
    }
    auto step = time_arg(w[5], "step");
    if (!step) return step.status();
    cmd.start = *from;
    cmd.end = *to;
    cmd.step = *step;
  }
  cmd.expr = std::string(rest);

  std::map<Labels, size_t> index;
  int j = 1;
  for (; i + 1 < lines.size() && !lines[i + 1].empty(); ++j) {
    ++i;
    std::string_view line = lines[i];
    if (cmd.legacy_fail && starts_with(line, "expected_fail_message")) {
      cmd.expected_fail_message = std::string(trim(line.substr(21)));
      break;  // as in Prometheus, this line ends the block
    }
    if (cmd.legacy_fail && starts_with(line, "expected_fail_regexp")) {
      std::string re(trim(line.substr(20)));
      if (!RE2(re, RE2::Quiet).ok())
        return error(i, "invalid regexp '" + re + "' for expected_fail_regexp");
      cmd.expected_fail_regexp = std::move(re);
      break;
    }
    if (starts_with(line, "expect range vector")) {
      std::string_view r = trim(line.substr(19));
      std::string_view w[6];
      for (auto& x : w) x = first_word(r, &r);
      if (w[0] != "from" || w[2] != "to" || w[4] != "step" || !r.empty()) {
        return error(i, "invalid range vector definition \"" + std::string(line) + "\"");
      }
      auto from = time_arg(w[1], "start timestamp");
      if (!from) return from.status();
      auto to = time_arg(w[3], "end timestamp");
      if (!to) return to.status();
      auto step = time_arg(w[5], "step");
      if (!step) return step.status();
      cmd.expect_range_vector = true;
      cmd.start = *from;
      cmd.end = *to;
      cmd.step = *step;
      continue;
    }
    if (starts_with(line, "expect string")) {
      std::string_view lit = trim(line.substr(13));
      size_t used = 0;
      auto s = scan_string(lit, &used);
      if (lit.empty() || !s || used != lit.size()) {
        return error(
            i, "expected string literal not valid - check that the string is correctly quoted");
      }
      cmd.expected_string = std::move(*s);
      continue;
    }
    // As in Prometheus, the line is an expectation when its text up to the
    // first space is "expect" (so a metric named expect needs braces).
    std::string_view after;
    if (line.substr(0, line.find(' ')) == "expect") {
      first_word(line, &after);
      // expect <kind> [msg|regex:<text>]
      std::string_view opt;
      std::string_view k = first_word(after, &opt);
      Expectation e;
      e.line = static_cast<int>(i + 1);
      static const std::pair<std::string_view, ExpectKind> kKinds[] = {
          {"fail", ExpectKind::kFail},      {"warn", ExpectKind::kWarn},
          {"no_warn", ExpectKind::kNoWarn}, {"info", ExpectKind::kInfo},
          {"no_info", ExpectKind::kNoInfo}, {"ordered", ExpectKind::kOrdered}};
      bool known = false;
      for (const auto& [n, v] : kKinds) {
        if (k == n) {
          e.kind = v;
          known = true;
        }
      }
      if (!known) {
        return error(
            i,
            "invalid expect statement, must match `expect <type> <match_type>: <string>` format");
      }
      if (!opt.empty()) {
        std::string_view text;
        if (starts_with(opt, "msg:")) {
          e.match = Expectation::Match::kExact;
          text = opt.substr(4);
        } else if (starts_with(opt, "regex:")) {
          e.match = Expectation::Match::kRegex;
          text = opt.substr(6);
        } else {
          return error(
              i,
              "invalid expect statement, must match `expect <type> <match_type>: <string>` format");
        }
        if (text.empty()) {
          return error(
              i,
              "invalid expect statement, must match `expect <type> <match_type>: <string>` format");
        }
        e.text = std::string(trim(text));
        if (e.match == Expectation::Match::kRegex && !RE2(e.text, RE2::Quiet).ok()) {
          return error(i, "invalid regex " + e.text + " for " + std::string(k));
        }
      }
      cmd.expects.push_back(std::move(e));
      --j;  // expect lines do not count as result positions
      auto count = [&](ExpectKind kk) { return cmd.expects_of(kk).size(); };
      if (count(ExpectKind::kInfo) > 0 && count(ExpectKind::kNoInfo) > 0) {
        return error(i, "invalid expect lines, info and no_info cannot be used together");
      }
      if (count(ExpectKind::kWarn) > 0 && count(ExpectKind::kNoWarn) > 0) {
        return error(i, "invalid expect lines, warn and no_warn cannot be used together");
      }
      if (count(ExpectKind::kFail) > 1) {
        return error(i, "invalid expect lines, multiple expect fail lines are not allowed");
      }
      continue;
    }
    if (auto f = parse_script_number(line)) {
      cmd.expected_scalar = *f;
      cmd.expected.clear();
      break;  // a scalar result ends the block, as in Prometheus
    }
    if (line[0] == '"' || line[0] == '\'' || line[0] == '`') {
      size_t used = 0;
      auto s = scan_string(line, &used);
      if (s && used == line.size()) {
        cmd.expected_string = std::move(*s);
        continue;
      }
    }
    auto desc = parse_series_desc(line);
    if (!desc) return error(i, desc.status().message());
    desc->line = static_cast<int>(i + 1);
    if (desc->values.size() > 1 && !cmd.is_range && !cmd.expect_range_vector) {
      return error(i,
                   "expecting multiple values in instant evaluation not allowed. consider using "
                   "'expect range vector' directive to enable a range vector result for an "
                   "instant query");
    }
    if (desc->has_histogram) cmd.native_histograms = cmd.expects_histograms = true;
    auto [it, inserted] = index.try_emplace(desc->labels, cmd.expected.size());
    ExpectedSeries es{std::move(*desc), j};
    if (inserted) {
      cmd.expected.push_back(std::move(es));
    } else {
      cmd.expected[it->second] = std::move(es);  // a later line wins, as in Prometheus
    }
  }
  if (selects_histograms(cmd.expr, hist_series)) cmd.native_histograms = true;
  *idx = i;
  return cmd;
}

Result<Script> Parser::run() {
  Script script;
  script.name = name;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.empty()) continue;
    std::string word(first_word(l, nullptr));
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (word == "clear") {
      script.commands.emplace_back(ClearCmd{static_cast<int>(i + 1)});
      hist_series.clear();
    } else if (starts_with(word, "load")) {
      auto cmd = parse_load(&i);
      if (!cmd) return cmd.status();
      script.commands.emplace_back(std::move(*cmd));
    } else if (starts_with(word, "eval")) {
      auto cmd = parse_eval(&i);
      if (!cmd) return cmd.status();
      script.commands.emplace_back(std::move(*cmd));
    } else {
      return error(i, "invalid command \"" + l + "\"");
    }
  }
  return script;
}

}  // namespace

// ---------------------------------------------------------------- public API

bool LoadCmd::has_histogram() const {
  for (const SeriesDesc& s : series) {
    if (s.has_histogram) return true;
  }
  return false;
}

std::string_view expect_kind_name(ExpectKind k) {
  switch (k) {
    case ExpectKind::kFail:
      return "fail";
    case ExpectKind::kWarn:
      return "warn";
    case ExpectKind::kNoWarn:
      return "no_warn";
    case ExpectKind::kInfo:
      return "info";
    case ExpectKind::kNoInfo:
      return "no_info";
    case ExpectKind::kOrdered:
      return "ordered";
  }
  return "?";
}

bool Expectation::matches(std::string_view s) const {
  switch (match) {
    case Match::kAny:
      return true;
    case Match::kExact:
      return s == text;
    case Match::kRegex: {
      RE2 re(text, RE2::Quiet);
      return re.ok() && RE2::PartialMatch(s, re);
    }
  }
  return false;
}

bool EvalCmd::fail() const { return legacy_fail || !expects_of(ExpectKind::kFail).empty(); }
bool EvalCmd::ordered() const {
  return legacy_ordered || !expects_of(ExpectKind::kOrdered).empty();
}

std::vector<const Expectation*> EvalCmd::expects_of(ExpectKind k) const {
  std::vector<const Expectation*> out;
  for (const Expectation& e : expects) {
    if (e.kind == k) out.push_back(&e);
  }
  return out;
}

int command_line(const Command& c) {
  return std::visit([](const auto& cmd) { return cmd.line; }, c);
}

Result<Script> parse_promql_script(std::string_view text, std::string name) {
  Parser p;
  p.name = name.empty() ? "<script>" : std::move(name);
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = trim(text.substr(start, end - start));
    p.lines.emplace_back(starts_with(l, "#") ? std::string_view() : l);
    start = end + 1;
  }
  auto script = p.run();
  if (script) script->name = p.name;
  return script;
}

Result<Script> read_promql_script(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot open " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return io_error("cannot read " + path);
  std::string name = path.substr(path.find_last_of('/') + 1);
  return parse_promql_script(buf.str(), name);
}

Result<model::Duration> parse_script_duration(std::string_view s) {
  return model::parse_duration(trim(s));
}

Result<std::vector<SeqValue>> parse_seq_values(std::string_view s) {
  std::vector<SeqValue> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && is_space(s[i])) ++i;
    if (i >= s.size()) break;
    if (starts_with(s.substr(i), "{{")) {
      size_t start = i;
      size_t len = histogram_literal_len(s.substr(i));
      if (len == 0)
        return bad("unterminated native histogram \"" + std::string(s.substr(i)) + "\"");
      i += len;
      uint64_t copies = 1;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        size_t len2 =
            starts_with(s.substr(i + 1), "{{") ? histogram_literal_len(s.substr(i + 1)) : 0;
        if (len2 == 0)
          return bad("expected a native histogram after '" + std::string(1, s[i]) + "'");
        i += 1 + len2;
        if (i >= s.size() || s[i] != 'x') return bad("expected xN after a histogram increment");
      }
      if (i < s.size() && s[i] == 'x') {
        size_t nstart = ++i;
        while (i < s.size() && !is_space(s[i])) ++i;
        auto n = parse_uint(s.substr(nstart, i - nstart));
        if (!n) return bad("bad repeat count after native histogram");
        copies = *n + 1;
      } else if (i < s.size() && !is_space(s[i])) {
        return bad("unexpected text after native histogram");
      }
      std::string item(s.substr(start, i - start));
      for (uint64_t k = 0; k < copies; ++k) {
        SeqValue v;
        v.kind = SeqValue::Kind::kHistogram;
        v.histogram = item;
        out.push_back(std::move(v));
      }
      continue;
    }
    size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (Status st = expand_item(s.substr(start, i - start), &out); !st) return st;
  }
  return out;
}

Result<model::Labels> parse_series_selector(std::string_view s, size_t* consumed) {
  size_t i = 0;
  std::vector<std::pair<std::string, std::string>> pairs;
  std::optional<std::string> metric;
  while (i < s.size() && is_space(s[i])) ++i;
  if (i < s.size() && is_metric_start(s[i])) {
    size_t start = i;
    while (i < s.size() && is_metric_char(s[i])) ++i;
    metric = std::string(s.substr(start, i - start));
  }
  bool braces = i < s.size() && s[i] == '{' && !starts_with(s.substr(i), "{{");
  if (!metric && !braces) return bad("expected a series selector at \"" + std::string(s) + "\"");
  auto add = [&](std::string name, std::string value) -> Status {
    for (const auto& p : pairs) {
      if (p.first == name) return bad("duplicate label name \"" + name + "\"");
    }
    pairs.emplace_back(std::move(name), std::move(value));
    return Status::ok();
  };
  if (braces) {
    ++i;
    auto skip_ws = [&] {
      while (i < s.size() && is_space(s[i])) ++i;
    };
    while (true) {
      skip_ws();
      if (i >= s.size()) return bad("unterminated label set");
      if (s[i] == '}') {
        ++i;
        break;
      }
      std::string name;
      bool quoted = false;
      if (is_label_start(s[i])) {
        size_t start = i;
        while (i < s.size() && is_label_char(s[i])) ++i;
        name = std::string(s.substr(start, i - start));
      } else if (s[i] == '"' || s[i] == '\'' || s[i] == '`') {
        size_t used = 0;
        auto str = scan_string(s.substr(i), &used);
        if (!str) return str.status();
        name = std::move(*str);
        quoted = true;
        i += used;
      } else {
        return bad("unexpected character '" + std::string(1, s[i]) + "' in label set");
      }
      skip_ws();
      if (i < s.size() && s[i] == '=' && (i + 1 >= s.size() || s[i + 1] != '~')) {
        ++i;
        skip_ws();
        size_t used = 0;
        auto val = scan_string(s.substr(i), &used);
        if (!val) return bad("label \"" + name + "\": " + val.status().message());
        i += used;
        if (name.empty()) return bad("empty label name");
        if (Status st = add(std::move(name), std::move(*val)); !st) return st;
      } else if (quoted && (i >= s.size() || s[i] == ',' || s[i] == '}')) {
        // A lone quoted string is the metric name: {"my.metric", a="b"}.
        if (metric) return bad("metric name must not be set twice");
        metric = std::move(name);
      } else {
        return bad("only literal label=\"value\" matchers are allowed in a series description");
      }
      skip_ws();
      if (i < s.size() && s[i] == ',') {
        ++i;
      } else if (i < s.size() && s[i] != '}') {
        return bad("expected ',' or '}' in label set");
      }
    }
  }
  if (metric) {
    for (const auto& p : pairs) {
      if (p.first == model::kMetricName) return bad("metric name must not be set twice");
    }
    pairs.emplace_back(std::string(model::kMetricName), std::move(*metric));
  }
  *consumed = i;
  return Labels::from_pairs(std::move(pairs));
}

Result<SeriesDesc> parse_series_desc(std::string_view line) {
  size_t used = 0;
  auto labels = parse_series_selector(line, &used);
  if (!labels) return labels.status();
  std::string_view rest = line.substr(used);
  if (!rest.empty() && !is_space(rest[0]) && !starts_with(rest, "{{")) {
    return bad("expected whitespace after the series selector in \"" + std::string(line) + "\"");
  }
  auto values = parse_seq_values(rest);
  if (!values) return values.status();
  SeriesDesc d;
  d.labels = std::move(*labels);
  d.values = std::move(*values);
  for (const SeqValue& v : d.values) {
    if (v.kind == SeqValue::Kind::kHistogram) d.has_histogram = true;
  }
  return d;
}

std::optional<double> parse_script_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  // Integers first (Go's strconv.ParseInt with base 0): sign, then 0x/0o/0b or a
  // leading 0 for octal. (Go's digit-separating underscores are not accepted.)
  {
    std::string_view d = s;
    bool neg = false;
    if (d[0] == '+' || d[0] == '-') {
      neg = d[0] == '-';
      d.remove_prefix(1);
    }
    unsigned base = 10;
    if (d.size() >= 2 && d[0] == '0') {
      char p = d[1];
      if (p == 'x' || p == 'X') {
        base = 16;
        d.remove_prefix(2);
      } else if (p == 'o' || p == 'O') {
        base = 8;
        d.remove_prefix(2);
      } else if (p == 'b' || p == 'B') {
        base = 2;
        d.remove_prefix(2);
      } else {
        base = 8;
        d.remove_prefix(1);
      }
    }
    bool ok = !d.empty();
    unsigned __int128 n = 0;
    for (char c : d) {
      int v = hex_value(c);
      if (!ok || v < 0 || static_cast<unsigned>(v) >= base) {
        ok = false;
        break;
      }
      n = n * base + static_cast<unsigned>(v);
      if (n > (static_cast<unsigned __int128>(1) << 64)) ok = false;
    }
    auto limit =
        static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max()) + (neg ? 1 : 0);
    if (ok && n <= limit) return neg ? -static_cast<double>(n) : static_cast<double>(n);
  }
  // Then floats (Go's strconv.ParseFloat): decimal with exponent, Inf/Infinity, NaN.
  size_t i = 0;
  bool neg = false;
  if (s[i] == '+' || s[i] == '-') {
    neg = s[i] == '-';
    ++i;
  }
  std::string_view body = s.substr(i);
  if (iequals(body, "inf") || iequals(body, "infinity")) {
    return neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  if (iequals(body, "nan")) return std::numeric_limits<double>::quiet_NaN();
  if (body.empty() || !(is_digit(body[0]) || body[0] == '.')) return std::nullopt;
  double v = 0;
  size_t used = scan_number(body, &v);
  if (used == 0 || used != body.size()) return std::nullopt;
  return neg ? -v : v;
}

std::vector<LoadSample> expand_load(const LoadCmd& load, size_t* skipped_histograms) {
  std::vector<LoadSample> out;
  size_t skipped = 0;
  for (const SeriesDesc& s : load.series) {
    for (size_t k = 0; k < s.values.size(); ++k) {
      const SeqValue& v = s.values[k];
      model::Timestamp t = static_cast<model::Timestamp>(k) * load.interval;
      switch (v.kind) {
        case SeqValue::Kind::kOmitted:
          break;
        case SeqValue::Kind::kHistogram:
          ++skipped;
          break;
        case SeqValue::Kind::kFloat:
          out.push_back(LoadSample{s.labels, t, v.value});
          break;
      }
    }
  }
  if (skipped_histograms) *skipped_histograms = skipped;
  return out;
}

Status apply_load(const LoadCmd& load, tsdb::Appendable& storage, size_t* skipped_histograms) {
  auto app = storage.appender();
  for (const LoadSample& s : expand_load(load, skipped_histograms)) {
    auto r = app->append(0, s.labels, s.t, s.v);
    if (!r) {
      app->rollback();
      return Status(r.status().code(), "load at line " + std::to_string(load.line) + ": " +
                                           s.labels.to_string() + " @" + std::to_string(s.t) +
                                           ": " + r.status().message());
    }
  }
  return app->commit();
}

}  // namespace promlite::testutil
