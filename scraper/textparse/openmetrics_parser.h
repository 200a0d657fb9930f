// Parser for the OpenMetrics 1.0 text format, with Prometheus 3's quoted UTF-8
// names ({"my.metric", "lbl.x"="v"}).
//
// Rules enforced (see parser.h for the common contract):
//   - every line ends with '\n'; the last line is "# EOF" (its line feed is
//     optional) and nothing may follow it; blank lines are errors;
//   - tokens are separated by exactly one space; no blanks inside label blocks,
//     at line start or line end; no tabs;
//   - '#' lines are only "# HELP name text", "# TYPE name type" (counter, gauge,
//     histogram, gaugehistogram, summary, info, stateset, unknown),
//     "# UNIT name unit" (the unit must be a '_'-separated suffix of the name)
//     and "# EOF";
//   - sample: name[{labels}] value [timestamp] [# {labels} value [timestamp]],
//     timestamps are float seconds (returned as int64 ms, truncated), never
//     NaN or Inf; the exemplar is parsed and exposed through exemplar(), and a
//     malformed exemplar is skipped (counted), never an error;
//   - escapes \\ \" \n in label values, quoted names and HELP; others fail.
// Counters' _total and _created samples, histograms' _bucket/_sum/_count and
// summaries' quantile series are ordinary kSeries entries; series_type() links
// them to their family. With Options::skip_created_series the _created samples
// of counter/histogram/summary families are skipped instead.
#pragma once

#include <string_view>

#include "scraper/textparse/parser.h"

namespace promlite::textparse {

class OpenMetricsParser final : public Parser {
 public:
  struct Options {
    // Skip "<family>_created" samples of counters, histograms and summaries
    // (Prometheus does this when created-timestamp ingestion is on).
    bool skip_created_series = false;
  };

  explicit OpenMetricsParser(std::string_view buf) : OpenMetricsParser(buf, Options{}) {}
  OpenMetricsParser(std::string_view buf, Options options);
  Format format() const override { return Format::kOpenMetrics; }

 private:
  Entry parse_next() override;
  Entry parse_one();
  Entry parse_hash_line(const char* p);
  Entry parse_series(const char* p);
  // Parses "# {labels} value [timestamp]" from the '#'; returns the line feed
  // position or nullptr after fail().
  const char* parse_exemplar(const char* p);
  // parse_exemplar() that skips a malformed exemplar to the line feed instead
  // of failing; nullptr (after fail()) only if the input ends first.
  const char* parse_exemplar_or_skip(const char* p);
  bool is_skipped_created() const;

  Options options_;
};

}  // namespace promlite::textparse
