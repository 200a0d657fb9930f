// Engine: aggregation operators.
#include "tests/query/engine_test_util.h"

namespace promlite::query::enginetest {
namespace {

class EngineAggregationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    load(st_, {{"__name__", "x"}, {"job", "a"}, {"i", "1"}}, {1});
    load(st_, {{"__name__", "x"}, {"job", "a"}, {"i", "2"}}, {3});
    load(st_, {{"__name__", "x"}, {"job", "b"}, {"i", "1"}}, {5});
    load(st_, {{"__name__", "x"}, {"job", "b"}, {"i", "2"}}, {5});
  }
  testutil::MemoryStorage st_;
};

TEST_F(EngineAggregationTest, Operators) {
  const Case cases[] = {
      {"sum(x)", 0, "{} 14"},
      {"sum by (job) (x)", 0, "{job=\"a\"} 4\n{job=\"b\"} 10"},
      {"sum without (i) (x)", 0, "{job=\"a\"} 4\n{job=\"b\"} 10"},
      {"avg by (job) (x)", 0, "{job=\"a\"} 2\n{job=\"b\"} 5"},
      {"count(x)", 0, "{} 4"},
      {"min(x)", 0, "{} 1"},
      {"max by (job) (x)", 0, "{job=\"a\"} 3\n{job=\"b\"} 5"},
      {"group by (job) (x)", 0, "{job=\"a\"} 1\n{job=\"b\"} 1"},
      {"stdvar by (job) (x)", 0, "{job=\"a\"} 1\n{job=\"b\"} 0"},
      {"stddev(x{job=\"a\"})", 0, "{} 1"},
      {"quantile(0.5, x)", 0, "{} 4"},
      {"topk(1, x{job=\"a\"})", 0, "x{i=\"2\", job=\"a\"} 3"},
      {"bottomk by (job) (1, x)", 0, "x{i=\"1\", job=\"a\"} 1\nx{i=\"1\", job=\"b\"} 5"},
      {"count_values(\"v\", x)", 0, "{v=\"1\"} 1\n{v=\"3\"} 1\n{v=\"5\"} 2"},
      {"limitk(1, x{job=\"b\"})", 0, "x{i=\"1\", job=\"b\"} 5"},
      {"sum(x) by (nope)", 0, "{} 14"},
  };
  for (const auto& c : cases) EXPECT_EQ(instant(st_, c.query, c.t_sec), c.want) << c.query;
}

TEST_F(EngineAggregationTest, AvgDoesNotOverflow) {
  testutil::MemoryStorage st;
  load(st, {{"__name__", "big"}, {"i", "1"}}, {1.5e308});
  load(st, {{"__name__", "big"}, {"i", "2"}}, {1.5e308});
  auto e = new_engine(EngineOptions{});
  auto r = e->instant_query(st, "avg(big)", 0, {});
  ASSERT_TRUE(r.is_ok());
  const auto& vec = std::get<Vector>(r->value);
  ASSERT_EQ(vec.size(), 1u);
  EXPECT_EQ(vec[0].v, 1.5e308);
  EXPECT_EQ(instant(st, "sum(big)", 0), "{} +Inf");
}

TEST_F(EngineAggregationTest, QuantileWarning) {
  auto e = new_engine(EngineOptions{});
  auto r = e->instant_query(st_, "quantile(2, x)", 0, {});
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0], "PromQL warning: quantile value should be between 0 and 1, got 2");
}

}  // namespace
}  // namespace promlite::query::enginetest
