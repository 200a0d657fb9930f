// Engine: selectors, lookback, staleness, offset/@, literals, range queries,
// subqueries and result types.
#include <cmath>

#include "tests/query/engine_test_util.h"

namespace promlite::query::enginetest {
namespace {

class EngineBasicTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // m{a="1"}: 0,1,2,...,10 at one-minute steps; m{a="2"}: 10,20 then stale.
    load(st_, {{"__name__", "m"}, {"a", "1"}}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    load(st_, {{"__name__", "m"}, {"a", "2"}}, {10, 20, model::stale_nan()});
  }
  testutil::MemoryStorage st_;
};

TEST_F(EngineBasicTest, InstantQueries) {
  const Case cases[] = {
      {"m", 60, "m{a=\"1\"} 1\nm{a=\"2\"} 20"},
      {"m", 120, "m{a=\"1\"} 2"},  // a="2" is stale at 2m
      {"m{a=\"1\"}", 900, ""},     // past the 5m lookback of the last sample at 10m
      {"m{a=\"1\"}", 899, "m{a=\"1\"} 10"},
      {"m offset 2m", 300, "m{a=\"1\"} 3"},
      {"m offset -2m", 60, "m{a=\"1\"} 3"},
      {"m @ 180", 600, "m{a=\"1\"} 3"},
      {"m @ 180 offset 1m", 600, "m{a=\"1\"} 2"},
      {"1 + 2", 0, "scalar 3"},
      {"\"hello\"", 0, "string hello"},
      {"m[2m]", 300, "m{a=\"1\"} 240:4 300:5"},  // left-open window (3m, 5m]
      {"m[1m:1m]", 300, "m{a=\"1\"} 300:5"},
      {"-m{a=\"1\"}", 60, "{a=\"1\"} -1"},
      {"time()", 42, "scalar 42"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(instant(st_, c.query, c.t_sec), c.want) << c.query << " @ " << c.t_sec;
  }
}

TEST_F(EngineBasicTest, RangeQueries) {
  EXPECT_EQ(range(st_, "m", 0, 180, 60), "m{a=\"1\"} 0:0 60:1 120:2 180:3\nm{a=\"2\"} 0:10 60:20");
  EXPECT_EQ(range(st_, "m @ end()", 0, 120, 60), "m{a=\"1\"} 0:2 60:2 120:2");
  EXPECT_EQ(range(st_, "2 * 3", 0, 120, 60), "{} 0:6 60:6 120:6");
  EXPECT_EQ(range(st_, "sum_over_time(m{a=\"1\"}[2m:1m])", 120, 240, 120), "{a=\"1\"} 120:3 240:7");
}

TEST_F(EngineBasicTest, EdgeCases) {
  EXPECT_EQ(range(st_, "m{a=\"1\"}", 60, 60, 15), "m{a=\"1\"} 60:1");
  EXPECT_EQ(instant(st_, "rate(m[1s:5m])", 300), "");  // no subquery step inside the range
  EXPECT_EQ(instant(st_, "count_over_time(m{a=\"1\"}[5m:1m] offset -1m)", 300), "{a=\"1\"} 5");
  EXPECT_EQ(instant(st_, "sort(m)", 0), "m{a=\"1\"} 0\nm{a=\"2\"} 10");
  EXPECT_EQ(instant(st_, "nothing", 0), "");
  EXPECT_EQ(range(st_, "sum(nothing)", 0, 600, 60), "");
}

TEST_F(EngineBasicTest, RangeQueryRejectsNonInstantTypes) {
  EXPECT_EQ(range(st_, "m[5m]", 0, 60, 60),
            "error: invalid expression type \"range vector\" for range query, must be Scalar or "
            "instant Vector");
  EXPECT_EQ(range(st_, "\"x\"", 0, 60, 60),
            "error: invalid expression type \"string\" for range query, must be Scalar or instant "
            "Vector");
}

TEST_F(EngineBasicTest, LookbackOverride) {
  QueryOptions opts;
  opts.lookback_delta = 30 * model::kSecond;
  EXPECT_EQ(instant(st_, "m{a=\"1\"}", 90, nullptr, opts), "");
  EXPECT_EQ(instant(st_, "m{a=\"1\"}", 80, nullptr, opts), "m{a=\"1\"} 1");
}

TEST_F(EngineBasicTest, ParseErrorsAreInvalidArgument) {
  auto e = new_engine(EngineOptions{});
  auto r = e->instant_query(st_, "sum(", 0, {});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace promlite::query::enginetest
