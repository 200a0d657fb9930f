#include "scraper/textparse/prom_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "model/sample.h"
#include "scraper/textparse/content_type.h"
#include "tests/textparse/dump.h"

namespace promlite::textparse {
namespace {

using testing::dump;

struct Case {
  const char* name;
  std::string input;
  std::string want;  // dump() output, or for errors a substring of the message
};

std::string parse(const std::string& in) {
  PromParser p(in);
  return dump(p);
}

class PromValid : public ::testing::TestWithParam<Case> {};

TEST_P(PromValid, Parses) { EXPECT_EQ(parse(GetParam().input), GetParam().want); }

INSTANTIATE_TEST_SUITE_P(
    Table, PromValid,
    ::testing::Values(
        Case{"empty", "", "EOF"}, Case{"only_blank_lines", "\n  \n\t\n", "EOF"},
        Case{"simple", "foo 1\n", "S foo 1\nEOF"},
        Case{"no_trailing_newline", "foo 1", "S foo 1\nEOF"},
        Case{"trailing_blanks_at_end", "foo 1\n   ", "S foo 1\nEOF"},
        Case{"labels_and_timestamp", "foo{a=\"1\",b=\"x y\"} 2.5 1520879607789\n",
             "S foo{a=\"1\", b=\"x y\"} 2.5 @1520879607789\nEOF"},
        Case{"labels_sorted_in_result", "m{z=\"1\",a=\"2\"} 0\n", "S m{a=\"2\", z=\"1\"} 0\nEOF"},
        Case{"blanks_everywhere", "  foo  {  a = \"1\" ,\tb=\"2\" , }  3 \t 17  \n",
             "S foo{a=\"1\", b=\"2\"} 3 @17\nEOF"},
        Case{"trailing_comma", "foo{a=\"1\",} 1\n", "S foo{a=\"1\"} 1\nEOF"},
        Case{"empty_label_block", "foo{} 1\n", "S foo 1\nEOF"},
        Case{"empty_label_value_is_absent", "foo{a=\"\",b=\"2\"} 1\n", "S foo{b=\"2\"} 1\nEOF"},
        Case{"value_right_after_brace", "foo{a=\"1\"}7\n", "S foo{a=\"1\"} 7\nEOF"},
        Case{"colon_in_name", "job:rate5m:sum 1\n", "S job:rate5m:sum 1\nEOF"},
        Case{"escapes",
             R"(foo{a="x\\y\"z\nw"} 1)"
             "\n",
             "S foo{a=\"x\\\\y\\\"z\\nw\"} 1\nEOF"},
        Case{"utf8_label_value", "foo{city=\"Zürich ✓\"} 1\n", "S foo{city=\"Zürich ✓\"} 1\nEOF"},
        Case{"special_values",
             "a NaN\nb +Inf\nc -Inf\nd Inf\ne nan\nf infinity\ng -1.5e-3\nh .5\ni 5.\nj +3\n"
             "k 1E6\nl -0\n",
             "S a NaN\nS b +Inf\nS c -Inf\nS d +Inf\nS e NaN\nS f +Inf\nS g -0.0015\nS h 0.5\n"
             "S i 5\nS j 3\nS k 1e+06\nS l -0\nEOF"},
        Case{"comments", "# just a comment\n#no space\n  # indented\n# HELP\n# TYPEfoo gauge\n",
             "COMMENT # just a comment\nCOMMENT #no space\nCOMMENT # indented\nCOMMENT # HELP\n"
             "COMMENT # TYPEfoo gauge\nEOF"},
        Case{"help_and_type", "# HELP foo The foo.\n# TYPE foo counter\nfoo 1\n",
             "HELP foo The foo.\nTYPE foo counter\nS foo 1\nEOF"},
        Case{"help_blanks_and_empty", "#\tHELP\tfoo\t two\n# HELP bar\n",
             "HELP foo  two\nHELP bar \nEOF"},
        Case{"help_escapes", "# HELP foo a\\\\b\\nc \\t \\\"\n", "HELP foo a\\b\nc \\t \\\"\nEOF"},
        Case{"all_types",
             "# TYPE a counter\n# TYPE b gauge\n# TYPE c histogram\n# TYPE d summary\n"
             "# TYPE e untyped\n",
             "TYPE a counter\nTYPE b gauge\nTYPE c histogram\nTYPE d summary\nTYPE e unknown\nEOF"},
        Case{"histogram_le_normalised",
             "# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"2.50\"} 4\n"
             "h_bucket{le=\"+Inf\"} 5\nh_sum 3.5\nh_count 5\n",
             "TYPE h histogram\nS h_bucket{le=\"1.0\"} 3\nS h_bucket{le=\"2.5\"} 4\n"
             "S h_bucket{le=\"+Inf\"} 5\nS h_sum 3.5\nS h_count 5\nEOF"},
        Case{"summary_quantile_normalised",
             "# TYPE s summary\ns{quantile=\"0\"} 1\ns{quantile=\"0.99\"} 2\ns_sum 3\ns_count 2\n",
             "TYPE s summary\nS s{quantile=\"0.0\"} 1\nS s{quantile=\"0.99\"} 2\nS s_sum 3\n"
             "S s_count 2\nEOF"},
        Case{"le_not_normalised_without_histogram_type", "x{le=\"1\"} 1\n", "S x{le=\"1\"} 1\nEOF"},
        Case{"utf8_quoted_names",
             "# TYPE \"my.metric\" gauge\n{\"my.metric\", \"lbl.x\"=\"v\", plain=\"x\"} 1\n"
             "{\"lbl\\\"q\"=\"1\", \"a.b\"} 2\nfoo{\"label with space\"=\"v\"} 3\n",
             "TYPE my.metric gauge\nS my.metric{lbl.x=\"v\", plain=\"x\"} 1\n"
             "S a.b{lbl\"q=\"1\"} 2\nS foo{label with space=\"v\"} 3\nEOF"},
        Case{"crlf_not_special_in_comment", "# c\r\nfoo 1\n", "COMMENT # c\r\nS foo 1\nEOF"},
        // Edge cases checked against Prometheus 3.5's promlex.l / promparse.go.
        Case{"pairs_without_comma", "foo{a=\"1\" b=\"2\"c=\"3\"} 1\n",
             "S foo{a=\"1\", b=\"2\", c=\"3\"} 1\nEOF"},
        Case{"raw_newline_in_label_value", "foo{a=\"x\ny\"} 1\nbar 2\n",
             "S foo{a=\"x\\ny\"} 1\nS bar 2\nEOF"},
        Case{"raw_newline_in_quoted_label_name", "foo{\"a\nb\"=\"1\"} 1\n",
             "S foo{a\nb=\"1\"} 1\nEOF"},
        Case{"timestamp_leading_zeros", "foo 1 0000000000000000000000017\n", "S foo 1 @17\nEOF"},
        Case{"timestamp_max", "foo 1 9223372036854775807\n", "S foo 1 @9223372036854775807\nEOF"},
        Case{"inf_nan_spellings", "a +inf\nb -INF\nc +Infinity\nd -infinity\ne NAN\nf nAn\ng INF\n",
             "S a +Inf\nS b -Inf\nS c +Inf\nS d -Inf\nS e NaN\nS f NaN\nS g +Inf\nEOF"},
        Case{"trailing_comma_with_blanks", "foo{a=\"1\" , } 1\n", "S foo{a=\"1\"} 1\nEOF"},
        Case{"empty_label_block_with_blanks", "foo{ } 1\n", "S foo 1\nEOF"},
        Case{"help_name_then_symbol", "# HELP foo-bar x\n", "HELP foo bar x\nEOF"},
        Case{"help_only_blanks_after_name", "# HELP foo   \n", "HELP foo \nEOF"}),
    [](const auto& tc) { return std::string(tc.param.name); });

class PromInvalid : public ::testing::TestWithParam<Case> {};

TEST_P(PromInvalid, FailsWithMessage) {
  PromParser p(GetParam().input);
  std::string got = dump(p);
  ASSERT_NE(got.find("ERROR "), std::string::npos) << got;
  EXPECT_NE(got.find(GetParam().want), std::string::npos) << got;
  EXPECT_EQ(p.next(), Entry::kError);  // sticky
  EXPECT_EQ(p.error().code(), StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(
    Table, PromInvalid,
    ::testing::Values(
        Case{"missing_value", "foo\n",
             "line 1: expected value after metric, got \"\\n\" (LINEBREAK)"},
        Case{"missing_value_eof", "foo{a=\"1\"}",
             "line 1: expected value after metric, got \"\" (EOF)"},
        Case{"bad_float", "foo bar\n",
             "line 1: strconv.ParseFloat: parsing \"bar\": invalid syntax while parsing: "
             "\"foo bar\""},
        Case{"hex_float", "foo 0x1p3\n", "unsupported character in float while parsing"},
        Case{"hex_float_without_exponent", "foo 0x10\n",
             "strconv.ParseFloat: parsing \"0x10\": invalid syntax"},
        Case{"underscore_float", "foo 1_000\n", "unsupported character in float"},
        Case{"float_overflow", "foo 1e999\n",
             "strconv.ParseFloat: parsing \"1e999\": value out of range"},
        Case{"signed_nan", "foo -NaN\n", "strconv.ParseFloat: parsing \"-NaN\": invalid syntax"},
        Case{"plus_nan", "foo +nan\n", "parsing \"+nan\": invalid syntax"},
        Case{"crlf_value", "foo 1\r\n", "parsing \"1\\r\": invalid syntax"},
        Case{"missing_equal", "foo{a 1} 1\n", "line 1: expected equal, got \"1\" (INVALID)"},
        Case{"value_after_pair_without_comma", "foo{a=\"1\" 1\n",
             "expected label name, got \"1\" (INVALID)"},
        Case{"unterminated_block", "foo{a=\"1\"", "expected label name, got \"\" (EOF)"},
        Case{"unterminated_block_newline", "foo{a=\"1\",\nbar 1\n",
             "expected label name, got \"\\n\" (LINEBREAK)"},
        Case{"unterminated_value", "foo{a=\"abc} 1\nbar 2\n", "unterminated quoted string"},
        Case{"unterminated_value_eof", "foo{a=\"abc", "unterminated quoted string"},
        Case{"invalid_utf8", "foo{a=\"\xff\xfe\"} 1\n", "invalid UTF-8"},
        Case{"invalid_label_name", "foo{1a=\"x\"} 1\n", "expected label name, got \"1a\""},
        Case{"label_name_with_dash", "foo{a-b=\"x\"} 1\n", "expected equal, got \"-b\""},
        Case{"unquoted_label_value", "foo{a=1} 1\n", "expected label value, got \"1\""},
        Case{"lone_comma", "foo{,} 1\n", "expected label name, got \",\" (COMMA)"},
        Case{"double_comma", "foo{a=\"1\",,} 1\n", "expected label name, got \",\" (COMMA)"},
        Case{"duplicate_label", "foo{a=\"1\",b=\"2\",a=\"3\"} 1\n", "duplicate label name \"a\""},
        Case{"duplicate_quoted_label", "foo{a=\"1\",\"a\"=\"3\"} 1\n",
             "duplicate label name \"a\""},
        Case{"name_label_beside_name", "foo{__name__=\"bar\"} 1\n",
             "duplicate label name \"__name__\""},
        Case{"metric_name_missing", "{a=\"1\"} 1\n", "metric name not set"},
        Case{"metric_name_twice", "foo{\"bar\"} 1\n", "metric name already set"},
        Case{"empty_quoted_label_name", "foo{\"\"=\"x\"} 1\n", "expected a non-empty label name"},
        Case{"quoted_name_outside_braces", "\"foo\" 1\n", "expected a valid start token"},
        Case{"garbage_start", "?foo 1\n", "expected a valid start token, got \"?foo\" (INVALID)"},
        Case{"two_label_blocks", "foo{a=\"1\"}{b=\"2\"} 1\n",
             "expected value after metric, got \"{\" (BOPEN)"},
        Case{"bad_timestamp", "foo 1 abc\n", "expected timestamp or new record, got \"abc\""},
        Case{"negative_timestamp", "foo 1 -5\n", "expected timestamp or new record, got \"-5\""},
        Case{"float_timestamp", "foo 1 1.5\n", "expected next entry after timestamp"},
        Case{"timestamp_suffix", "foo 1 123abc\n", "expected next entry after timestamp"},
        Case{"timestamp_overflow", "foo 1 99999999999999999999\n",
             "strconv.ParseInt: parsing \"99999999999999999999\": value out of range while "
             "parsing: \"foo 1 99999999999999999999\""},
        Case{"timestamp_exponent", "foo 1 1e3\n",
             "expected next entry after timestamp, got \"e3\""},
        Case{"extra_token", "foo 1 2 3\n", "expected next entry after timestamp, got \"3\""},
        Case{"exemplar_not_in_prom_text", "foo 1 # {a=\"b\"} 1\n",
             "expected timestamp or new record"},
        Case{"invalid_type", "# TYPE foo bar\n", "line 1: invalid metric type \"bar\""},
        Case{"openmetrics_type", "# TYPE foo gaugehistogram\n", "invalid metric type"},
        Case{"type_missing", "# TYPE foo\n", "invalid metric type \"\""},
        Case{"type_trailing_blank", "# TYPE foo counter \n", "invalid metric type \"counter \""},
        Case{"help_bad_name", "# HELP 1foo x\n", "expected metric name after HELP"},
        Case{"help_no_name", "# HELP \n", "expected metric name after HELP"},
        Case{"help_invalid_utf8", "# HELP foo \xc3\x28\n", "is not a valid utf8 string"},
        Case{"line_number", "a 1\n\n# c\nb{x=\"1\"} 2\nc{ 3\n", "line 5: expected label name"}),
    [](const auto& tc) { return std::string(tc.param.name); });

TEST(PromParser, SeriesAndLabelsAreViewsIntoTheBuffer) {
  std::string body = "# TYPE foo counter\nfoo{a=\"1\",b=\"x\\\"y\"} 7 100\n";
  PromParser p(body);
  ASSERT_EQ(p.next(), Entry::kType);
  ASSERT_EQ(p.next(), Entry::kSeries);
  EXPECT_EQ(p.series(), "foo{a=\"1\",b=\"x\\\"y\"}");
  EXPECT_EQ(p.series().data(), body.data() + 19);
  EXPECT_EQ(p.metric_name(), "foo");
  ASSERT_EQ(p.labels().size(), 2u);
  EXPECT_EQ(p.labels()[0].name, "a");
  EXPECT_EQ(p.labels()[0].value, "1");
  EXPECT_FALSE(p.labels()[0].value_escaped);
  EXPECT_EQ(p.labels()[1].value, "x\\\"y");  // raw
  EXPECT_TRUE(p.labels()[1].value_escaped);
  std::string scratch;
  EXPECT_EQ(Parser::unescape(p.labels()[1].value, true, &scratch), "x\"y");
  EXPECT_EQ(p.value(), 7);
  EXPECT_EQ(p.timestamp(), 100);
  EXPECT_EQ(p.series_type(), MetricType::kCounter);
  EXPECT_EQ(p.line(), 2u);
  EXPECT_EQ(p.exemplar(), nullptr);
  EXPECT_EQ(p.next(), Entry::kEof);
}

TEST(PromParser, SeriesTextIncludesBlanksButNotValue) {
  std::string body = "foo {a=\"1\"} 1\nbar 2\n";
  PromParser p(body);
  ASSERT_EQ(p.next(), Entry::kSeries);
  EXPECT_EQ(p.series(), "foo {a=\"1\"}");
  ASSERT_EQ(p.next(), Entry::kSeries);
  EXPECT_EQ(p.series(), "bar");
  EXPECT_FALSE(p.timestamp().has_value());
}

TEST(PromParser, NaNIsTheNormalNaNNotStale) {
  PromParser p("foo NaN\n");
  ASSERT_EQ(p.next(), Entry::kSeries);
  EXPECT_FALSE(model::is_stale_nan(p.value()));
  EXPECT_EQ(model::float_bits(p.value()), 0x7ff8000000000001ULL);
}

TEST(PromParser, SeriesTypeFollowsFamilySuffixes) {
  PromParser p(
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\nh_other 1\n"
      "# TYPE c counter\nc_total 1\nc 2\n");
  std::vector<MetricType> got;
  for (Entry e; (e = p.next()) != Entry::kEof;) {
    ASSERT_NE(e, Entry::kError) << p.error().message();
    if (e == Entry::kSeries) got.push_back(p.series_type());
  }
  EXPECT_EQ(got, (std::vector<MetricType>{MetricType::kHistogram, MetricType::kHistogram,
                                          MetricType::kHistogram, MetricType::kUnknown,
                                          MetricType::kCounter, MetricType::kCounter}));
}

TEST(PromParser, ErrorNamesLineAndContext) {
  // As Prometheus: the comma is optional, so INVALID reads as the next label name.
  PromParser p("ok 1\nfoo{a=\"1\" INVALID} 1\n");
  ASSERT_EQ(p.next(), Entry::kSeries);
  ASSERT_EQ(p.next(), Entry::kError);
  EXPECT_EQ(p.error().message(),
            "line 2: expected equal, got \"}\" (BCLOSE) while parsing: "
            "\"foo{a=\\\"1\\\" INVALID}\"");

  // Raw line feeds inside label values keep line numbers right.
  PromParser q("a{x=\"1\n2\n3\"} 1\nb 1\nc{ 1\n");
  ASSERT_EQ(q.next(), Entry::kSeries);
  ASSERT_EQ(q.next(), Entry::kSeries);
  ASSERT_EQ(q.next(), Entry::kError);
  EXPECT_EQ(q.error().message().substr(0, 7), "line 5:");
}

}  // namespace
}  // namespace promlite::textparse

namespace promlite::textparse {
namespace {

TEST(PromParser, Utf8NamesWithEscapesAndNulBytes) {
  using namespace std::string_literals;
  const std::string body =
      "{\"Heizölrückstoß 10€ with \\\"interesting\\\" {chars\\nchoices}\","
      "\"strange©™\\n'quoted' \\\"name\\\"\"=\"6\"} 10\n"
      "# HELP nul_help foo\0bar\n"
      "nul_value{a=\"abc\0\"} 1\n"s;  // std::string literal keeps the NUL bytes
  PromParser p(body);
  model::LabelsBuilder b;
  ASSERT_EQ(p.next(), Entry::kSeries) << p.error().message();
  EXPECT_TRUE(p.metric_name_escaped());
  model::Labels l = p.build_labels(b);
  EXPECT_EQ(l.metric_name(), "Heizölrückstoß 10€ with \"interesting\" {chars\nchoices}");
  EXPECT_EQ(l.get("strange©™\n'quoted' \"name\""), "6");
  ASSERT_EQ(p.next(), Entry::kHelp);
  std::string scratch;
  EXPECT_EQ(p.help(&scratch), std::string_view("foo\0bar", 7));
  ASSERT_EQ(p.next(), Entry::kSeries);
  EXPECT_EQ(p.build_labels(b).get("a"), std::string_view("abc\0", 4));
  EXPECT_EQ(p.next(), Entry::kEof);
}

}  // namespace
}  // namespace promlite::textparse

namespace promlite::textparse {
namespace {

// Prometheus's lexers accept any escaped character in a label value; only \\,
// \" and \n are unescaped, others stay as written.
TEST(PromParser, UnknownEscapesStayAsWritten) {
  for (const char* body : {"foo{a=\"x\\qy\"} 1\n", "foo{a=\"x\\qy\"} 1\n# EOF\n"}) {
    auto p = new_parser(std::string_view(body).find("# EOF") != std::string_view::npos
                            ? Format::kOpenMetrics
                            : Format::kPrometheusText,
                        body);
    ASSERT_EQ(p->next(), Entry::kSeries) << p->error().message();
    model::LabelsBuilder b;
    EXPECT_EQ(p->build_labels(b).get("a"), "x\\qy");
  }
}

}  // namespace
}  // namespace promlite::textparse
