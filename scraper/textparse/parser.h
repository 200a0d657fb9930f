// Pull parsers for the text exposition formats (Prometheus text 0.0.4 and
// OpenMetrics 1.0 text), shared interface.
//
// Usage (one parser per scrape body; cheap to construct):
//
//   auto p = textparse::new_parser(content_type, body);
//   model::LabelsBuilder scratch;
//   for (Entry e; (e = p->next()) != Entry::kEof;) {
//     if (e == Entry::kError) return p->error();        // names the line
//     if (e != Entry::kSeries) continue;                 // metadata: help()/type()/unit()
//     auto ref = cache.find(p->series());                // raw bytes: a stable cache key
//     if (!ref) ref = cache.add(p->series(), p->build_labels(scratch));
//     append(ref, p->timestamp().value_or(now), p->value());
//   }
//
// Lifetime: every std::string_view returned points into the scrape buffer given
// at construction (or, for unescaped text, into the parser or a caller's string)
// and is valid until the next call to next(); the buffer must outlive the parser.
// Nothing is allocated per line once the label vector has grown to the widest
// series, except when a caller asks for unescaped text or a model::Labels.
//
// Errors: the first malformed line ends the parse. next() then returns kError
// (and keeps returning it) and error() holds an kInvalidArgument Status whose
// message names the line number and what was expected, e.g.
//   line 7: expected equal, got "x" (INVALID) while parsing: "foo{a x"
//
// Thread-safety: a parser is used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels.h"
#include "model/status.h"

namespace promlite::textparse {

enum class Entry : uint8_t {
  kSeries,   // a sample line: series(), labels(), value(), timestamp(), exemplar()
  kType,     // # TYPE: meta_name(), type()
  kHelp,     // # HELP: meta_name(), help()
  kUnit,     // # UNIT (OpenMetrics only): meta_name(), unit()
  kComment,  // any other # line (Prometheus text only): comment()
  kEof,      // end of input (OpenMetrics: the "# EOF" line)
  kError,    // malformed input: error()
};

enum class MetricType : uint8_t {
  kUnknown,  // also Prometheus text's "untyped"
  kCounter,
  kGauge,
  kHistogram,
  kGaugeHistogram,
  kSummary,
  kInfo,
  kStateset,
};

// "counter", "gaugehistogram", ...; kUnknown is "unknown".
std::string_view metric_type_name(MetricType t);

// One label pair as written in the buffer, without the quotes. A name or value
// with `*_escaped` set still holds backslash escapes (\\ \" \n); use
// Parser::unescape() for its real text. Unescaped text is the common case and
// needs no copy.
struct LabelRef {
  std::string_view name;
  std::string_view value;
  bool name_escaped = false;
  bool value_escaped = false;
};

struct Exemplar {
  std::span<const LabelRef> labels;
  double value = 0;
  bool has_timestamp = false;
  int64_t timestamp_ms = 0;
};

enum class Format : uint8_t { kPrometheusText, kOpenMetrics };

class Parser {
 public:
  virtual ~Parser() = default;
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  virtual Format format() const = 0;

  // Advances to the next entry. After kEof or kError every call returns the same.
  Entry next();

  // The error after next() returned kError; ok otherwise.
  const Status& error() const { return error_; }
  // 1-based line number of the current entry.
  size_t line() const { return line_; }

  // --- kSeries ---
  // Raw text of the metric name and label block exactly as in the buffer, e.g.
  // `foo{a="1",b="2"}`: equal bytes mean an equal series within one format.
  std::string_view series() const { return series_; }
  // Metric name (without quotes). If metric_name_escaped(), it holds escapes.
  std::string_view metric_name() const { return name_; }
  bool metric_name_escaped() const { return name_escaped_; }
  // Label pairs in written order, excluding the metric name.
  std::span<const LabelRef> labels() const { return labels_; }
  double value() const { return value_; }
  // Sample timestamp in ms since the epoch, if the line has one. OpenMetrics
  // seconds are converted (truncated toward zero, as Prometheus does).
  std::optional<int64_t> timestamp() const {
    return has_ts_ ? std::optional<int64_t>(ts_) : std::nullopt;
  }
  // The exemplar of the current sample (OpenMetrics), or nullptr. An exemplar
  // never fails the parse: a malformed one is skipped (the sample is kept) and
  // counted in skipped_exemplars(), with its error in last_exemplar_error().
  const Exemplar* exemplar() const { return has_exemplar_ ? &exemplar_ : nullptr; }
  size_t skipped_exemplars() const { return skipped_exemplars_; }
  const std::string& last_exemplar_error() const { return soft_error_; }
  // Type of the metric family the current series belongs to: the last TYPE line
  // if the series name is that family's name or one of its type's suffixes
  // (_total/_created for counters, _bucket/_sum/_count/_created for histograms,
  // ...), otherwise kUnknown.
  MetricType series_type() const;

  // Lazy label parsing, for the scrape loop's steady state: with it on, next()
  // only finds where a series' label block ends (series() is exact), and the
  // block is parsed and checked by parse_labels(). A caller that has seen the
  // same raw bytes parse cleanly before (its scrape cache) skips that work.
  // labels() and build_labels() need parse_labels() first. Errors are the
  // same as an eager parse gives: a later error on the same line (value,
  // timestamp) first checks the skipped block, so its error comes first.
  void set_lazy_labels(bool lazy) { lazy_labels_ = lazy; }
  // Parses the current series' skipped label block, if any. Returns false
  // after an error (error() says which; next() then returns kError).
  bool parse_labels();

  // Builds the model::Labels of the current series (metric name as __name__,
  // escapes resolved). As Prometheus 3 does, the values of `le` (after a TYPE
  // histogram) and `quantile` (after a TYPE summary) are normalised to the
  // OpenMetrics float spelling ("1" -> "1.0"). `scratch` is reset and reused.
  model::Labels build_labels(model::LabelsBuilder& scratch) const;
  // Same for the exemplar's labels (empty if none).
  model::Labels build_exemplar_labels(model::LabelsBuilder& scratch) const;

  // --- kHelp / kType / kUnit ---
  // Metric family name of the metadata line (without quotes; may hold escapes).
  std::string_view meta_name() const { return name_; }
  // HELP text with escapes resolved; returns a view into *scratch only when the
  // text has escapes, else into the buffer.
  std::string_view help(std::string* scratch) const;
  // Raw (still escaped) HELP text.
  std::string_view raw_help() const { return text_; }
  MetricType type() const { return type_; }
  std::string_view unit() const { return text_; }
  // --- kComment: the whole line, '#' included, without the line feed.
  std::string_view comment() const { return text_; }

  // Resolves \\ \" \n escapes of a name or value (no-op view when !escaped).
  static std::string_view unescape(std::string_view text, bool escaped, std::string* scratch);

 protected:
  explicit Parser(std::string_view buf);

  // Parses one entry starting at pos_; sets the fields below. Returns kError
  // only through fail().
  virtual Entry parse_next() = 0;

  // Records the error (with the line number) and returns kError. While
  // soft_fail_ is set the parse goes on: the message only lands in soft_error_.
  Entry fail(std::string message);
  // "expected <what>, got <token> (<KIND>) while parsing: <line so far>", with
  // the token found at `at`.
  Entry fail_expected(std::string_view what, const char* at);
  // Parses a label block from just after its '{' into *out; returns the position
  // after the '}' or nullptr after fail(). `blanks`: spaces/tabs may surround
  // tokens (Prometheus text). `exemplar`: a bare quoted string (the UTF-8
  // metric-name form) is not allowed; otherwise it sets name_.
  const char* parse_label_block(const char* p, bool blanks, bool exemplar,
                                std::vector<LabelRef>* out);
  // Parses the metric name of a HELP/TYPE/UNIT line at q, bare or in Prometheus
  // 3's quoted UTF-8 form, into name_/name_escaped_. Returns the position after
  // it, or nullptr after fail().
  const char* parse_meta_name(const char* q, const char* end, std::string_view keyword);
  // Checks label names for duplicates (also against __name__). Returns false
  // after fail() on a duplicate.
  bool check_duplicate_labels();
  // Records the family of a TYPE line for series_type() and normalisation.
  void set_family(std::string_view name, MetricType type) {
    family_ = name;
    family_type_ = type;
  }
  // Skips the label block at p (just after '{') when lazy parsing is on and the
  // skip is safe; returns the position after '}', or nullptr to parse in full.
  const char* maybe_skip_label_block(const char* p);
  void begin_series() {
    pending_labels_ = nullptr;
    labels_.clear();
    name_ = {};
    name_escaped_ = false;
    has_ts_ = false;
    has_exemplar_ = false;
  }

  const char* const begin_;
  const char* const end_;
  const char* pos_;         // start of the next line
  const char* line_start_;  // start of the current line
  size_t line_ = 0;

  // Current entry.
  std::string_view series_;
  std::string_view name_;
  bool name_escaped_ = false;
  std::vector<LabelRef> labels_;
  double value_ = 0;
  bool has_ts_ = false;
  int64_t ts_ = 0;
  bool has_exemplar_ = false;
  Exemplar exemplar_;
  std::vector<LabelRef> exemplar_labels_;
  std::string_view text_;
  MetricType type_ = MetricType::kUnknown;
  bool help_quote_escape_ = false;  // OpenMetrics HELP also has \"

  bool lazy_labels_ = false;
  const char* pending_labels_ = nullptr;  // a skipped label block, just after '{'
  bool pending_blanks_ = false;           // its format's blank rule

  bool soft_fail_ = false;
  std::string soft_error_;
  size_t skipped_exemplars_ = 0;

  // Last TYPE line.
  std::string_view family_;
  MetricType family_type_ = MetricType::kUnknown;

 private:
  Entry state_ = Entry::kSeries;  // kEof/kError once finished
  Status error_;
  mutable std::string dup_a_, dup_b_;
};

// True if `series_name` is `family` or `family` plus a suffix its type allows.
bool series_in_family(std::string_view series_name, std::string_view family, MetricType type);

}  // namespace promlite::textparse
