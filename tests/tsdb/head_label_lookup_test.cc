// Label names and values with matchers over the head, against a brute-force
// answer: both the per-series path (few selected series) and the postings
// path (many), with time bounds that leave some selected series out. Also the
// sorted select order (Labels::compare) on label sets with long shared prefixes.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "tests/tsdb/head_test_util.h"
#include "tsdb/head/head.h"

namespace promlite::tsdb::head {
namespace {

using model::MatchType;
using testing::matcher;

constexpr int kSeries = 4000;

// Series i: its sample at t = 1000 (i < 2000) or 5000 (others).
model::Labels labels_of(int i) {
  model::LabelsBuilder b{model::Labels{}};
  b.set("__name__", "flink_taskmanager_job_task_operator_m" + std::to_string(i % 3));
  b.set("job", i % 2 ? "fluss" : "flink");
  b.set("instance", "10.42.0." + std::to_string(i % 50) + ":9249");
  b.set("subtask_index", std::to_string(i % 64));
  if (i % 7 == 0) b.set("rare", "r" + std::to_string(i % 5));
  if (i >= 3900) b.set("late_only", "x");  // only on series sampled at 5000
  return b.build();
}

int64_t time_of(int i) { return i < 2000 ? 1000 : 5000; }

class HeadLabelLookupTest : public ::testing::Test {
 protected:
  HeadLabelLookupTest() {
    auto app = head_.appender();
    for (int i = 0; i < kSeries; ++i) {
      EXPECT_TRUE(app->append(0, labels_of(i), time_of(i), i).is_ok());
    }
    EXPECT_TRUE(app->commit().is_ok());
  }

  // The series a brute-force scan selects.
  std::vector<model::Labels> selected(const model::Matchers& ms, int64_t mint, int64_t maxt) {
    std::vector<model::Labels> out;
    for (int i = 0; i < kSeries; ++i) {
      if (time_of(i) < mint || time_of(i) > maxt) continue;
      model::Labels l = labels_of(i);
      bool ok = std::all_of(ms.begin(), ms.end(),
                            [&](const model::Matcher& m) { return m.matches(l.get(m.name())); });
      if (ok) out.push_back(l);
    }
    return out;
  }

  Head head_;
};

TEST_F(HeadLabelLookupTest, NamesAndValuesMatchBruteForce) {
  const std::vector<model::Matchers> sets = {
      {matcher(MatchType::kEqual, "job", "flink")},  // 2000 series: postings path
      {matcher(MatchType::kEqual, "job", "fluss"),
       matcher(MatchType::kEqual, "__name__", "flink_taskmanager_job_task_operator_m1")},
      {matcher(MatchType::kEqual, "instance", "10.42.0.7:9249")},  // 80: per-series path
      {matcher(MatchType::kNotRegex, "job", "flink")},
      {matcher(MatchType::kEqual, "rare", "r3")},
      {matcher(MatchType::kEqual, "job", "nope")},
  };
  const std::vector<std::pair<int64_t, int64_t>> bounds = {
      {INT64_MIN, INT64_MAX}, {0, 2000}, {4000, 6000}, {6000, 7000}};
  for (const auto& ms : sets) {
    for (auto [mint, maxt] : bounds) {
      SCOPED_TRACE(ms[0].name() + " " + std::to_string(mint) + ".." + std::to_string(maxt));
      auto want_series = selected(ms, mint, maxt);
      std::set<std::string> want_names;
      std::map<std::string, std::set<std::string>> want_values;
      for (const auto& l : want_series) {
        for (model::Label x : l) {
          want_names.emplace(x.name);
          want_values[std::string(x.name)].emplace(x.value);
        }
      }
      auto q = head_.querier(mint, maxt);
      ASSERT_TRUE(q.is_ok());
      auto names = (*q)->label_names(ms);
      ASSERT_TRUE(names.is_ok());
      EXPECT_EQ(*names, std::vector<std::string>(want_names.begin(), want_names.end()));
      for (const char* n : {"__name__", "instance", "rare", "late_only", "absent"}) {
        auto values = (*q)->label_values(n, ms);
        ASSERT_TRUE(values.is_ok());
        const auto& w = want_values[n];
        EXPECT_EQ(*values, std::vector<std::string>(w.begin(), w.end())) << n;
      }
      // The limit keeps the first names/values in order.
      auto limited = (*q)->label_values("instance", ms, {3});
      ASSERT_TRUE(limited.is_ok());
      std::vector<std::string> w(want_values["instance"].begin(), want_values["instance"].end());
      if (w.size() > 3) w.resize(3);
      EXPECT_EQ(*limited, w);
    }
  }
}

TEST_F(HeadLabelLookupTest, SortedSelectIsInLabelOrder) {
  auto q = head_.querier(INT64_MIN, INT64_MAX);
  ASSERT_TRUE(q.is_ok());
  auto ss = (*q)->select(true, nullptr, {matcher(MatchType::kEqual, "job", "flink")});
  std::vector<model::Labels> got;
  while (ss->next()) got.push_back(ss->at().labels());
  auto want = selected({matcher(MatchType::kEqual, "job", "flink")}, INT64_MIN, INT64_MAX);
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  // Label sets where one is a prefix of the other, and values that are
  // prefixes of each other (the byte-wise shortcut must not decide those).
  Head h;
  auto app = h.appender();
  const std::vector<model::Labels> sets = {
      model::Labels{{"a", "x"}},
      model::Labels{{"a", "x"}, {"b", "1"}},
      model::Labels{{"a", "xy"}},
      model::Labels{{"a", "x"}, {"bb", "1"}},
      model::Labels{{"a", "x"}, {"b", "10"}},
      model::Labels{{"a", "x"}, {"b", "1"}, {"c", std::string(200, 'z')}},
      model::Labels{{"a", "x"}, {"b", "1"}, {"c", std::string(199, 'z')}},
      model::Labels{{"aa", ""}, {"ab", "1"}},
  };
  for (const auto& l : sets) ASSERT_TRUE(app->append(0, l, 1, 1).is_ok());
  ASSERT_TRUE(app->commit().is_ok());
  auto hq = h.querier(INT64_MIN, INT64_MAX);
  ASSERT_TRUE(hq.is_ok());
  auto all = (*hq)->select(true, nullptr, {matcher(MatchType::kRegex, "a", ".+")});
  std::vector<model::Labels> order;
  while (all->next()) order.push_back(all->at().labels());
  std::vector<model::Labels> sorted_sets;
  for (const auto& l : sets) {
    if (!l.get("a").empty()) sorted_sets.push_back(l);
  }
  std::sort(sorted_sets.begin(), sorted_sets.end());
  EXPECT_EQ(order, sorted_sets);
}

// The sort keys use 00 as a separator: names or values with a 00 byte take
// the slower comparison, and bytes >= 0x80 compare unsigned either way.
TEST_F(HeadLabelLookupTest, SortedSelectWithNulAndHighBytes) {
  using namespace std::string_literals;
  for (bool with_nul : {false, true}) {
    SCOPED_TRACE(with_nul ? "with a NUL value" : "without");
    std::vector<model::Labels> sets = {
        model::Labels{{"a", "x"}, {"b", "\xc3\xa9"}},
        model::Labels{{"a", "x"}, {"b", "e"}},
        model::Labels{{"a", "x\x7f"}},
        model::Labels{{"a", "x\x80"}},
        model::Labels{{"a", "x"}, {"b\xff", "1"}},
        model::Labels{{"a", "x"}, {"b", "e"}, {"c", "1"}},
    };
    if (with_nul) {
      sets.push_back(model::Labels{{"a", "x\0y"s}});
      sets.push_back(model::Labels{{"a", "x"}, {"b", "e\0"s}});
    }
    Head h;
    auto app = h.appender();
    for (const auto& l : sets) ASSERT_TRUE(app->append(0, l, 1, 1).is_ok());
    ASSERT_TRUE(app->commit().is_ok());
    auto hq = h.querier(INT64_MIN, INT64_MAX);
    ASSERT_TRUE(hq.is_ok());
    auto all = (*hq)->select(true, nullptr, {matcher(MatchType::kRegex, "a", ".+")});
    std::vector<model::Labels> order;
    while (all->next()) order.push_back(all->at().labels());
    std::sort(sets.begin(), sets.end());
    EXPECT_EQ(order, sets);
  }
}

}  // namespace
}  // namespace promlite::tsdb::head
