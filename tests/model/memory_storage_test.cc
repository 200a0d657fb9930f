#include "tests/testutil/memory_storage.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "model/matcher.h"

namespace promlite::testutil {
namespace {

using model::Labels;
using model::Matcher;
using model::Matchers;
using model::MatchType;
using model::Sample;
using model::Timestamp;

Matcher m(MatchType t, std::string name, std::string value) {
  auto r = Matcher::make(t, std::move(name), std::move(value));
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return *r;
}

// Appends (labels, t, v) triples in one batch and commits; every append must succeed.
void add(MemoryStorage& st, const std::vector<std::tuple<Labels, Timestamp, double>>& samples) {
  auto app = st.appender();
  for (const auto& [l, t, v] : samples) {
    auto r = app->append(0, l, t, v);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  }
  ASSERT_TRUE(app->commit().is_ok());
}

// "labels:t=v,t=v;..." of a select, for compact comparisons.
std::string dump(MemoryStorage& st, Timestamp mint, Timestamp maxt, const Matchers& ms) {
  auto q = st.querier(mint, maxt);
  EXPECT_TRUE(q.is_ok());
  auto set = (*q)->select(true, nullptr, ms);
  std::string out;
  while (set->next()) {
    const tsdb::Series& s = set->at();
    out += s.labels().to_string() + ":";
    auto it = s.iterator();
    bool first = true;
    while (it->next()) {
      Sample smp = it->at();
      if (!first) out += ",";
      first = false;
      out += std::to_string(smp.t) + "=" +
             (model::is_stale_nan(smp.v) ? std::string("stale") : std::to_string(int(smp.v)));
    }
    out += ";";
  }
  EXPECT_TRUE(set->status().is_ok());
  return out;
}

const Labels kA{{"__name__", "up"}, {"job", "a"}};
const Labels kB{{"__name__", "up"}, {"job", "b"}, {"env", "prod"}};
const Labels kC{{"__name__", "down"}};

TEST(MemoryStorage, CommitMakesBatchVisible) {
  MemoryStorage st;
  auto app = st.appender();
  ASSERT_TRUE(app->append(0, kA, 10, 1).is_ok());
  ASSERT_TRUE(app->append(0, kA, 20, 2).is_ok());
  EXPECT_EQ(st.num_samples(), 0u);
  EXPECT_EQ(dump(st, 0, 100, {m(MatchType::kEqual, "__name__", "up")}), "");
  ASSERT_TRUE(app->commit().is_ok());
  EXPECT_EQ(st.num_series(), 1u);
  EXPECT_EQ(st.num_samples(), 2u);
  EXPECT_EQ(dump(st, 0, 100, {m(MatchType::kEqual, "__name__", "up")}), "up{job=\"a\"}:10=1,20=2;");
}

TEST(MemoryStorage, RollbackAndDestroyDiscard) {
  MemoryStorage st;
  {
    auto app = st.appender();
    ASSERT_TRUE(app->append(0, kA, 10, 1).is_ok());
    app->rollback();
  }
  {
    auto app = st.appender();
    ASSERT_TRUE(app->append(0, kA, 10, 1).is_ok());
  }  // destroyed uncommitted
  EXPECT_EQ(st.num_samples(), 0u);
  auto app = st.appender();
  ASSERT_TRUE(app->commit().is_ok());
  EXPECT_FALSE(app->append(0, kA, 1, 1).is_ok()) << "a spent appender must refuse work";
}

struct OrderCase {
  const char* name;
  bool first_batch_separate;  // commit the first sample before the second
  Timestamp t2;
  double v2;
  StatusCode want;
  size_t want_samples;
};

class AppendOrderTable : public ::testing::TestWithParam<OrderCase> {};

TEST_P(AppendOrderTable, Rejections) {
  const OrderCase& c = GetParam();
  MemoryStorage st;
  auto app = st.appender();
  ASSERT_TRUE(app->append(0, kA, 100, 5).is_ok());
  if (c.first_batch_separate) {
    ASSERT_TRUE(app->commit().is_ok());
    app = st.appender();
  }
  auto r = app->append(0, kA, c.t2, c.v2);
  EXPECT_EQ(r.status().code(), c.want) << c.name << ": " << r.status().to_string();
  // The batch goes on after a per-sample rejection.
  ASSERT_TRUE(app->append(0, kA, 1000, 7).is_ok());
  ASSERT_TRUE(app->commit().is_ok());
  EXPECT_EQ(st.num_samples(), c.want_samples) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    All, AppendOrderTable,
    ::testing::Values(
        OrderCase{"older, same batch", false, 50, 1, StatusCode::kOutOfOrder, 2},
        OrderCase{"older, committed", true, 50, 1, StatusCode::kOutOfOrder, 2},
        OrderCase{"dup ts other value, same batch", false, 100, 6, StatusCode::kDuplicateSample, 2},
        OrderCase{"dup ts other value, committed", true, 100, 6, StatusCode::kDuplicateSample, 2},
        OrderCase{"dup identical, same batch", false, 100, 5, StatusCode::kOk, 2},
        OrderCase{"dup identical, committed", true, 100, 5, StatusCode::kOk, 2},
        OrderCase{"newer", true, 200, 1, StatusCode::kOk, 3}));

TEST(MemoryStorage, DuplicateComparesBitsNotValues) {
  MemoryStorage st;
  auto app = st.appender();
  ASSERT_TRUE(app->append(0, kA, 1, model::stale_nan()).is_ok());
  EXPECT_TRUE(app->append(0, kA, 1, model::stale_nan()).is_ok());
  EXPECT_EQ(app->append(0, kA, 1, std::numeric_limits<double>::quiet_NaN()).status().code(),
            StatusCode::kDuplicateSample);
  ASSERT_TRUE(app->commit().is_ok());
  EXPECT_EQ(dump(st, 0, 10, {m(MatchType::kEqual, "job", "a")}), "up{job=\"a\"}:1=stale;");
}

TEST(MemoryStorage, OutOfOrderAllowedInsertsSorted) {
  MemoryStorage st;
  add(st, {{kA, 10, 1}, {kA, 30, 3}});
  tsdb::AppendOptions opts;
  opts.allow_out_of_order = true;
  auto app = st.appender(opts);
  EXPECT_TRUE(app->append(0, kA, 20, 2).is_ok());
  EXPECT_TRUE(app->append(0, kA, 5, 0).is_ok());
  EXPECT_TRUE(app->append(0, kA, 10, 1).is_ok());  // identical: ignored
  EXPECT_EQ(app->append(0, kA, 30, 9).status().code(), StatusCode::kDuplicateSample);
  EXPECT_EQ(app->append(0, kA, 20, 9).status().code(), StatusCode::kDuplicateSample);
  ASSERT_TRUE(app->commit().is_ok());
  EXPECT_EQ(dump(st, 0, 100, {m(MatchType::kEqual, "job", "a")}),
            "up{job=\"a\"}:5=0,10=1,20=2,30=3;");
}

TEST(MemoryStorage, InvalidLabelSetsAreRefused) {
  MemoryStorage st;
  auto app = st.appender();
  EXPECT_EQ(app->append(0, Labels{}, 1, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(app->append(0, Labels::from_pairs({{"", "x"}}), 1, 1).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(app->append(0, kA, 1, 1).is_ok());
  ASSERT_TRUE(app->commit().is_ok());
  EXPECT_EQ(st.num_series(), 1u);
}

TEST(MemoryStorage, RefsSkipTheLabelsAndGoStaleAfterClear) {
  MemoryStorage st;
  auto app = st.appender();
  auto ref = app->append(0, kA, 1, 1);
  ASSERT_TRUE(ref.is_ok());
  ASSERT_NE(*ref, 0u);
  auto again = app->append(*ref, Labels{}, 2, 2);  // labels ignored with a valid ref
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(*again, *ref);
  EXPECT_EQ(*app->append(0, kA, 3, 3), *ref);
  EXPECT_NE(*app->append(0, kB, 3, 3), *ref);
  ASSERT_TRUE(app->commit().is_ok());
  EXPECT_EQ(dump(st, 0, 10, {m(MatchType::kEqual, "job", "a")}), "up{job=\"a\"}:1=1,2=2,3=3;");

  st.clear();
  auto app2 = st.appender();
  // The old ref is unknown now: the labels decide.
  auto r = app2->append(*ref, kC, 5, 5);
  ASSERT_TRUE(r.is_ok());
  ASSERT_TRUE(app2->commit().is_ok());
  EXPECT_EQ(dump(st, 0, 10, {m(MatchType::kRegex, "__name__", ".+")}), "down{}:5=5;");
}

struct SelectCase {
  const char* name;
  std::vector<std::tuple<MatchType, std::string, std::string>> matchers;
  std::string want;
};

class SelectTable : public ::testing::TestWithParam<SelectCase> {};

TEST_P(SelectTable, Matchers) {
  const SelectCase& c = GetParam();
  MemoryStorage st;
  add(st, {{kA, 1, 1}, {kB, 1, 2}, {kC, 1, 3}});
  Matchers ms;
  for (const auto& [t, n, v] : c.matchers) ms.push_back(m(t, n, v));
  EXPECT_EQ(dump(st, 0, 10, ms), c.want) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    All, SelectTable,
    ::testing::Values(
        SelectCase{"equal",
                   {{MatchType::kEqual, "__name__", "up"}},
                   "up{env=\"prod\", job=\"b\"}:1=2;up{job=\"a\"}:1=1;"},
        SelectCase{"not equal",
                   {{MatchType::kNotEqual, "job", "a"}},
                   "down{}:1=3;up{env=\"prod\", job=\"b\"}:1=2;"},
        SelectCase{"regex",
                   {{MatchType::kRegex, "job", "a|b"}},
                   "up{env=\"prod\", job=\"b\"}:1=2;up{job=\"a\"}:1=1;"},
        SelectCase{"not regex",
                   {{MatchType::kNotRegex, "job", "b"}, {MatchType::kRegex, "__name__", ".+"}},
                   "down{}:1=3;up{job=\"a\"}:1=1;"},
        SelectCase{"absent label equals empty",
                   {{MatchType::kEqual, "env", ""}, {MatchType::kEqual, "__name__", "up"}},
                   "up{job=\"a\"}:1=1;"},
        SelectCase{"absent label regex empty",
                   {{MatchType::kRegex, "job", "|a"}},
                   "down{}:1=3;up{job=\"a\"}:1=1;"},
        SelectCase{"absent label fails non-empty regex",
                   {{MatchType::kRegex, "env", ".+"}},
                   "up{env=\"prod\", job=\"b\"}:1=2;"},
        SelectCase{"conjunction",
                   {{MatchType::kEqual, "__name__", "up"}, {MatchType::kNotEqual, "env", "prod"}},
                   "up{job=\"a\"}:1=1;"},
        SelectCase{"no match", {{MatchType::kEqual, "__name__", "nope"}}, ""},
        SelectCase{"no matchers: everything",
                   {},
                   "down{}:1=3;up{env=\"prod\", job=\"b\"}:1=2;up{job=\"a\"}:1=1;"}));

TEST(MemoryStorage, BoundsAreInclusiveAndTrimSeries) {
  MemoryStorage st;
  add(st, {{kA, 10, 1}, {kA, 20, 2}, {kA, 30, 3}, {kA, 40, 4}, {kC, 100, 9}});
  Matchers any{m(MatchType::kRegex, "__name__", ".+")};
  EXPECT_EQ(dump(st, 20, 30, any), "up{job=\"a\"}:20=2,30=3;");
  EXPECT_EQ(dump(st, 40, 100, any), "down{}:100=9;up{job=\"a\"}:40=4;");
  EXPECT_EQ(dump(st, 41, 99, any), "") << "series without samples in bounds are not selected";
  EXPECT_EQ(dump(st, model::kMinTime, model::kMaxTime, any),
            "down{}:100=9;up{job=\"a\"}:10=1,20=2,30=3,40=4;");
  EXPECT_EQ(dump(st, 30, 20, any), "") << "empty window";
}

TEST(MemoryStorage, IteratorSeek) {
  MemoryStorage st;
  add(st, {{kA, 10, 1}, {kA, 20, 2}, {kA, 30, 3}, {kA, 40, 4}, {kA, 50, 5}});
  auto q = st.querier(15, 45);
  ASSERT_TRUE(q.is_ok());
  auto set = (*q)->select(false, nullptr, {m(MatchType::kEqual, "job", "a")});
  ASSERT_TRUE(set->next());
  auto it = set->at().iterator();
  ASSERT_TRUE(it->seek(0));  // before the first: lands on the first in bounds
  EXPECT_EQ(it->at().t, 20);
  ASSERT_TRUE(it->seek(5));  // never moves backwards
  EXPECT_EQ(it->at().t, 20);
  ASSERT_TRUE(it->seek(21));
  EXPECT_EQ(it->at().t, 30);
  ASSERT_TRUE(it->seek(30));  // already there: stays
  EXPECT_EQ(it->at().t, 30);
  ASSERT_TRUE(it->next());
  EXPECT_EQ(it->at().t, 40);
  EXPECT_FALSE(it->seek(41)) << "50 is outside the querier's bounds";
  EXPECT_FALSE(it->next());
  EXPECT_FALSE(set->next());

  // next_batch (default implementation) over a fresh iterator.
  auto it2 = set->at().iterator();
  Timestamp ts[8];
  double vs[8];
  ASSERT_EQ(it2->next_batch(ts, vs, 8), 3u);
  EXPECT_EQ(ts[0], 20);
  EXPECT_EQ(vs[2], 4);
  EXPECT_EQ(it2->next_batch(ts, vs, 8), 0u);
}

TEST(MemoryStorage, LabelNamesAndValues) {
  MemoryStorage st;
  add(st, {{kA, 10, 1}, {kB, 20, 2}, {kC, 30, 3}});
  auto q = st.querier(0, 100);
  ASSERT_TRUE(q.is_ok());
  auto names = (*q)->label_names({});
  ASSERT_TRUE(names.is_ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"__name__", "env", "job"}));
  names = (*q)->label_names({m(MatchType::kEqual, "job", "a")});
  EXPECT_EQ(*names, (std::vector<std::string>{"__name__", "job"}));
  auto values = (*q)->label_values("__name__", {});
  EXPECT_EQ(*values, (std::vector<std::string>{"down", "up"}));
  values = (*q)->label_values("job", {m(MatchType::kNotEqual, "env", "prod")});
  EXPECT_EQ(*values, (std::vector<std::string>{"a"}));
  tsdb::LabelHints limit;
  limit.limit = 1;
  values = (*q)->label_values("job", {}, limit);
  EXPECT_EQ(*values, (std::vector<std::string>{"a"}));

  // Bounds restrict label look-ups too.
  auto q2 = st.querier(15, 25);
  ASSERT_TRUE(q2.is_ok());
  EXPECT_EQ(*(*q2)->label_values("job", {}), (std::vector<std::string>{"b"}));
  EXPECT_EQ(*(*q2)->label_names({}), (std::vector<std::string>{"__name__", "env", "job"}));
}

TEST(MemoryStorage, QuerierSeesASnapshot) {
  MemoryStorage st;
  add(st, {{kA, 10, 1}});
  auto q = st.querier(0, 100);
  ASSERT_TRUE(q.is_ok());
  add(st, {{kA, 20, 2}, {kB, 20, 2}});
  auto set = (*q)->select(true, nullptr, {m(MatchType::kRegex, "job", ".+")});
  st.clear();
  ASSERT_TRUE(set->next());
  EXPECT_EQ(set->at().labels(), kA);
  auto it = set->at().iterator();
  ASSERT_TRUE(it->next());
  EXPECT_EQ(it->at().t, 10);
  EXPECT_FALSE(it->next());
  EXPECT_FALSE(set->next());
  EXPECT_EQ(st.num_series(), 0u);
}

TEST(MemoryStorage, RacingAppendersDropConflictsAtCommit) {
  MemoryStorage st;
  auto a1 = st.appender();
  auto a2 = st.appender();
  ASSERT_TRUE(a1->append(0, kA, 10, 1).is_ok());
  ASSERT_TRUE(a2->append(0, kA, 5, 2).is_ok());   // older than a1's, but a1 is not committed
  ASSERT_TRUE(a2->append(0, kA, 10, 1).is_ok());  // identical to a1's: not a conflict
  ASSERT_TRUE(a2->append(0, kA, 20, 3).is_ok());
  ASSERT_TRUE(a1->commit().is_ok());
  ASSERT_TRUE(a2->commit().is_ok());
  EXPECT_EQ(st.dropped_at_commit(), 1u);
  EXPECT_EQ(dump(st, 0, 100, {m(MatchType::kEqual, "job", "a")}), "up{job=\"a\"}:10=1,20=3;");
}

TEST(MemoryStorage, ConcurrentWritersAndReaders) {
  MemoryStorage st;
  constexpr int kThreads = 4;
  constexpr int kBatches = 50;
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&st, w] {
      Labels l{{"__name__", "m"}, {"w", std::to_string(w)}};
      for (int b = 0; b < kBatches; ++b) {
        auto app = st.appender();
        for (int k = 0; k < 10; ++k) {
          ASSERT_TRUE(app->append(0, l, b * 10 + k, k).is_ok());
        }
        ASSERT_TRUE(app->commit().is_ok());
      }
    });
  }
  threads.emplace_back([&st] {
    for (int r = 0; r < 50; ++r) {
      auto q = st.querier(model::kMinTime, model::kMaxTime);
      ASSERT_TRUE(q.is_ok());
      auto set = (*q)->select(true, nullptr, {m(MatchType::kEqual, "__name__", "m")});
      while (set->next()) {
        auto it = set->at().iterator();
        Timestamp prev = -1;
        while (it->next()) {
          ASSERT_GT(it->at().t, prev);
          prev = it->at().t;
        }
      }
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(st.num_series(), size_t{kThreads});
  EXPECT_EQ(st.num_samples(), size_t{kThreads * kBatches * 10});
  EXPECT_EQ(st.dropped_at_commit(), 0u);
}

TEST(MemoryStorage, DebugString) {
  MemoryStorage st;
  add(st, {{kC, 1, 2}, {kC, 2, model::stale_nan()}});
  EXPECT_EQ(st.debug_string(), "down{} => 1:2 2:stale\n");
}

}  // namespace
}  // namespace promlite::testutil
