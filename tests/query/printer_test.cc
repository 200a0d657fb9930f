// Printer tests: canonical String() forms, Pretty() layout, float format.
#include "query/printer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "query/parser.h"

namespace promlite::query {
namespace {

std::string print(std::string_view q) {
  auto r = parse_expr(q);
  EXPECT_TRUE(r.is_ok()) << q << ": " << r.status().message();
  return r ? to_string(**r) : "";
}

std::string pretty(std::string_view q, size_t width) {
  auto r = parse_expr(q);
  EXPECT_TRUE(r.is_ok()) << q << ": " << r.status().message();
  return r ? prettify(**r, width) : "";
}

TEST(PrinterTest, FormatFloat) {
  EXPECT_EQ(format_float(0), "0");
  EXPECT_EQ(format_float(-0.0), "-0");
  EXPECT_EQ(format_float(1), "1");
  EXPECT_EQ(format_float(-2.5), "-2.5");
  EXPECT_EQ(format_float(0.1), "0.1");
  EXPECT_EQ(format_float(1e-7), "0.0000001");
  EXPECT_EQ(format_float(123456789012), "123456789012");
  EXPECT_EQ(format_float(1e21), "1000000000000000000000");
  EXPECT_EQ(format_float(1.5e300).size(), 301u);
  EXPECT_EQ(format_float(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_float(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_float(std::nan("")), "NaN");
  EXPECT_EQ(format_float(0.30000000000000004), "0.30000000000000004");
}

TEST(PrinterTest, CanonicalForms) {
  struct {
    const char* in;
    const char* out;
  } cases[] = {
      {"sum by() (task:errors:rate10s{job=\"s\"})", "sum(task:errors:rate10s{job=\"s\"})"},
      {"sum(foo) by (a,b)", "sum by (a, b) (foo)"},
      {"sum without(a) (foo)", "sum without (a) (foo)"},
      {"sum by(\"foo.bar\", \"b c\") (x)", "sum by (\"foo.bar\", \"b c\") (x)"},
      {"a + on(b) group_left c", "a + on (b) group_left () c"},
      {"a + ignoring(b) c", "a + ignoring (b) c"},
      {"a + on() c", "a + on () c"},
      // Quoted where a bare word would not parse back.
      {"sum by (\"without\", \"Inf\", \"a:b\") (x)", "sum by (\"without\", \"Inf\", a:b) (x)"},
      {"a + on(\"x.y\") group_left(\"nan\") b", "a + on (\"x.y\") group_left (\"nan\") b"},
      {"a>bool 1", "a > bool 1"},
      {"foo{z=\"1\",a=\"2\"}", "foo{a=\"2\",z=\"1\"}"},
      {"foo{a=\"\\n\\\"\"}", "foo{a=\"\\n\\\"\"}"},
      {"{\"a.b\"=\"c\", x=\"y\"}", "{\"a.b\"=\"c\",x=\"y\"}"},
      {"{__name__=\"a\", b=\"c\"}", "{__name__=\"a\",b=\"c\"}"},
      {"foo[90s]", "foo[1m30s]"},
      {"foo[7d]", "foo[1w]"},
      {"foo[8d]", "foo[8d]"},
      {"foo[365d]", "foo[1y]"},
      {"foo[1500ms]", "foo[1s500ms]"},
      {"foo offset 1w", "foo offset 1w"},
      {"foo offset -90s", "foo offset -1m30s"},
      {"foo @ 1.0009", "foo @ 1.001"},
      {"foo[5m] offset 1m @ 2", "foo[5m] @ 2.000 offset 1m"},
      {"(foo)[5m:] @ start()", "(foo)[5m:] @ start()"},
      {"-(1)", "-(1)"},
      {"- -foo", "--foo"},
      {"1 - -2", "1 - -2"},
      {"'a' ", "\"a\""},
      {"\"\\u00a0\"", "\"\\u00a0\""},
      {"-5m", "-5m"},
      {"0.1 + 0.2", "0.1 + 0.2"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(print(c.in), c.out);
  }
}

TEST(PrinterTest, PrettyKeepsShortExpressionsOnOneLine) {
  EXPECT_EQ(pretty("sum by(job) (rate(foo[5m]))", 100), "sum by (job) (rate(foo[5m]))");
}

TEST(PrinterTest, PrettySplitsLongExpressions) {
  struct {
    const char* in;
    const char* out;
  } cases[] = {
      {"sum(foo)", "sum(foo)"},
      {"sum without(job,foo) (task:errors:rate10s{job=\"s\"})",
       "sum without (job, foo) (\n  task:errors:rate10s{job=\"s\"}\n)"},
      {"topk(10, ask:errors:rate10s{job=\"s\"})",
       "topk(\n  10,\n  ask:errors:rate10s{job=\"s\"}\n)"},
      {"first + second", "  first\n+\n  second"},
      {"first + on(a) group_left(b) second", "  first\n+ on (a) group_left (b)\n  second"},
      {"a > bool bbbbbbbbbb", "  a\n> bool\n  bbbbbbbbbb"},
      {"rate(metric_name[5m])", "rate(\n  metric_name[5m]\n)"},
      {"label_replace(up, \"a\", \"b\", \"c\", \"d\")",
       "label_replace(\n  up,\n  \"a\",\n  \"b\",\n  \"c\",\n  \"d\"\n)"},
      {"(metric_name)", "(\n  metric_name\n)"},
      {"-metric_name_long", "-metric_name_long"},
      {"-(first + second)", "-(\n    first\n  +\n    second\n)"},
      {"rate(foo[5m])[10m:1m]", "rate(\n  foo[5m]\n)[10m:1m]"},
      {"sum(rate(foo[1m]))", "sum(\n  rate(\n    foo[1m]\n  )\n)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(pretty(c.in, 10), c.out);
  }
}

TEST(PrinterTest, PrettyUsesAHundredColumnsByDefault) {
  std::string q =
      "sum by (job) (rate(http_requests_total{job=\"api-server\", handler=\"/api/v1/"
      "query_range/long\"}[5m])) / 2";
  auto r = parse_expr(q);
  ASSERT_TRUE(r.is_ok());
  // The aggregation alone fits in 100 columns, so only the division splits.
  EXPECT_EQ(prettify(**r),
            "  sum by (job) (rate(http_requests_total{handler=\"/api/v1/query_range/long\","
            "job=\"api-server\"}[5m]))\n"
            "/\n"
            "  2");
}

}  // namespace
}  // namespace promlite::query
