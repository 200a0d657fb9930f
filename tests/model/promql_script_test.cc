#include "tests/testutil/promql_script.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testutil/memory_storage.h"

namespace promlite::testutil {
namespace {

// Renders a value sequence compactly: floats with %g, "_" for a gap, "stale",
// "H" for a native histogram.
std::string render(const std::vector<SeqValue>& vs) {
  std::string out;
  for (const SeqValue& v : vs) {
    if (!out.empty()) out += ' ';
    switch (v.kind) {
      case SeqValue::Kind::kOmitted:
        out += '_';
        break;
      case SeqValue::Kind::kHistogram:
        out += 'H';
        break;
      case SeqValue::Kind::kFloat:
        if (model::is_stale_nan(v.value)) {
          out += "stale";
        } else {
          char buf[64];
          std::snprintf(buf, sizeof buf, "%g", v.value);
          out += buf;
        }
        break;
    }
  }
  return out;
}

struct ValueCase {
  std::string in;
  std::string want;  // rendered; "ERR" for a parse error
};

class ValueNotation : public ::testing::TestWithParam<ValueCase> {};

TEST_P(ValueNotation, Expands) {
  const ValueCase& c = GetParam();
  auto r = parse_seq_values(c.in);
  if (c.want == "ERR") {
    EXPECT_FALSE(r.is_ok()) << "\"" << c.in << "\" gave " << (r ? render(*r) : "");
    return;
  }
  ASSERT_TRUE(r.is_ok()) << "\"" << c.in << "\": " << r.status().to_string();
  EXPECT_EQ(render(*r), c.want) << "\"" << c.in << "\"";
}

INSTANTIATE_TEST_SUITE_P(
    All, ValueNotation,
    ::testing::Values(
        ValueCase{"", ""}, ValueCase{"1", "1"}, ValueCase{"1 2  3\t4", "1 2 3 4"},
        ValueCase{"1+2x3", "1 3 5 7"}, ValueCase{"1-1x2", "1 0 -1"}, ValueCase{"-2+1x2", "-2 -1 0"},
        ValueCase{"0x59", std::string("0") +
                              [] {
                                std::string s;
                                for (int i = 0; i < 59; ++i) s += " 0";
                                return s;
                              }()},
        ValueCase{"5x0", "5"}, ValueCase{"1+0x2", "1 1 1"}, ValueCase{"_", "_"},
        ValueCase{"_x3", "_ _ _"}, ValueCase{"_x0", ""}, ValueCase{"1 _ 3", "1 _ 3"},
        ValueCase{"stale", "stale"}, ValueCase{"1 stale 2", "1 stale 2"},
        ValueCase{"stalex1", "stale stale"}, ValueCase{"Inf -Inf +Inf inf", "inf -inf inf inf"},
        ValueCase{"NaN nan", "nan nan"}, ValueCase{"Infx2", "inf inf inf"},
        ValueCase{"1e3 1E+3 2.5e-1 -1e2", "1000 1000 0.25 -100"}, ValueCase{".5 2.", "0.5 2"},
        ValueCase{"1.5+0.5x2", "1.5 2 2.5"}, ValueCase{"0+1e3x1", "0 1000"},
        ValueCase{"{{schema:0 sum:5 count:4 buckets:[1 2 1]}}", "H"},
        ValueCase{"{{schema:0 sum:5 count:4 buckets:[1 2 1]}}x2", "H H H"},
        ValueCase{"{{count:1}}+{{count:2}}x3 1", "H H H H 1"},
        ValueCase{"{{count:1}}-{{count:2}}x1 _", "H H _"}, ValueCase{"1 {{}} 2", "1 H 2"},
        // Errors.
        ValueCase{"abc", "ERR"}, ValueCase{"1+2", "ERR"}, ValueCase{"1x", "ERR"},
        ValueCase{"1xa", "ERR"}, ValueCase{"_x", "ERR"}, ValueCase{"1+-1x2", "ERR"},
        ValueCase{"{{schema:0", "ERR"}, ValueCase{"{{count:1}}+x2", "ERR"},
        ValueCase{"{{count:1}}+{{count:2}}", "ERR"}, ValueCase{"1y", "ERR"},
        ValueCase{"--1", "ERR"}));

TEST(ValueNotation, AccumulatesLikePrometheus) {
  // a+bxN adds b repeatedly (floating error included), not a + k*b.
  auto r = parse_seq_values("0.1+0.1x9");
  ASSERT_TRUE(r.is_ok());
  double acc = 0.1;
  for (size_t k = 0; k < r->size(); ++k) {
    EXPECT_EQ((*r)[k].value, acc) << k;
    acc += 0.1;
  }
  auto stale = parse_seq_values("stale");
  ASSERT_TRUE(stale.is_ok());
  EXPECT_TRUE(model::is_stale_nan((*stale)[0].value));
  auto nan = parse_seq_values("NaN");
  ASSERT_TRUE(nan.is_ok());
  EXPECT_TRUE(std::isnan((*nan)[0].value));
  EXPECT_FALSE(model::is_stale_nan((*nan)[0].value));
}

struct SelectorCase {
  std::string in;
  std::string want;  // Labels::to_string(); "ERR" for an error
};

class SelectorParse : public ::testing::TestWithParam<SelectorCase> {};

TEST_P(SelectorParse, Literal) {
  const SelectorCase& c = GetParam();
  size_t used = 0;
  auto r = parse_series_selector(c.in, &used);
  if (c.want == "ERR") {
    EXPECT_FALSE(r.is_ok()) << c.in << " gave " << (r ? r->to_string() : "");
    return;
  }
  ASSERT_TRUE(r.is_ok()) << c.in << ": " << r.status().to_string();
  EXPECT_EQ(r->to_string(), c.want) << c.in;
}

INSTANTIATE_TEST_SUITE_P(
    All, SelectorParse,
    ::testing::Values(SelectorCase{"up", "up{}"}, SelectorCase{"job:up:rate5m", "job:up:rate5m{}"},
                      SelectorCase{"up{}", "up{}"}, SelectorCase{"up{job=\"a\"}", "up{job=\"a\"}"},
                      SelectorCase{"up{ job = \"a\" , b='x', }", "up{b=\"x\", job=\"a\"}"},
                      SelectorCase{"{__name__=\"m\", a=\"1\"}", "m{a=\"1\"}"},
                      SelectorCase{"{}", "{}"}, SelectorCase{"{a=\"1\"}", "{a=\"1\"}"},
                      SelectorCase{"{\"my.metric\", \"a.b\"=\"c\"}", "my.metric{a.b=\"c\"}"},
                      SelectorCase{"m{a=\"\"}", "m{}"},
                      SelectorCase{"m{a=`raw\\n`}", "m{a=\"raw\\\\n\"}"},
                      SelectorCase{"m{a=\"x\\\"y\\n\\u00e9\"}", "m{a=\"x\\\"y\\né\"}"},
                      SelectorCase{"m{a=\"1\",a=\"2\"}", "ERR"},
                      SelectorCase{"m{__name__=\"x\"}", "ERR"}, SelectorCase{"m{a!=\"1\"}", "ERR"},
                      SelectorCase{"m{a=~\"1\"}", "ERR"}, SelectorCase{"m{a=1}", "ERR"},
                      SelectorCase{"m{a=\"1\"", "ERR"}, SelectorCase{"m{a=\"1\" b=\"2\"}", "ERR"},
                      SelectorCase{"1", "ERR"}, SelectorCase{"{\"a\", \"b\"}", "ERR"}));

TEST(SeriesDesc, SelectorThenValues) {
  auto d = parse_series_desc("http_requests{job=\"api\", instance=\"0\"}\t0+10x2 _ stale");
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(d->labels.to_string(), "http_requests{instance=\"0\", job=\"api\"}");
  EXPECT_EQ(render(d->values), "0 10 20 _ stale");
  EXPECT_FALSE(d->has_histogram);
  auto h = parse_series_desc("h {{schema:0 count:1}}");
  ASSERT_TRUE(h.is_ok());
  EXPECT_TRUE(h->has_histogram);
  EXPECT_FALSE(parse_series_desc("m{a=\"b\"}x 1").is_ok());
}

struct NumberCase {
  std::string in;
  double want;  // NaN checked with isnan
  bool ok;
};

class ScriptNumber : public ::testing::TestWithParam<NumberCase> {};

TEST_P(ScriptNumber, ParsesLikeGo) {
  const NumberCase& c = GetParam();
  auto r = parse_script_number(c.in);
  ASSERT_EQ(r.has_value(), c.ok) << c.in;
  if (!c.ok) return;
  if (std::isnan(c.want)) {
    EXPECT_TRUE(std::isnan(*r)) << c.in;
  } else {
    EXPECT_EQ(*r, c.want) << c.in;
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, ScriptNumber,
    ::testing::Values(NumberCase{"2", 2, true}, NumberCase{"-7", -7, true},
                      NumberCase{"0", 0, true}, NumberCase{"12340000", 12340000, true},
                      NumberCase{"0x10", 16, true}, NumberCase{"010", 8, true},
                      NumberCase{"0b11", 3, true}, NumberCase{"0o17", 15, true},
                      NumberCase{"09", 9, true}, NumberCase{"0.00001234", 0.00001234, true},
                      NumberCase{"-0.0000002", -0.0000002, true}, NumberCase{"1e3", 1000, true},
                      NumberCase{"+Inf", INFINITY, true}, NumberCase{"-Inf", -INFINITY, true},
                      NumberCase{"inf", INFINITY, true}, NumberCase{"NaN", NAN, true},
                      NumberCase{"1.5", 1.5, true}, NumberCase{"", 0, false},
                      NumberCase{"{} 1", 0, false}, NumberCase{"1 2", 0, false},
                      NumberCase{"abc", 0, false}, NumberCase{"1x3", 0, false},
                      NumberCase{"0x", 0, false}));

TEST(ScriptDuration, PrometheusSyntax) {
  EXPECT_EQ(*parse_script_duration("0"), 0);
  EXPECT_EQ(*parse_script_duration("5m"), 5 * model::kMinute);
  EXPECT_EQ(*parse_script_duration("1h30m"), 90 * model::kMinute);
  EXPECT_EQ(*parse_script_duration("10s53ms"), 10053);
  EXPECT_EQ(*parse_script_duration("8000s"), 8000 * model::kSecond);
  EXPECT_FALSE(parse_script_duration("10").is_ok()) << "bare seconds are not durations";
  EXPECT_FALSE(parse_script_duration("-1m").is_ok());
}

const EvalCmd& eval_at(const Script& s, size_t i) { return std::get<EvalCmd>(s.commands.at(i)); }

TEST(Script, CommandsAndLines) {
  const char* text =
      "# comment\n"
      "load 5m\n"
      "  http_requests{job=\"api\"} 0+10x3\n"
      "\tdone 1 _ 3\n"
      "\n"
      "eval instant at 10m http_requests\n"
      "  http_requests{job=\"api\"} 20\n"
      "\n"
      "eval range from 0 to 10m step 5m sum(http_requests)\n"
      "  {} 0 10 20\n"
      "\n"
      "clear\n"
      "eval instant at 0 vector(1)\n";
  auto s = parse_promql_script(text, "t.test");
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  ASSERT_EQ(s->commands.size(), 5u);
  const auto& load = std::get<LoadCmd>(s->commands[0]);
  EXPECT_EQ(load.line, 2);
  EXPECT_EQ(load.interval, 5 * model::kMinute);
  ASSERT_EQ(load.series.size(), 2u);
  EXPECT_EQ(load.series[1].line, 4);
  EXPECT_EQ(render(load.series[0].values), "0 10 20 30");

  const EvalCmd& e1 = eval_at(*s, 1);
  EXPECT_EQ(e1.line, 6);
  EXPECT_FALSE(e1.is_range);
  EXPECT_EQ(e1.start, 10 * model::kMinute);
  EXPECT_EQ(e1.expr, "http_requests");
  ASSERT_EQ(e1.expected.size(), 1u);
  EXPECT_EQ(e1.expected[0].pos, 1);
  EXPECT_EQ(render(e1.expected[0].desc.values), "20");

  const EvalCmd& e2 = eval_at(*s, 2);
  EXPECT_TRUE(e2.is_range);
  EXPECT_EQ(e2.start, 0);
  EXPECT_EQ(e2.end, 10 * model::kMinute);
  EXPECT_EQ(e2.step, 5 * model::kMinute);
  EXPECT_EQ(e2.expr, "sum(http_requests)");
  EXPECT_EQ(e2.expected[0].desc.labels.to_string(), "{}");

  EXPECT_EQ(command_line(s->commands[3]), 12);
  EXPECT_TRUE(std::holds_alternative<ClearCmd>(s->commands[3]));
  const EvalCmd& e4 = eval_at(*s, 4);
  EXPECT_TRUE(e4.expected.empty());
  EXPECT_FALSE(e4.expected_scalar.has_value());
}

struct ExpectCase {
  std::string line;
  ExpectKind kind;
  Expectation::Match match;
  std::string text;
};

class ExpectForms : public ::testing::TestWithParam<ExpectCase> {};

TEST_P(ExpectForms, Parse) {
  const ExpectCase& c = GetParam();
  auto s = parse_promql_script("eval instant at 0 foo\n  " + c.line + "\n");
  ASSERT_TRUE(s.is_ok()) << c.line << ": " << s.status().to_string();
  const EvalCmd& e = eval_at(*s, 0);
  ASSERT_EQ(e.expects.size(), 1u) << c.line;
  EXPECT_EQ(e.expects[0].kind, c.kind) << c.line;
  EXPECT_EQ(e.expects[0].match, c.match) << c.line;
  EXPECT_EQ(e.expects[0].text, c.text) << c.line;
  EXPECT_EQ(e.expects[0].line, 2);
  EXPECT_TRUE(e.expected.empty());
}

using M = Expectation::Match;
INSTANTIATE_TEST_SUITE_P(
    All, ExpectForms,
    ::testing::Values(
        ExpectCase{"expect fail", ExpectKind::kFail, M::kAny, ""},
        ExpectCase{"expect fail msg: vector cannot contain metrics", ExpectKind::kFail, M::kExact,
                   "vector cannot contain metrics"},
        ExpectCase{"expect fail msg:\"quoted\"", ExpectKind::kFail, M::kExact, "\"quoted\""},
        ExpectCase{"expect fail regex: vector .*|other", ExpectKind::kFail, M::kRegex,
                   "vector .*|other"},
        ExpectCase{"expect warn", ExpectKind::kWarn, M::kAny, ""},
        ExpectCase{"expect warn msg: PromQL warning: x, got 1.1", ExpectKind::kWarn, M::kExact,
                   "PromQL warning: x, got 1.1"},
        ExpectCase{"expect info", ExpectKind::kInfo, M::kAny, ""},
        ExpectCase{"expect info msg: PromQL info: y", ExpectKind::kInfo, M::kExact,
                   "PromQL info: y"},
        ExpectCase{"expect info regex: ^PromQL", ExpectKind::kInfo, M::kRegex, "^PromQL"},
        ExpectCase{"expect no_warn", ExpectKind::kNoWarn, M::kAny, ""},
        ExpectCase{"expect no_info", ExpectKind::kNoInfo, M::kAny, ""},
        ExpectCase{"expect ordered", ExpectKind::kOrdered, M::kAny, ""}));

TEST(ExpectForms, Matching) {
  Expectation any;
  EXPECT_TRUE(any.matches("whatever"));
  Expectation exact{ExpectKind::kWarn, M::kExact, "a b", 1};
  EXPECT_TRUE(exact.matches("a b"));
  EXPECT_FALSE(exact.matches("a b c"));
  Expectation re{ExpectKind::kWarn, M::kRegex, "b+ c", 1};
  EXPECT_TRUE(re.matches("a bb c d")) << "unanchored, like Go's MatchString";
  EXPECT_FALSE(re.matches("a c"));
}

struct BadScriptCase {
  std::string text;
  int line;             // line the error must name
  std::string message;  // substring of the error
};

class BadScripts : public ::testing::TestWithParam<BadScriptCase> {};

TEST_P(BadScripts, Rejected) {
  const BadScriptCase& c = GetParam();
  auto s = parse_promql_script(c.text, "bad.test");
  ASSERT_FALSE(s.is_ok()) << c.text;
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  const std::string msg = s.status().message();
  EXPECT_NE(msg.find("bad.test:" + std::to_string(c.line) + ": "), std::string::npos) << msg;
  EXPECT_NE(msg.find(c.message), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    All, BadScripts,
    ::testing::Values(
        BadScriptCase{"\nfoo bar\n", 2, "invalid command"},
        BadScriptCase{"load\n", 1, "invalid load command"},
        BadScriptCase{"load 5x\n", 1, "invalid step definition"},
        BadScriptCase{"load 5m\n  m 1 2\n  m{a=\"b\" 1\n", 3, "label"},
        BadScriptCase{"eval instant at 1x foo\n", 1, "invalid timestamp definition"},
        BadScriptCase{"eval instant 1m foo\n", 1, "invalid evaluation command"},
        BadScriptCase{"eval instant at 1m\n", 1, "invalid evaluation command"},
        BadScriptCase{"eval_ordered range from 0 to 1m step 1m foo\n", 1,
                      "invalid evaluation command"},
        BadScriptCase{"eval_bogus instant at 0 foo\n", 1, "invalid evaluation command"},
        BadScriptCase{"eval range from 5m to 1m step 1m foo\n", 1, "before start timestamp"},
        BadScriptCase{"eval range from 0 to 1m foo\n", 1, "invalid evaluation command"},
        BadScriptCase{"eval instant at 0 foo\n  expect boom\n", 2, "invalid expect statement"},
        BadScriptCase{"eval instant at 0 foo\n  expect\n", 2, "invalid expect statement"},
        BadScriptCase{"eval instant at 0 foo\n  expect warn text\n", 2, "invalid expect statement"},
        BadScriptCase{"eval instant at 0 foo\n  expect info regex: (\n", 2, "invalid regex"},
        BadScriptCase{"eval instant at 0 foo\n  expect info\n  expect no_info\n", 3,
                      "info and no_info cannot be used together"},
        BadScriptCase{"eval instant at 0 foo\n  expect warn\n  expect no_warn\n", 3,
                      "warn and no_warn"},
        BadScriptCase{"eval instant at 0 foo\n  expect fail\n  expect fail msg: x\n", 3,
                      "multiple expect fail"},
        BadScriptCase{"eval instant at 0 foo\n  foo 1 2\n", 2,
                      "expecting multiple values in instant evaluation"},
        BadScriptCase{"eval instant at 0 foo\n  expected_fail_message boom\n", 2, "series"},
        BadScriptCase{"eval instant at 0 foo\n  {} 1\n  m{a=\"b\"} oops\n", 3,
                      "bad series value"}));

TEST(Script, LegacyFormsAndOldFailMessages) {
  const char* text =
      "eval_fail instant at 0 count_values(\"a\\xc5z\", version)\n"
      "  expected_fail_message invalid label name \"a\\xc5z\"\n"
      "\n"
      "eval_fail instant at 0 foo\n"
      "  expected_fail_regexp vector .* same\n"
      "\n"
      "eval_warn instant at 1m foo\n"
      "\n"
      "eval_info range from 0 to 1m step 30s foo\n"
      "\n"
      "eval_ordered instant at 1m sort(foo)\n"
      "  foo{a=\"2\"} 1\n"
      "  foo{a=\"1\"} 2\n";
  auto s = parse_promql_script(text);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  ASSERT_EQ(s->commands.size(), 5u);
  const EvalCmd& f = eval_at(*s, 0);
  EXPECT_TRUE(f.legacy_fail);
  EXPECT_TRUE(f.fail());
  EXPECT_EQ(f.expr, "count_values(\"a\\xc5z\", version)");
  EXPECT_EQ(f.expected_fail_message, "invalid label name \"a\\xc5z\"");
  EXPECT_EQ(eval_at(*s, 1).expected_fail_regexp, "vector .* same");
  EXPECT_TRUE(eval_at(*s, 2).legacy_warn);
  EXPECT_FALSE(eval_at(*s, 2).fail());
  EXPECT_TRUE(eval_at(*s, 3).legacy_info);
  EXPECT_TRUE(eval_at(*s, 3).is_range);
  const EvalCmd& o = eval_at(*s, 4);
  EXPECT_TRUE(o.legacy_ordered);
  EXPECT_TRUE(o.ordered());
  ASSERT_EQ(o.expected.size(), 2u);
  EXPECT_EQ(o.expected[0].desc.labels.to_string(), "foo{a=\"2\"}");
  EXPECT_EQ(o.expected[1].pos, 2);
}

TEST(Script, ExpectedResultShapes) {
  const char* text =
      "eval instant at 0 1+1\n"
      "  2\n"
      "\n"
      "eval instant at 0 foo\n"
      "  expect ordered\n"
      "  expect warn msg: w\n"
      "  foo{a=\"1\"} 1\n"
      "  foo{a=\"2\"} 2\n"
      "  foo{a=\"1\"} 3\n"
      "\n"
      "eval instant at 0 \"str\"\n"
      "  \"str\"\n"
      "\n"
      "eval instant at 0 foo\n"
      "  expect string \"a\\tb\"\n"
      "\n"
      "eval instant at 0 foo\n"
      "  expect range vector from 0 to 1m step 30s\n"
      "  foo 1 2 3\n"
      "\n"
      "eval instant at 0 histogram_quantile(0.5, foo)\n"
      "  expect no_info\n"
      "  expect warn msg: mix\n"
      "  # Should return no results.\n"
      "\n"
      "eval range from 0 to 2m step 1m foo\n"
      "  foo{a=\"1\"} _ 1 stale\n"
      "  {} 1+1x2\n";
  auto s = parse_promql_script(text);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  ASSERT_EQ(s->commands.size(), 7u);
  EXPECT_EQ(eval_at(*s, 0).expected_scalar, 2.0);

  const EvalCmd& v = eval_at(*s, 1);
  EXPECT_TRUE(v.ordered());
  ASSERT_EQ(v.expected.size(), 2u) << "a repeated label set replaces the earlier line";
  EXPECT_EQ(render(v.expected[0].desc.values), "3");
  EXPECT_EQ(v.expected[0].pos, 3) << "positions skip expect lines";
  EXPECT_EQ(v.expected[1].pos, 2);
  ASSERT_EQ(v.expects_of(ExpectKind::kWarn).size(), 1u);
  EXPECT_EQ(v.expects_of(ExpectKind::kWarn)[0]->text, "w");

  EXPECT_EQ(eval_at(*s, 2).expected_string, "str");
  EXPECT_EQ(eval_at(*s, 3).expected_string, "a\tb");

  const EvalCmd& rv = eval_at(*s, 4);
  EXPECT_TRUE(rv.expect_range_vector);
  EXPECT_EQ(rv.end, model::kMinute);
  EXPECT_EQ(rv.step, 30 * model::kSecond);
  EXPECT_EQ(render(rv.expected[0].desc.values), "1 2 3");

  const EvalCmd& empty = eval_at(*s, 5);
  EXPECT_TRUE(empty.expected.empty());
  EXPECT_EQ(empty.expects.size(), 2u);

  const EvalCmd& r = eval_at(*s, 6);
  EXPECT_EQ(render(r.expected[0].desc.values), "_ 1 stale");
  EXPECT_EQ(render(r.expected[1].desc.values), "1 2 3");
}

TEST(Script, ScalarEndsTheBlock) {
  // After a scalar the block is over, so a following indented line is read as
  // a command (and fails), exactly as in Prometheus.
  auto s = parse_promql_script("eval instant at 0 1\n  1\n  2\n");
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.status().message().find(":3: invalid command"), std::string::npos)
      << s.status().message();
}

TEST(Script, NativeHistogramMarking) {
  const char* text =
      "load 5m\n"
      "  hist {{schema:0 count:1}}x3\n"
      "  plain 1 2 3\n"
      "\n"
      "eval instant at 5m plain\n"
      "  plain 2\n"
      "\n"
      "eval instant at 5m histogram_count(hist)\n"
      "  {} 1\n"
      "\n"
      "eval instant at 5m plain\n"
      "  {} {{schema:0 count:1}}\n"
      "\n"
      "eval instant at 5m histogram_count(hist_other)\n"
      "\n"
      "clear\n"
      "load_with_nhcb 5m\n"
      "  req_bucket{le=\"1\"} 1\n"
      "  req_bucket{le=\"+Inf\"} 2\n"
      "\n"
      "eval instant at 0 histogram_quantile(0.5, req_bucket)\n"
      "\n"
      "eval instant at 0 histogram_quantile(0.5, req)\n"
      "\n"
      "eval instant at 0 hist\n";
  auto s = parse_promql_script(text);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  const auto& load = std::get<LoadCmd>(s->commands[0]);
  EXPECT_TRUE(load.has_histogram());
  EXPECT_TRUE(load.series[0].has_histogram);
  EXPECT_EQ(load.series[0].values.size(), 4u);
  EXPECT_FALSE(eval_at(*s, 1).native_histograms);
  EXPECT_TRUE(eval_at(*s, 2).native_histograms);
  EXPECT_TRUE(eval_at(*s, 3).native_histograms) << "histogram in the expected result";
  EXPECT_FALSE(eval_at(*s, 4).native_histograms);
  const auto& nhcb = std::get<LoadCmd>(s->commands[6]);
  EXPECT_TRUE(nhcb.with_nhcb);
  EXPECT_FALSE(nhcb.has_histogram());
  EXPECT_FALSE(eval_at(*s, 7).native_histograms) << "the classic series stay floats";
  EXPECT_TRUE(eval_at(*s, 8).native_histograms) << "the NHCB series is a histogram";
  EXPECT_FALSE(eval_at(*s, 9).native_histograms) << "clear forgets earlier histograms";
}

struct SelectsCase {
  std::string expr;
  bool want;
};

class HistogramSelectors : public ::testing::TestWithParam<SelectsCase> {};

TEST_P(HistogramSelectors, Marking) {
  const SelectsCase& c = GetParam();
  auto s = parse_promql_script(
      "load 1m\n"
      "  mixed{kind=\"float\"} 1 2\n"
      "  mixed{kind=\"h\"} {{count:1}}\n"
      "  plain 1\n"
      "\n"
      "eval instant at 1m " +
      c.expr + "\n");
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  EXPECT_EQ(eval_at(*s, 1).native_histograms, c.want) << c.expr;
  EXPECT_FALSE(eval_at(*s, 1).expects_histograms);
}

INSTANTIATE_TEST_SUITE_P(
    All, HistogramSelectors,
    ::testing::Values(
        SelectsCase{"mixed", true}, SelectsCase{"plain", false},
        SelectsCase{"mixed{kind=\"float\"}", false}, SelectsCase{"mixed{kind!=\"float\"}", true},
        SelectsCase{"mixed {kind=~\"f.*\"}", false}, SelectsCase{"rate(mixed[5m])", true},
        SelectsCase{"{__name__=~\"mix.*\", kind=\"h\"}", true},
        SelectsCase{"{\"mixed\", kind=\"float\"}", false}, SelectsCase{"{\"mixed\"}", true},
        SelectsCase{"sum by (mixed) (plain)", false},
        SelectsCase{"plain + on(mixed) group_left(mixed) plain", false},
        SelectsCase{"label_replace(plain, \"x\", \"mixed\", \"\", \"\")", false},
        SelectsCase{"plain offset 5m and mixed{kind=\"h\"}", true},
        SelectsCase{"mixed(plain)", false},
        SelectsCase{"plain{a=\"b\"} or mixed{kind=\"float\", x=\"\"}", false}));

TEST(Script, LoadKeepsLastDefinitionOfASeries) {
  auto s = parse_promql_script("load 1m\n  a 1 2\n  b 5\n  a 7\n");
  ASSERT_TRUE(s.is_ok());
  const auto& load = std::get<LoadCmd>(s->commands[0]);
  ASSERT_EQ(load.series.size(), 2u);
  EXPECT_EQ(load.series[0].labels.to_string(), "a{}");
  EXPECT_EQ(render(load.series[0].values), "7");
  EXPECT_EQ(load.series[0].line, 4);
}

TEST(ExpandLoad, TimestampsGapsAndStale) {
  auto s = parse_promql_script(
      "load 5m\n"
      "  a{x=\"1\"} 1 _ 3 stale _x2 7\n"
      "  h 1 {{count:1}} 2\n");
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  size_t skipped = 99;
  auto samples = expand_load(std::get<LoadCmd>(s->commands[0]), &skipped);
  EXPECT_EQ(skipped, 1u);
  std::vector<std::string> got;
  for (const LoadSample& smp : samples) {
    got.push_back(smp.labels.to_string() + "@" + std::to_string(smp.t / model::kMinute) + "m=" +
                  (model::is_stale_nan(smp.v) ? std::string("stale") : std::to_string(int(smp.v))));
  }
  EXPECT_EQ(got,
            (std::vector<std::string>{"a{x=\"1\"}@0m=1", "a{x=\"1\"}@10m=3", "a{x=\"1\"}@15m=stale",
                                      "a{x=\"1\"}@30m=7", "h{}@0m=1", "h{}@10m=2"}));
}

TEST(ExpandLoad, ApplyIntoMemoryStorage) {
  auto s = parse_promql_script(
      "load 30s\n"
      "  m{a=\"1\"} 0+1x4\n"
      "  m{a=\"2\"} _ 5\n"
      "\n"
      "load 30s\n"
      "  m{a=\"2\"} _ 5\n"  // identical sample again: accepted silently
      "\n"
      "load 30s\n"
      "  m{a=\"2\"} _ _ 6\n"  // a later sample, appended...
      "  m{a=\"1\"} 9\n");    // ...but this one is older than the series' newest
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  MemoryStorage st;
  ASSERT_TRUE(apply_load(std::get<LoadCmd>(s->commands[0]), st).is_ok());
  EXPECT_EQ(st.num_series(), 2u);
  EXPECT_EQ(st.num_samples(), 6u);
  EXPECT_EQ(st.debug_string(),
            "m{a=\"1\"} => 0:0 30000:1 60000:2 90000:3 120000:4\n"
            "m{a=\"2\"} => 30000:5\n");
  EXPECT_TRUE(apply_load(std::get<LoadCmd>(s->commands[1]), st).is_ok());
  EXPECT_EQ(st.num_samples(), 6u);
  Status bad_load = apply_load(std::get<LoadCmd>(s->commands[2]), st);
  EXPECT_EQ(bad_load.code(), StatusCode::kOutOfOrder);
  EXPECT_NE(bad_load.message().find("load at line 8: m{a=\"1\"} @0"), std::string::npos)
      << bad_load.message();
  EXPECT_EQ(st.num_samples(), 6u) << "a failed load leaves nothing behind";
}

// ------------------------------------------------------------------ the conformance files

std::vector<std::filesystem::path> conformance_files() {
  std::vector<std::filesystem::path> files;
  std::filesystem::path dir = std::filesystem::path(PROMLITE_SHARED_DIR) / "promql-conformance";
  if (!std::filesystem::exists(dir)) return files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".test") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Counts lines whose first word starts with `prefix` (or, with `exact`, is
// `prefix`), independently of the parser.
size_t count_lines_starting(const std::filesystem::path& p, const std::string& prefix,
                            bool exact = false) {
  std::ifstream in(p);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    std::istringstream ws(line);
    std::string w;
    if (ws >> w && (exact ? w == prefix : w.rfind(prefix, 0) == 0)) ++n;
  }
  return n;
}

TEST(ConformanceFiles, AllParse) {
  auto files = conformance_files();
  ASSERT_GE(files.size(), 17u) << "missing " << PROMLITE_SHARED_DIR << "/promql-conformance";
  // nh-exp: evals whose expected result holds a native histogram; nh-any: those
  // plus evals whose query names a metric loaded with native histograms.
  std::printf("%-26s %5s %5s %5s %6s %6s %6s %7s %6s %6s %6s\n", "file", "load", "nhcb", "clear",
              "eval", "inst", "range", "expfail", "expect", "nh-exp", "nh-any");
  size_t tot_load = 0, tot_eval = 0, tot_nh = 0, tot_nhx = 0;
  for (const auto& f : files) {
    auto s = read_promql_script(f.string());
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    size_t load = 0, nhcb = 0, clear = 0, eval = 0, inst = 0, range = 0, fail = 0, expects = 0,
           nh = 0, nhx = 0;
    // Every load must go into the reference store as it does into Prometheus's.
    MemoryStorage st;
    for (const Command& c : s->commands) {
      if (const auto* l = std::get_if<LoadCmd>(&c)) {
        Status applied = apply_load(*l, st);
        EXPECT_TRUE(applied.is_ok()) << f << ": " << applied.to_string();
        ++load;
        nhcb += l->with_nhcb;
        EXPECT_GT(l->interval, 0) << f << ":" << l->line;
      } else if (std::holds_alternative<ClearCmd>(c)) {
        st.clear();
        ++clear;
      } else {
        const auto& e = std::get<EvalCmd>(c);
        ++eval;
        (e.is_range ? range : inst)++;
        fail += e.fail();
        expects += e.expects.size();
        nh += e.native_histograms;
        nhx += e.expects_histograms;
        EXPECT_TRUE(!e.expects_histograms || e.native_histograms);
        EXPECT_FALSE(e.expr.empty()) << f << ":" << e.line;
        if (e.is_range) {
          EXPECT_GT(e.step, 0) << f << ":" << e.line;
        }
      }
    }
    // Cross-check against a plain line count of command keywords.
    EXPECT_EQ(load, count_lines_starting(f, "load")) << f;
    EXPECT_EQ(eval, count_lines_starting(f, "eval")) << f;
    EXPECT_EQ(clear, count_lines_starting(f, "clear")) << f;
    EXPECT_EQ(expects, count_lines_starting(f, "expect", /*exact=*/true)) << f;
    std::printf("%-26s %5zu %5zu %5zu %6zu %6zu %6zu %7zu %6zu %6zu %6zu\n",
                f.filename().string().c_str(), load, nhcb, clear, eval, inst, range, fail, expects,
                nhx, nh);
    tot_load += load;
    tot_eval += eval;
    tot_nh += nh;
    tot_nhx += nhx;
  }
  std::printf("%-26s %5zu %5s %5s %6zu %6s %6s %7s %6s %6zu %6zu\n", "TOTAL", tot_load, "", "",
              tot_eval, "", "", "", "", tot_nhx, tot_nh);
}

}  // namespace
}  // namespace promlite::testutil
