// Parser for the Prometheus text exposition format 0.0.4, with Prometheus 3's
// quoted UTF-8 names ({"my.metric", "lbl.x"="v"}).
//
// Rules enforced (see parser.h for the common contract):
//   - lines end with '\n' (the last one may not); blank lines are skipped;
//     spaces and tabs may appear between all tokens and at line start/end;
//   - "# HELP name text" and "# TYPE name type" are metadata (type one of
//     counter, gauge, histogram, summary, untyped); any other '#' line is a
//     comment;
//   - sample: name[{labels}] value [timestamp], value a float (NaN, +Inf,
//     -Inf, ...), timestamp an integer of ms (digits only);
//   - label values: escapes \\ \" \n only, no raw line feed, valid UTF-8;
//     label pairs are comma separated (a trailing comma is allowed);
//   - duplicate label names, including __name__ beside a metric name, fail.
// HELP escapes are \\ and \n; other backslashes are kept as written.
#pragma once

#include <string_view>

#include "scraper/textparse/parser.h"

namespace promlite::textparse {

class PromParser final : public Parser {
 public:
  explicit PromParser(std::string_view buf);
  Format format() const override { return Format::kPrometheusText; }

 private:
  Entry parse_next() override;
  Entry parse_hash_line(const char* p);
  Entry parse_series(const char* p);
  // Moves pos_ past the line feed at p (or to the end).
  void finish_line(const char* p) { pos_ = p < end_ ? p + 1 : end_; }
};

}  // namespace promlite::textparse
