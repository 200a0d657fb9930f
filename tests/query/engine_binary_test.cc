// Engine: binary operators, vector matching and their errors.
#include "tests/query/engine_test_util.h"

namespace promlite::query::enginetest {
namespace {

class EngineBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    load(st_, {{"__name__", "req"}, {"job", "a"}, {"inst", "1"}}, {10});
    load(st_, {{"__name__", "req"}, {"job", "a"}, {"inst", "2"}}, {20});
    load(st_, {{"__name__", "req"}, {"job", "b"}, {"inst", "1"}}, {30});
    load(st_, {{"__name__", "lim"}, {"job", "a"}, {"owner", "x"}}, {100});
    load(st_, {{"__name__", "lim"}, {"job", "b"}, {"owner", "y"}}, {0});
  }
  testutil::MemoryStorage st_;
};

TEST_F(EngineBinaryTest, Operators) {
  const Case cases[] = {
      {"req{inst=\"1\"} * 2", 0, "{inst=\"1\", job=\"a\"} 20\n{inst=\"1\", job=\"b\"} 60"},
      {"req > 15", 0, "req{inst=\"1\", job=\"b\"} 30\nreq{inst=\"2\", job=\"a\"} 20"},
      {"req > bool 15", 0,
       "{inst=\"1\", job=\"a\"} 0\n{inst=\"1\", job=\"b\"} 1\n{inst=\"2\", job=\"a\"} 1"},
      {"15 < req", 0, "req{inst=\"1\", job=\"b\"} 30\nreq{inst=\"2\", job=\"a\"} 20"},
      {"2 ^ 3 ^ 2", 0, "scalar 512"},
      {"-7 % 3", 0, "scalar -1"},
      {"1 / 0", 0, "scalar +Inf"},
      {"0 / 0", 0, "scalar NaN"},
      {"1 == bool 1", 0, "scalar 1"},
      {"req{job=\"b\"} / on(job) lim", 0, "{job=\"b\"} +Inf"},
      {"req / on(job) group_left(owner) lim", 0,
       "{inst=\"1\", job=\"a\", owner=\"x\"} 0.1\n{inst=\"1\", job=\"b\", owner=\"y\"} +Inf\n"
       "{inst=\"2\", job=\"a\", owner=\"x\"} 0.2"},
      {"lim / on(job) group_right req", 0,
       "{inst=\"1\", job=\"a\"} 10\n{inst=\"1\", job=\"b\"} 0\n{inst=\"2\", job=\"a\"} 5"},
      {"req and on(job) lim > 50", 0,
       "req{inst=\"1\", job=\"a\"} 10\nreq{inst=\"2\", job=\"a\"} 20"},
      {"req unless on(job) lim > 50", 0, "req{inst=\"1\", job=\"b\"} 30"},
      {"lim > 50 or on(job) req", 0,
       "lim{job=\"a\", owner=\"x\"} 100\nreq{inst=\"1\", job=\"b\"} 30"},
      {"(1 atan2 1) * 4", 0, "scalar 3.141592653589793"},
  };
  for (const auto& c : cases) EXPECT_EQ(instant(st_, c.query, c.t_sec), c.want) << c.query;
}

TEST_F(EngineBinaryTest, MatchingErrors) {
  EXPECT_EQ(instant(st_, "req / on(job) lim", 0),
            "error: multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
  EXPECT_EQ(instant(st_, "lim / on(job) req", 0),
            "error: found duplicate series for the match group {job=\"a\"} on the right "
            "hand-side of the operation: [req{inst=\"2\", job=\"a\"}, req{inst=\"1\", "
            "job=\"a\"}];many-to-many matching not allowed: matching labels must be unique on "
            "one side");
  EXPECT_EQ(instant(st_, "req + ignoring(inst) group_left req", 0),
            "error: found duplicate series for the match group {job=\"a\"} on the right "
            "hand-side of the operation: [req{inst=\"2\", job=\"a\"}, req{inst=\"1\", "
            "job=\"a\"}];many-to-many matching not allowed: matching labels must be unique on "
            "one side");
}

}  // namespace
}  // namespace promlite::query::enginetest
