#include "model/matcher.h"

#include <re2/re2.h>

#include <algorithm>

namespace promlite::model {
namespace {

// True when c has no special meaning in RE2 syntax outside a class.
bool is_plain(char c) {
  switch (c) {
    case '\\':
    case '.':
    case '+':
    case '*':
    case '?':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case '|':
    case '^':
    case '$':
      return false;
    default:
      return true;
  }
}

bool all_plain(std::string_view s) { return std::all_of(s.begin(), s.end(), is_plain); }

// Splits a|b|c at top-level bars when every branch is a plain literal.
bool literal_alternatives(std::string_view re, std::vector<std::string>* out) {
  out->clear();
  size_t start = 0;
  for (size_t i = 0; i <= re.size(); ++i) {
    if (i == re.size() || re[i] == '|') {
      std::string_view part = re.substr(start, i - start);
      if (!all_plain(part)) return false;
      out->emplace_back(part);
      start = i + 1;
    }
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
  return true;
}

}  // namespace

std::string_view match_type_string(MatchType t) {
  switch (t) {
    case MatchType::kEqual:
      return "=";
    case MatchType::kNotEqual:
      return "!=";
    case MatchType::kRegex:
      return "=~";
    case MatchType::kNotRegex:
      return "!~";
  }
  return "?";
}

Result<Matcher> Matcher::make(MatchType type, std::string name, std::string value) {
  Matcher m;
  m.type_ = type;
  m.name_ = std::move(name);
  m.value_ = std::move(value);
  if (type == MatchType::kEqual || type == MatchType::kNotEqual) {
    m.fast_ = Fast::kLiteral;
    m.set_.push_back(m.value_);
    return m;
  }
  // Always compile, so that an invalid regex is refused even when a fast path
  // would have served it.
  RE2::Options opts;
  opts.set_dot_nl(true);
  opts.set_log_errors(false);
  auto re = std::make_shared<RE2>("^(?:" + m.value_ + ")$", opts);
  if (!re->ok()) {
    return invalid_argument("error parsing regexp: " + re->error());
  }
  const std::string& v = m.value_;
  if (v == ".*") {
    m.fast_ = Fast::kAny;
  } else if (v == ".+") {
    m.fast_ = Fast::kNonEmpty;
  } else if (literal_alternatives(v, &m.set_)) {
    m.fast_ = m.set_.size() == 1 ? Fast::kLiteral : Fast::kSet;
  } else if (v.size() > 2 && v.ends_with(".*") &&
             all_plain(std::string_view(v).substr(0, v.size() - 2))) {
    m.fast_ = Fast::kPrefix;
    m.prefix_ = v.substr(0, v.size() - 2);
    m.set_.clear();
  } else {
    m.fast_ = Fast::kNone;
    m.set_.clear();
    m.re_ = std::move(re);
  }
  return m;
}

bool Matcher::matches_positive(std::string_view v) const {
  switch (fast_) {
    case Fast::kLiteral:
      return v == set_[0];
    case Fast::kSet:
      return std::binary_search(set_.begin(), set_.end(), v);
    case Fast::kAny:
      return true;
    case Fast::kNonEmpty:
      return !v.empty();
    case Fast::kPrefix:
      return v.starts_with(prefix_);
    case Fast::kNone:
      return RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re_);
  }
  return false;
}

std::string Matcher::to_string() const {
  std::string out = name_;
  out.append(match_type_string(type_));
  out.push_back('"');
  for (char c : value_) {
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case '"':
        out.append("\\\"");
        break;
      case '\n':
        out.append("\\n");
        break;
      default:
        out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace promlite::model
