// Label matchers (=, !=, =~, !~) with Prometheus semantics.
//
// Regexes are RE2, fully anchored, with `.` matching newlines (Prometheus 3).
// Common shapes skip the regex engine: a literal (`foo`), a literal alternation
// (`a|b|c`, the shape Grafana's multi-value variables produce), `.*`, `.+` and a
// literal prefix followed by `.*`. A matcher on an absent label sees "".
//
// Thread-safety: a built Matcher is immutable and safe to share across threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/status.h"

namespace re2 {
class RE2;
}

namespace promlite::model {

enum class MatchType { kEqual, kNotEqual, kRegex, kNotRegex };

// "=", "!=", "=~", "!~".
std::string_view match_type_string(MatchType t);

class Matcher {
 public:
  // Fails with kInvalidArgument when a regex does not compile.
  static Result<Matcher> make(MatchType type, std::string name, std::string value);

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

  bool matches(std::string_view v) const {
    bool r = matches_positive(v);
    return (type_ == MatchType::kNotEqual || type_ == MatchType::kNotRegex) ? !r : r;
  }

  // True when the matcher accepts the empty string, i.e. it also selects series
  // that lack the label entirely.
  bool matches_empty() const { return matches(""); }

  // For =~ with a finite set of literal alternatives (or =): those values, so that
  // storage can look up postings directly. Empty when the set is not finite.
  const std::vector<std::string>& set_values() const { return set_; }

  // name="value" / name=~"value" as PromQL prints it.
  std::string to_string() const;

 private:
  enum class Fast { kNone, kLiteral, kSet, kAny, kNonEmpty, kPrefix };
  bool matches_positive(std::string_view v) const;

  MatchType type_ = MatchType::kEqual;
  std::string name_;
  std::string value_;
  Fast fast_ = Fast::kLiteral;
  std::vector<std::string> set_;        // kSet (sorted) and kLiteral (one value)
  std::string prefix_;                  // kPrefix
  std::shared_ptr<const re2::RE2> re_;  // kNone
};

// Matchers of a selector, e.g. {__name__="up", job=~"a|b"}.
using Matchers = std::vector<Matcher>;

}  // namespace promlite::model
