// Engine: functions over range vectors and instant vectors.
#include "tests/query/engine_test_util.h"

namespace promlite::query::enginetest {
namespace {

class EngineFunctionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A counter scraped every minute with one reset: 0 10 20 30 5 15 ...
    load(st_, {{"__name__", "c_total"}, {"job", "a"}}, {0, 10, 20, 30, 5, 15, 25, 35, 45, 55, 65});
    load(st_, {{"__name__", "g"}, {"job", "a"}}, {1, 4, 2, 8, 8, 3});
    load(st_, {{"__name__", "h_bucket"}, {"le", "1"}}, {1});
    load(st_, {{"__name__", "h_bucket"}, {"le", "2"}}, {3});
    load(st_, {{"__name__", "h_bucket"}, {"le", "+Inf"}}, {4});
    load(st_, {{"__name__", "s"}, {"src", "a-b"}}, {1});
  }
  testutil::MemoryStorage st_;
};

TEST_F(EngineFunctionsTest, RangeFunctions) {
  const Case cases[] = {
      // Window (2m, 5m]: samples 30, 5, 15 at 3m,4m,5m: increase 30+... = 15-30+30 = 15,
      // extrapolated to the window: 15 * 180/120.
      {"increase(c_total[3m])", 300, "{job=\"a\"} 22.5"},
      {"rate(c_total[3m])", 300, "{job=\"a\"} 0.125"},
      {"irate(c_total[3m])", 300, "{job=\"a\"} 0.16666666666666666"},
      {"resets(c_total[10m])", 600, "{job=\"a\"} 1"},
      {"changes(g[10m])", 300, "{job=\"a\"} 4"},
      {"delta(g[2m])", 300, "{job=\"a\"} -10"},
      {"idelta(g[2m])", 300, "{job=\"a\"} -5"},
      {"deriv(c_total[3m] offset 4m)", 600, "{job=\"a\"} 0.16666666666666666"},
      {"predict_linear(c_total[3m] offset 4m, 60)", 600, "{job=\"a\"} 75"},
      {"avg_over_time(g[10m])", 300, "{job=\"a\"} 4.333333333333333"},
      {"sum_over_time(g[10m])", 300, "{job=\"a\"} 26"},
      {"min_over_time(g[10m])", 300, "{job=\"a\"} 1"},
      {"max_over_time(g[10m])", 300, "{job=\"a\"} 8"},
      {"count_over_time(g[10m])", 300, "{job=\"a\"} 6"},
      {"last_over_time(g[10m])", 300, "g{job=\"a\"} 3"},
      {"present_over_time(g[1m])", 300, "{job=\"a\"} 1"},
      {"quantile_over_time(0.5, g[10m])", 300, "{job=\"a\"} 3.5"},
      {"stdvar_over_time(g[2m])", 300, "{job=\"a\"} 6.25"},
      {"absent_over_time(nope{job=\"x\"}[1m])", 300, "{job=\"x\"} 1"},
      {"absent_over_time(g[1m])", 300, ""},
  };
  for (const auto& c : cases) EXPECT_EQ(instant(st_, c.query, c.t_sec), c.want) << c.query;
}

TEST_F(EngineFunctionsTest, InstantFunctions) {
  const Case cases[] = {
      {"abs(-g)", 60, "{job=\"a\"} 4"},
      {"clamp(g, 2, 3)", 60, "{job=\"a\"} 3"},
      {"clamp(g, 3, 2)", 60, ""},
      {"clamp_min(g, 5)", 60, "{job=\"a\"} 5"},
      {"round(g / 3, 0.5)", 60, "{job=\"a\"} 1.5"},
      {"sqrt(g)", 60, "{job=\"a\"} 2"},
      {"scalar(g)", 60, "scalar 4"},
      {"scalar(nope)", 60, "scalar NaN"},
      {"vector(2)", 60, "{} 2"},
      {"absent(nope{a=\"b\", c=~\"d\"})", 60, "{a=\"b\"} 1"},
      {"absent(g)", 60, ""},
      {"timestamp(g)", 90, "{job=\"a\"} 60"},
      {"year(vector(0))", 0, "{} 1970"},
      {"day_of_week(vector(86400 * 3))", 0, "{} 0"},
      {"days_in_month(vector(86400 * 40))", 0, "{} 28"},
      {"hour(vector(3600 * 5 + 60 * 7))", 0, "{} 5"},
      {"minute(vector(3600 * 5 + 60 * 7))", 0, "{} 7"},
      {"label_replace(s, \"dst\", \"$2-$1\", \"src\", \"(.*)-(.*)\")", 0,
       "s{dst=\"b-a\", src=\"a-b\"} 1"},
      {"label_replace(s, \"dst\", \"x\", \"src\", \"nomatch\")", 0, "s{src=\"a-b\"} 1"},
      {"label_join(s, \"dst\", \",\", \"src\", \"__name__\")", 0,
       "s{dst=\"a-b,s\", src=\"a-b\"} 1"},
      {"histogram_quantile(0.5, h_bucket)", 0, "{} 1.5"},
      {"histogram_quantile(0.9, h_bucket)", 0, "{} 2"},
      {"histogram_fraction(0, 2, h_bucket)", 0, "{} 0.75"},
  };
  for (const auto& c : cases) EXPECT_EQ(instant(st_, c.query, c.t_sec), c.want) << c.query;
}

TEST_F(EngineFunctionsTest, CounterInfoAnnotation) {
  auto e = new_engine(EngineOptions{});
  auto r = e->instant_query(st_, "rate(g[5m])", 300 * 1000, {});
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->infos.size(), 1u);
  EXPECT_EQ(r->infos[0],
            "PromQL info: metric might not be a counter, name does not end in "
            "_total/_sum/_count/_bucket: \"g\"");
  auto r2 = e->instant_query(st_, "rate(c_total[5m])", 300 * 1000, {});
  ASSERT_TRUE(r2.is_ok());
  EXPECT_TRUE(r2->infos.empty());
}

TEST_F(EngineFunctionsTest, HistogramAnnotations) {
  testutil::MemoryStorage st;
  load(st, {{"__name__", "b_bucket"}, {"le", "1"}}, {5});
  load(st, {{"__name__", "b_bucket"}, {"le", "2"}}, {3});  // decreasing: fixed, with an info
  load(st, {{"__name__", "b_bucket"}, {"le", "+Inf"}}, {6});
  load(st, {{"__name__", "b_bucket"}, {"le", "x"}}, {1});
  auto e = new_engine(EngineOptions{});
  auto r = e->instant_query(st, "histogram_quantile(0.5, b_bucket)", 0, {});
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(render(r->value), "{} 0.6");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0],
            "PromQL warning: bucket label \"le\" is missing or has a malformed value of \"x\" "
            "for metric name \"b_bucket\"");
  ASSERT_EQ(r->infos.size(), 1u);
  EXPECT_EQ(r->infos[0],
            "PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see "
            "https://prometheus.io/docs/prometheus/latest/querying/functions/"
            "#histogram_quantile) for metric name \"b_bucket\"");
}

TEST_F(EngineFunctionsTest, SortOrders) {
  auto e = new_engine(EngineOptions{});
  auto r = e->instant_query(st_, "sort_desc(h_bucket)", 0, {});
  ASSERT_TRUE(r.is_ok());
  const auto& v = std::get<Vector>(r->value);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].v, 4);
  EXPECT_EQ(v[2].v, 1);
}

TEST_F(EngineFunctionsTest, DuplicateLabelsetAfterNameDrop) {
  testutil::MemoryStorage st;
  load(st, {{"__name__", "a"}, {"x", "1"}}, {1});
  load(st, {{"__name__", "b"}, {"x", "1"}}, {2});
  EXPECT_EQ(instant(st, "ceil({x=\"1\"})", 0),
            "error: vector cannot contain metrics with the same labelset");
}

// Range queries: series merged by label functions, instant functions, unary
// minus and range functions are checked per step (the merge once let two
// points share a step), range functions and unary minus per series (as
// Prometheus: even without a shared step).
TEST_F(EngineFunctionsTest, DuplicateLabelsetInRangeQueries) {
  testutil::MemoryStorage st;
  load(st, {{"__name__", "a"}, {"x", "1"}, {"y", "p"}}, {1, 2, 3});
  load(st, {{"__name__", "a"}, {"x", "1"}, {"y", "q"}}, {4, 5, 6});
  load(st, {{"__name__", "b"}, {"x", "2"}}, {1, 1}, kMin, 0);
  load(st, {{"__name__", "c"}, {"x", "2"}}, {7, 8}, kMin, 10 * kMin);
  const std::string dup = "error: vector cannot contain metrics with the same labelset";
  EXPECT_EQ(range(st, "label_replace(a, \"y\", \"\", \"y\", \".*\")", 0, 120, 60), dup);
  EXPECT_EQ(range(st, "label_join(a, \"y\", \"\", \"x\")", 0, 120, 60), dup);
  EXPECT_EQ(range(st, "-a", 0, 120, 60),
            "{x=\"1\", y=\"p\"} 0:-1 60:-2 120:-3\n{x=\"1\", y=\"q\"} 0:-4 60:-5 120:-6");
  // b and c never share a step: merging them is fine for instant functions,
  // an error for range functions and unary minus.
  EXPECT_EQ(range(st, "ceil({x=\"2\"})", 0, 660, 60),
            "{x=\"2\"} 0:1 60:1 120:1 180:1 240:1 300:1 600:7 660:8");
  EXPECT_EQ(range(st, "sum_over_time({x=\"2\"}[1m])", 0, 660, 60), dup);
  EXPECT_EQ(range(st, "-{x=\"2\"}", 0, 660, 60), dup);
}

}  // namespace
}  // namespace promlite::query::enginetest
