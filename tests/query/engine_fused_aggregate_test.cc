// Engine: aggregations fused with a range function or a selector
// (query/fused_aggregate.cc) answer exactly as the node-by-node evaluation.
// The reference is the same query with the inner expression multiplied by 1,
// which is never fused and leaves every value (NaN and Inf included) as it is.
#include <cmath>
#include <cstdint>
#include <limits>

#include "model/sample.h"
#include "tests/query/engine_test_util.h"

namespace promlite::query::enginetest {
namespace {

// Deterministic pseudo-random data: counters with resets, gauges with NaN,
// Inf and stale markers, irregular timestamps and gaps.
class EngineFusedAggregateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    auto rnd = [&state]() {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      return state;
    };
    for (int s = 0; s < 24; ++s) {
      model::Labels counter{{"__name__", "req_total"},
                            {"job", s % 3 == 0 ? "a" : "b"},
                            {"pod", std::to_string(s)},
                            {"zone", s % 4 == 0 ? "" : "z" + std::to_string(s % 2)}};
      model::Labels gauge{
          {"__name__", "temp"}, {"job", s % 2 == 0 ? "a" : "b"}, {"pod", std::to_string(s)}};
      auto app = st_.appender();
      double c = static_cast<double>(rnd() % 1000);
      model::Timestamp t = static_cast<model::Timestamp>(rnd() % 20'000);
      for (int i = 0; i < 200; ++i) {
        t += 5'000 + static_cast<model::Timestamp>(rnd() % 25'000);
        if (rnd() % 40 == 0) t += 7 * kMin;  // a gap longer than the lookback
        uint64_t r = rnd();
        c = r % 97 == 0 ? static_cast<double>(r % 10) : c + static_cast<double>(r % 50) / 4;
        ASSERT_TRUE(app->append(0, counter, t, c).is_ok());
        double g = static_cast<double>(static_cast<int64_t>(r % 2001) - 1000) / 7;
        if (r % 89 == 0) g = std::nan("");
        if (r % 101 == 0) g = std::numeric_limits<double>::infinity();
        if (r % 53 == 0) g = model::stale_nan();
        ASSERT_TRUE(app->append(0, gauge, t, g).is_ok());
      }
      ASSERT_TRUE(app->commit().is_ok());
    }
  }

  // The query evaluated fused, and its unfused reference.
  static std::pair<std::string, std::string> both(const std::string& op,
                                                  const std::string& grouping,
                                                  const std::string& inner) {
    return {op + grouping + " (" + inner + ")", op + grouping + " ((" + inner + ") * 1)"};
  }

  testutil::MemoryStorage st_;
};

TEST_F(EngineFusedAggregateTest, SameAnswerAsNodeByNode) {
  const std::string ops[] = {"sum", "avg", "count", "min", "max", "group", "stddev", "stdvar"};
  const std::string groupings[] = {"", " by (job)", " without (pod)", " by (zone, job)",
                                   " without ()"};
  const std::string inners[] = {
      "rate(req_total[5m])",
      "increase(req_total[3m] offset 2m)",
      "irate(req_total[5m])",
      "resets(req_total[10m])",
      "delta(temp[5m])",
      "deriv(temp[4m])",
      "avg_over_time(temp[5m])",
      "max_over_time(temp[2m])",
      "stdvar_over_time(temp[5m])",
      "count_over_time(temp[5m])",
      "last_over_time(temp[5m])",
      "changes(temp[5m])",
      "temp",
      "req_total offset 3m",
      "(req_total)",
  };
  int compared = 0;
  for (const auto& op : ops) {
    for (const auto& g : groupings) {
      for (const auto& inner : inners) {
        auto [fused, ref] = both(op, g, inner);
        for (int64_t t : {600, 1234, 3000}) {
          ASSERT_EQ(instant(st_, fused, t), instant(st_, ref, t)) << fused << " at " << t;
        }
        ASSERT_EQ(range(st_, fused, 0, 4000, 37), range(st_, ref, 0, 4000, 37)) << fused;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 8 * 5 * 15);
}

TEST_F(EngineFusedAggregateTest, StatsCountAsNodeByNode) {
  // The reference's `* 1` adds its own points, so compare with the plain
  // evaluation counted by hand: sum(rate) reads the same windows as rate.
  auto e = new_engine(all_features());
  auto fused = e->range_query(st_, "sum(rate(req_total[5m]))", 0, 4'000'000, 60'000, {});
  auto plain = e->range_query(st_, "rate(req_total[5m])", 0, 4'000'000, 60'000, {});
  ASSERT_TRUE(fused.is_ok());
  ASSERT_TRUE(plain.is_ok());
  EXPECT_EQ(fused->stats.total_samples, plain->stats.total_samples);
}

TEST_F(EngineFusedAggregateTest, ManyGroupsFallBackToNodeByNode) {
  // 24 groups x 50,001 steps is past the fused accumulators' bound.
  auto [fused, ref] = both("sum", " by (pod)", "rate(req_total[5m])");
  ASSERT_EQ(range(st_, fused, 0, 50'000, 1), range(st_, ref, 0, 50'000, 1));
  EXPECT_NE(range(st_, fused, 0, 50'000, 1), "");
  // The same over a plain selector, whose values keep coming after the
  // bound is reached.
  auto [fused_sel, ref_sel] = both("sum", " by (pod)", "req_total");
  ASSERT_EQ(range(st_, fused_sel, 0, 50'000, 1), range(st_, ref_sel, 0, 50'000, 1));
}

TEST(EngineFusedAggregateLimitsTest, MaxSamplesCountsTheInnerPoints) {
  testutil::MemoryStorage st;
  for (int i = 0; i < 2; ++i) {
    load(st, model::Labels{{"__name__", "c_total"}, {"i", std::to_string(i)}},
         {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  }
  // rate has a value at steps 1..9 of each series (18 points), the sum at
  // steps 1..9 (9 points): both are held at once.
  EngineOptions o;
  o.max_samples = 27;
  EXPECT_TRUE(
      new_engine(o)->range_query(st, "sum(rate(c_total[5m]))", 0, 9 * kMin, kMin, {}).is_ok());
  o.max_samples = 26;
  auto r = new_engine(o)->range_query(st, "sum(rate(c_total[5m]))", 0, 9 * kMin, kMin, {});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
}

TEST(EngineFusedAggregateLimitsTest, NamesDroppedIntoOneLabelSetAreStillAnError) {
  // Not fused (the selector can match two names): rate drops the names and
  // the two series collide, as in Prometheus.
  testutil::MemoryStorage st;
  load(st, {{"__name__", "a_total"}, {"job", "x"}}, {1, 2, 3});
  load(st, {{"__name__", "b_total"}, {"job", "x"}}, {1, 2, 3});
  EXPECT_EQ(instant(st, "sum(rate({__name__=~\"a_total|b_total\"}[5m]))", 2 * 60),
            "error: vector cannot contain metrics with the same labelset");
  EXPECT_EQ(instant(st, "sum by (__name__) (rate(a_total[5m]))", 2 * 60),
            "{} 0.008333333333333333");
  EXPECT_EQ(instant(st, "count by (__name__) (last_over_time(a_total[5m]))", 2 * 60),
            "a_total{} 1");
}

}  // namespace
}  // namespace promlite::query::enginetest
