// Reader for Prometheus's PromQL test-script language (promqltest), the
// language of ../shared/promql-conformance/*.test.
//
//   auto script = testutil::read_promql_script(path);
//   for (const testutil::Command& cmd : script->commands) std::visit(..., cmd);
//
// Parsing follows Prometheus's reader: every line is trimmed; a line starting
// with '#' counts as blank; a command's block of indented lines ends at the
// first blank (or comment) line. Commands: `load[_with_nhcb] <interval>`,
// `clear`, `eval[_fail|_warn|_info|_ordered] instant at <t> <expr>` and
// `eval[_fail|_warn|_info] range from <a> to <b> step <s> <expr>`, followed by
// `expect ...` lines, `expected_fail_message`/`expected_fail_regexp` (old form,
// ends the block), and the expected result: a bare number (a scalar, which also
// ends the block), a quoted string, or series lines `<selector> <values>`.
// Times and durations use Prometheus's duration syntax ("5m", "1h30m", "0").
//
// Value notation (promtool's expanding syntax), with N an unsigned integer:
//   1 -1 .5 1e3 Inf -Inf NaN   one float
//   stale                      the staleness marker (model::stale_nan())
//   _                          no sample at this step
//   _xN                        N missing samples
//   axN                        N+1 samples of value a
//   a+bxN / a-bxN              N+1 samples a, a+b, a+2b, ... (accumulated)
//   {{...}}  {{...}}xN  {{A}}+{{B}}xN  {{A}}-{{B}}xN
//                              native histograms: kept as text, not decoded;
//                              the series is flagged so runners can skip it.
//
// The PromQL parser is not used: series selectors are read by a small parser of
// the literal form (metric name, then `name="value"` pairs; quoted UTF-8 names
// allowed; only `=`), and query expressions are kept as text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/duration.h"
#include "model/labels.h"
#include "model/sample.h"
#include "model/status.h"
#include "tsdb/appender.h"

namespace promlite::testutil {

// One step of an expanded value sequence.
struct SeqValue {
  enum class Kind { kFloat, kOmitted, kHistogram };
  Kind kind = Kind::kFloat;
  double value = 0;       // kFloat (the staleness NaN for `stale`)
  std::string histogram;  // kHistogram: the source item it came from, e.g. "{{schema:0 sum:1}}x2"

  static SeqValue omitted() { return SeqValue{Kind::kOmitted, 0, {}}; }
  static SeqValue number(double v) { return SeqValue{Kind::kFloat, v, {}}; }
};

// `<selector> <values>`: a load line or an expected-result line.
struct SeriesDesc {
  model::Labels labels;
  std::vector<SeqValue> values;
  int line = 0;                // 1-based line in the script
  bool has_histogram = false;  // some value is a native histogram
};

struct LoadCmd {
  int line = 0;
  model::Duration interval = 0;  // ms between successive values
  bool with_nhcb = false;        // `load_with_nhcb`: classic histograms also as NHCB
  // In file order; a label set defined twice keeps its first position and its
  // last values (Prometheus keeps the last definition).
  std::vector<SeriesDesc> series;
  bool has_histogram() const;
};

struct ClearCmd {
  int line = 0;
};

enum class ExpectKind { kFail, kWarn, kNoWarn, kInfo, kNoInfo, kOrdered };
// "fail", "warn", "no_warn", "info", "no_info", "ordered".
std::string_view expect_kind_name(ExpectKind k);

// One `expect <kind> [msg|regex: <text>]` line.
struct Expectation {
  enum class Match { kAny, kExact, kRegex };
  ExpectKind kind = ExpectKind::kFail;
  Match match = Match::kAny;
  std::string text;  // message or regex, trimmed, taken verbatim (quotes included)
  int line = 0;
  // True when `s` satisfies this expectation (kAny matches everything; kRegex
  // is an unanchored search, like Go's MatchString). A bad regex matches nothing.
  bool matches(std::string_view s) const;
};

// One expected series of an eval; `pos` is Prometheus's 1-based position used
// by ordered checks (expect lines are not counted).
struct ExpectedSeries {
  SeriesDesc desc;
  int pos = 0;
};

struct EvalCmd {
  int line = 0;
  std::string expr;
  bool is_range = false;
  model::Timestamp start = 0;  // instant queries: the evaluation time
  model::Timestamp end = 0;    // instant queries: == start
  model::Duration step = 0;    // instant queries: 0

  // Old command suffixes: eval_fail, eval_warn, eval_info, eval_ordered.
  bool legacy_fail = false;
  bool legacy_warn = false;
  bool legacy_info = false;
  bool legacy_ordered = false;
  // Old `expected_fail_message <text>` / `expected_fail_regexp <re>` lines.
  std::optional<std::string> expected_fail_message;
  std::optional<std::string> expected_fail_regexp;

  std::vector<Expectation> expects;

  // `expect range vector from <a> to <b> step <s>`: an instant query whose result
  // is a range vector over that window (evaluated at <b>). Not used by the 3.5 files.
  bool expect_range_vector = false;

  // Expected result: at most one of these is set; none set and no series means
  // an empty result.
  std::optional<double> expected_scalar;
  std::optional<std::string> expected_string;  // bare "..." line or `expect string "..."`
  std::vector<ExpectedSeries> expected;

  // True when the expected result holds a native histogram, or a vector
  // selector of the query selects a series that a preceding load (since the
  // last clear) filled with native histograms, including the NHCB series of
  // load_with_nhcb. Selectors are found by a lexical scan, not the PromQL
  // parser, and time ranges are not considered: an over-approximation.
  bool native_histograms = false;
  // Narrower: the expected result itself holds a native histogram.
  bool expects_histograms = false;

  bool fail() const;     // legacy_fail or an `expect fail`
  bool ordered() const;  // legacy_ordered or an `expect ordered`
  // The `expect` lines of one kind.
  std::vector<const Expectation*> expects_of(ExpectKind k) const;
};

using Command = std::variant<LoadCmd, ClearCmd, EvalCmd>;

// Line number of any command.
int command_line(const Command& c);

struct Script {
  std::string name;  // file name, for messages
  std::vector<Command> commands;
};

// Parses a whole script. Errors are kInvalidArgument with "<name>:<line>: ...".
Result<Script> parse_promql_script(std::string_view text, std::string name = "");
// Reads and parses a file; kIOError when it cannot be read.
Result<Script> read_promql_script(const std::string& path);

// --- Building blocks, exposed for tests and for runners. ---

// Times and durations of the script language (Prometheus's duration syntax).
Result<model::Duration> parse_script_duration(std::string_view s);

// Parses a value sequence ("1+2x3 _ stale {{...}}").
Result<std::vector<SeqValue>> parse_seq_values(std::string_view s);

// Parses `<selector> <values>`.
Result<SeriesDesc> parse_series_desc(std::string_view line);

// Parses the literal selector at the start of `s` (`m`, `m{a="b",}`, `{__name__="m"}`,
// `{"utf8.name", "a.b"="c"}`) and sets *consumed to the bytes read.
Result<model::Labels> parse_series_selector(std::string_view s, size_t* consumed);

// Prometheus's parseNumber for bare expected scalars: an integer (decimal, 0x
// hex, 0o/leading-0 octal, 0b binary) or a float (incl. Inf, +Inf, NaN in any case,
// exponents). The whole string must be consumed.
std::optional<double> parse_script_number(std::string_view s);

// One float sample produced by a load command.
struct LoadSample {
  model::Labels labels;
  model::Timestamp t = 0;
  double v = 0;
};

// Expands a load into float samples exactly as Prometheus's test framework
// does: the i-th value of a series is at t = i * interval (the first at 0),
// `_` leaves a gap, `stale` is the staleness NaN. Native-histogram values are
// not floats: they are skipped and counted in *skipped_histograms (if given).
// NHCB conversion of load_with_nhcb is not done (NOT YET: native histograms).
// Samples come series by series in file order, each in increasing time.
std::vector<LoadSample> expand_load(const LoadCmd& load, size_t* skipped_histograms = nullptr);

// Appends expand_load(load) through one appender and commits it. Fails on the
// first rejected sample (after rolling back).
Status apply_load(const LoadCmd& load, tsdb::Appendable& storage,
                  size_t* skipped_histograms = nullptr);

}  // namespace promlite::testutil
