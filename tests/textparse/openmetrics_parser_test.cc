#include "scraper/textparse/openmetrics_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/textparse/dump.h"

namespace promlite::textparse {
namespace {

using testing::dump;

struct Case {
  const char* name;
  std::string input;
  std::string want;  // dump() output, or for errors a substring of the message
};

std::string parse(const std::string& in, OpenMetricsParser::Options opts = {}) {
  OpenMetricsParser p(in, opts);
  return dump(p);
}

class OmValid : public ::testing::TestWithParam<Case> {};

TEST_P(OmValid, Parses) { EXPECT_EQ(parse(GetParam().input), GetParam().want); }

INSTANTIATE_TEST_SUITE_P(
    Table, OmValid,
    ::testing::Values(
        Case{"only_eof", "# EOF\n", "EOF"},
        Case{"eof_without_newline", "foo 1\n# EOF", "S foo 1\nEOF"},
        Case{"labels", "foo{a=\"1\",b=\"x y\"} 2.5\n# EOF\n", "S foo{a=\"1\", b=\"x y\"} 2.5\nEOF"},
        Case{"empty_labels_and_trailing_comma", "a{} 1\nb{x=\"1\",} 2\n# EOF\n",
             "S a 1\nS b{x=\"1\"} 2\nEOF"},
        Case{"float_timestamps",
             "a 1 1520879607.789\nb 2 1\nc 3 -1.5\nd 4 0.0001\ne 5 1e3\n# EOF\n",
             "S a 1 @1520879607789\nS b 2 @1000\nS c 3 @-1500\nS d 4 @0\nS e 5 @1000000\nEOF"},
        Case{"special_values", "a NaN\nb +Inf\nc -Inf\nd 1.5e-3\n# EOF\n",
             "S a NaN\nS b +Inf\nS c -Inf\nS d 0.0015\nEOF"},
        Case{"metadata",
             "# TYPE foo_seconds counter\n# UNIT foo_seconds seconds\n"
             "# HELP foo_seconds A \\\"quoted\\\" \\\\ help\\nline.\n"
             "foo_seconds_total 1\nfoo_seconds_created 1.7e9\n# EOF\n",
             "TYPE foo_seconds counter\nUNIT foo_seconds seconds\n"
             "HELP foo_seconds A \"quoted\" \\ help\nline.\nS foo_seconds_total 1\n"
             "S foo_seconds_created 1.7e+09\nEOF"},
        Case{"empty_help_and_unit", "# HELP foo \n# UNIT foo \n# EOF\n",
             "HELP foo \nUNIT foo \nEOF"},
        Case{"help_unknown_escape_kept", "# HELP foo a\\tb\n# EOF\n", "HELP foo a\\tb\nEOF"},
        Case{"timestamp_with_exponent", "foo 1 1.5e3\n# EOF\n", "S foo 1 @1500000\nEOF"},
        Case{"all_types",
             "# TYPE a counter\n# TYPE b gauge\n# TYPE c histogram\n# TYPE d gaugehistogram\n"
             "# TYPE e summary\n# TYPE f info\n# TYPE g stateset\n# TYPE h unknown\n# EOF\n",
             "TYPE a counter\nTYPE b gauge\nTYPE c histogram\nTYPE d gaugehistogram\n"
             "TYPE e summary\nTYPE f info\nTYPE g stateset\nTYPE h unknown\nEOF"},
        Case{"exemplars",
             "# TYPE h histogram\n"
             "h_bucket{le=\"0.5\"} 3 # {trace_id=\"abc\"} 0.3 1520879607.789\n"
             "h_bucket{le=\"1\"} 4 123 # {trace_id=\"d\\\"e\",span=\"1\"} 0.7\n"
             "h_bucket{le=\"+Inf\"} 5 # {} 2\n"
             "h_count 5\nh_sum 4.5\n# EOF\n",
             "TYPE h histogram\nS h_bucket{le=\"0.5\"} 3 # {trace_id=\"abc\"} 0.3 @1520879607789\n"
             "S h_bucket{le=\"1.0\"} 4 @123000 # {span=\"1\", trace_id=\"d\\\"e\"} 0.7\n"
             "S h_bucket{le=\"+Inf\"} 5 # {} 2\nS h_count 5\nS h_sum 4.5\nEOF"},
        Case{"escapes", "foo{a=\"x\\\\y\\\"z\\nw\"} 1\n# EOF\n",
             "S foo{a=\"x\\\\y\\\"z\\nw\"} 1\nEOF"},
        Case{
            "utf8_quoted_names",
            "# TYPE \"my.metric\" gauge\n# HELP \"my.metric\" dotted\n"
            "{\"my.metric\",\"lbl.x\"=\"v\",plain=\"x\"} 1\n# EOF\n",
            "TYPE my.metric gauge\nHELP my.metric dotted\nS my.metric{lbl.x=\"v\", plain=\"x\"} 1\n"
            "EOF"},
        Case{"summary",
             "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns{quantile=\"1\"} 2\n"
             "s_count 2\ns_sum 3\ns_created 1\n# EOF\n",
             "TYPE s summary\nS s{quantile=\"0.5\"} 1\nS s{quantile=\"1.0\"} 2\nS s_count 2\n"
             "S s_sum 3\nS s_created 1\nEOF"}),
    [](const auto& tc) { return std::string(tc.param.name); });

class OmInvalid : public ::testing::TestWithParam<Case> {};

TEST_P(OmInvalid, FailsWithMessage) {
  OpenMetricsParser p(GetParam().input);
  std::string got = dump(p);
  ASSERT_NE(got.find("ERROR "), std::string::npos) << got;
  EXPECT_NE(got.find(GetParam().want), std::string::npos) << got;
  EXPECT_EQ(p.next(), Entry::kError);
}

INSTANTIATE_TEST_SUITE_P(
    Table, OmInvalid,
    ::testing::Values(
        Case{"empty", "", "line 1: data does not end with # EOF"},
        Case{"missing_eof", "foo 1\n", "line 2: data does not end with # EOF"},
        Case{"unterminated_last_line", "foo 1", "line 1: data does not end with # EOF"},
        Case{"content_after_eof", "# EOF\nfoo 1\n", "unexpected data after # EOF"},
        Case{"blank_after_eof", "# EOF\n\n", "unexpected data after # EOF"},
        Case{"eof_suffix", "# EOFX\n", "unexpected data after # EOF"},
        Case{"blank_line", "foo 1\n\n# EOF\n",
             "line 2: expected a valid start token, got \"\\n\" (LINEBREAK)"},
        Case{"leading_space", " foo 1\n# EOF\n", "expected a valid start token"},
        Case{"double_space", "foo  1\n# EOF\n", "expected value after metric, got \" \""},
        Case{"tab_separator", "foo\t1\n# EOF\n", "expected value after metric, got \"\\t\""},
        Case{"trailing_space", "foo 1 \n# EOF\n", "expected timestamp or exemplar"},
        Case{"space_in_labels", "foo{a=\"1\", b=\"2\"} 1\n# EOF\n",
             "expected label name, got \" \" (WHITESPACE)"},
        Case{"space_before_equal", "foo{a =\"1\"} 1\n# EOF\n", "expected equal, got \" \""},
        Case{"missing_comma", "foo{a=\"1\"b=\"2\"} 1\n# EOF\n", "expected comma or brace close"},
        Case{"free_comment", "# a comment\n# EOF\n", "expected HELP, TYPE, UNIT or EOF"},
        Case{"hash_without_space", "#HELP foo x\n# EOF\n", "expected a space after #"},
        Case{"help_without_space", "# HELP foo\n# EOF\n", "expected a space after the metric name"},
        Case{"help_unterminated", "# HELP foo text", "data does not end with # EOF"},
        Case{"untyped_is_not_om", "# TYPE foo untyped\n# EOF\n", "invalid metric type \"untyped\""},
        Case{"unit_not_suffix", "# UNIT foo_bytes seconds\n# EOF\n",
             "unit \"seconds\" not a suffix of metric \"foo_bytes\""},
        Case{"unit_whole_name", "# UNIT seconds seconds\n# EOF\n", "not a suffix"},
        Case{"unit_bad_char", "# UNIT foo_x x-y\n# EOF\n", "invalid unit"},
        Case{"bad_value", "foo abc\n# EOF\n",
             "strconv.ParseFloat: parsing \"abc\": invalid syntax while parsing: \"foo abc\""},
        Case{"missing_value", "foo\n# EOF\n", "expected value after metric, got \"\\n\""},
        Case{"nan_timestamp", "foo 1 NaN\n# EOF\n", "invalid timestamp NaN"},
        Case{"inf_timestamp", "foo 1 +Inf\n# EOF\n", "invalid timestamp +Inf"},
        Case{"bad_timestamp", "foo 1 12x\n# EOF\n",
             "strconv.ParseFloat: parsing \"12x\": invalid syntax"},
        Case{"huge_timestamp", "foo 1 1e300\n# EOF\n", "invalid timestamp"},
        Case{"extra_token", "foo 1 2 3\n# EOF\n", "expected next entry after timestamp, got \" \""},
        Case{"exemplar_unterminated", "foo_total 1 # {a=\"b\"", "data does not end with # EOF"},
        Case{"exemplar_unterminated_value", "foo_total 1 # {a=\"b", "data does not end with # EOF"},
        Case{"duplicate_label", "foo{a=\"1\",a=\"1\"} 1\n# EOF\n", "duplicate label name \"a\""},
        Case{"newline_in_value", "foo{a=\"x\ny\"} 1\n# EOF\n", "unterminated quoted string"},
        Case{"pairs_without_comma_blank", "foo{a=\"1\" b=\"2\"} 1\n# EOF\n",
             "expected comma or brace close"},
        Case{"unterminated_labels", "foo{a=\"1\"\n# EOF\n", "expected comma or brace close"},
        Case{"invalid_label_name", "foo{0=\"1\"} 1\n# EOF\n", "expected label name"},
        Case{"metric_name_missing", "{a=\"1\"} 1\n# EOF\n", "metric name not set"},
        Case{"crlf", "foo 1\r\n# EOF\n", "parsing \"1\\r\": invalid syntax"},
        Case{"line_number", "# TYPE a gauge\na 1\nb 2\nc{ 3\n# EOF\n",
             "line 4: expected label name"}),
    [](const auto& tc) { return std::string(tc.param.name); });

TEST(OpenMetricsParser, MalformedExemplarsAreSkippedNotErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"bad_start", "foo_total 1 # x\n"},
      {"no_value", "foo_total 1 # {a=\"b\"}\n"},
      {"bad_value", "foo_total 1 # {a=\"b\"} x\n"},
      {"nan_timestamp", "foo_total 1 # {a=\"b\"} 1 NaN\n"},
      {"extra_token", "foo_total 1 # {a=\"b\"} 1 2 3\n"},
      {"metric_name_form", "foo_total 1 # {\"x\"} 1\n"},
      {"after_timestamp", "foo_total 1 5 # {a b} 1\n"},
  };
  for (const auto& [name, line] : cases) {
    std::string body = std::string(line) + "bar 2\n# EOF\n";
    OpenMetricsParser p(body);
    ASSERT_EQ(p.next(), Entry::kSeries) << name << ": " << p.error().message();
    EXPECT_EQ(p.metric_name(), "foo_total") << name;
    EXPECT_EQ(p.value(), 1) << name;
    EXPECT_EQ(p.exemplar(), nullptr) << name;
    EXPECT_EQ(p.skipped_exemplars(), 1u) << name;
    EXPECT_NE(p.last_exemplar_error().find("line 1: "), std::string::npos) << name;
    ASSERT_EQ(p.next(), Entry::kSeries) << name << ": " << p.error().message();
    EXPECT_EQ(p.metric_name(), "bar") << name;
    EXPECT_EQ(p.next(), Entry::kEof) << name;
  }
  OpenMetricsParser ts("foo_total 1 5 # {a b} 1\n# EOF\n");
  ASSERT_EQ(ts.next(), Entry::kSeries);
  EXPECT_EQ(ts.timestamp(), 5000);
}

TEST(OpenMetricsParser, SkipCreatedSeries) {
  std::string body =
      "# TYPE c counter\nc_total 1\nc_created 1.7e9\n# TYPE g gauge\ng_created 5\n"
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 1\nh_created 1.7e9\n# EOF\n";
  EXPECT_EQ(parse(body, {.skip_created_series = true}),
            "TYPE c counter\nS c_total 1\nTYPE g gauge\nS g_created 5\nTYPE h histogram\n"
            "S h_bucket{le=\"+Inf\"} 1\nS h_count 1\nS h_sum 1\nEOF");
  EXPECT_NE(parse(body).find("S c_created 1.7e+09"), std::string::npos);
}

TEST(OpenMetricsParser, ExemplarViewsAndSeriesType) {
  std::string body =
      "# TYPE rpc counter\nrpc_total{code=\"200\"} 17 # {trace_id=\"abc\"} 1 1.5\n# EOF\n";
  OpenMetricsParser p(body);
  ASSERT_EQ(p.next(), Entry::kType);
  ASSERT_EQ(p.next(), Entry::kSeries);
  EXPECT_EQ(p.series(), "rpc_total{code=\"200\"}");
  EXPECT_EQ(p.series_type(), MetricType::kCounter);
  const Exemplar* ex = p.exemplar();
  ASSERT_NE(ex, nullptr);
  ASSERT_EQ(ex->labels.size(), 1u);
  EXPECT_EQ(ex->labels[0].name, "trace_id");
  EXPECT_EQ(ex->labels[0].value, "abc");
  EXPECT_GE(ex->labels[0].value.data(), body.data());
  EXPECT_EQ(ex->value, 1);
  EXPECT_TRUE(ex->has_timestamp);
  EXPECT_EQ(ex->timestamp_ms, 1500);
  EXPECT_FALSE(p.timestamp().has_value());
  EXPECT_EQ(p.next(), Entry::kEof);
  EXPECT_EQ(p.exemplar(), nullptr);
}

TEST(OpenMetricsParser, ErrorMessageMatchesPrometheusShape) {
  OpenMetricsParser p("foo{a INVALID} 1\n# EOF\n");
  ASSERT_EQ(p.next(), Entry::kError);
  EXPECT_EQ(p.error().message(),
            "line 1: expected equal, got \" \" (WHITESPACE) while parsing: \"foo{a \"");
}

}  // namespace
}  // namespace promlite::textparse
