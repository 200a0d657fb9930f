#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/labels.h"
#include "tests/tsdb/head_test_util.h"
#include "tsdb/head/head.h"

namespace promlite::tsdb::head {
namespace {

using model::Labels;
using model::MatchType;
using model::Sample;
using model::Timestamp;
using tsdb::testing::matcher;
using tsdb::testing::read_all;

// One series with samples at t = 0, 10, 20, ... (n samples), value t/10,
// small chunks so iterators cross many boundaries.
class HeadIteratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HeadOptions opts;
    opts.chunks.max_samples = 7;
    head_ = std::make_unique<Head>(opts);
    auto app = head_->appender();
    for (int i = 0; i < kN; ++i) ASSERT_TRUE(app->append(0, labels_, i * 10, i).is_ok());
    ASSERT_TRUE(app->commit().is_ok());
  }

  std::unique_ptr<SampleIterator> iter(Timestamp mint, Timestamp maxt) {
    q_ = head_->querier(mint, maxt).value();
    set_ = q_->select(false, nullptr, {matcher(MatchType::kEqual, "job", "x")});
    if (!set_->next()) return nullptr;
    return set_->at().iterator(nullptr);
  }

  static constexpr int kN = 100;  // t in [0, 990]
  Labels labels_{{"__name__", "m"}, {"job", "x"}};
  std::unique_ptr<Head> head_;
  std::unique_ptr<Querier> q_;
  std::unique_ptr<SeriesSet> set_;
};

TEST_F(HeadIteratorTest, BoundsAcrossChunks) {
  struct Case {
    Timestamp mint, maxt;
    Timestamp first, last;
    size_t count;
  };
  std::vector<Case> cases = {
      {model::kMinTime, model::kMaxTime, 0, 990, 100},
      {65, 135, 70, 130, 7},  // inside two chunks
      {70, 139, 70, 130, 7},  // exactly a chunk start
      {0, 0, 0, 0, 1},
      {985, 5000, 990, 990, 1},
      {-50, 5, 0, 0, 1},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(::testing::Message() << tc.mint << ".." << tc.maxt);
    auto it = iter(tc.mint, tc.maxt);
    ASSERT_TRUE(it);
    std::vector<Sample> got;
    while (it->next()) got.push_back(it->at());
    ASSERT_EQ(got.size(), tc.count);
    EXPECT_EQ(got.front().t, tc.first);
    EXPECT_EQ(got.back().t, tc.last);
    for (size_t i = 1; i < got.size(); ++i) EXPECT_EQ(got[i].t, got[i - 1].t + 10);
    for (const Sample& s : got) EXPECT_EQ(s.v, s.t / 10);
  }
  // No sample inside the bounds: not selected, even when the series' time
  // range or a chunk's range covers them.
  EXPECT_FALSE(iter(991, 999));
  EXPECT_FALSE(iter(10, 5));
  EXPECT_FALSE(iter(61, 69));    // between two sealed chunks
  EXPECT_FALSE(iter(71, 79));    // inside one sealed chunk
  EXPECT_FALSE(iter(981, 989));  // inside the open chunk
  auto q = head_->querier(61, 69).value();
  EXPECT_TRUE(q->label_values("job", {})->empty());
  EXPECT_TRUE(q->label_names({})->empty());
}

TEST_F(HeadIteratorTest, Seek) {
  auto it = iter(100, 800);
  ASSERT_TRUE(it);
  ASSERT_TRUE(it->seek(0));  // before mint: first sample in bounds
  EXPECT_EQ(it->at().t, 100);
  ASSERT_TRUE(it->seek(55));  // never backwards
  EXPECT_EQ(it->at().t, 100);
  ASSERT_TRUE(it->seek(333));  // several chunks ahead
  EXPECT_EQ(it->at().t, 340);
  ASSERT_TRUE(it->next());
  EXPECT_EQ(it->at().t, 350);
  ASSERT_TRUE(it->seek(350));
  EXPECT_EQ(it->at().t, 350);
  ASSERT_TRUE(it->seek(800));
  EXPECT_EQ(it->at().t, 800);
  EXPECT_FALSE(it->next());
  EXPECT_FALSE(it->seek(900));

  auto it2 = iter(100, 800);
  EXPECT_FALSE(it2->seek(801));
  auto it3 = iter(model::kMinTime, model::kMaxTime);
  ASSERT_TRUE(it3->seek(985));
  EXPECT_EQ(it3->at().t, 990);  // in the open chunk
  EXPECT_FALSE(it3->next());
}

TEST_F(HeadIteratorTest, NextBatchMatchesNext) {
  for (size_t batch : {1, 3, 7, 8, 64, 1000}) {
    SCOPED_TRACE(batch);
    auto it = iter(45, 905);
    std::vector<Timestamp> ts(batch);
    std::vector<double> vs(batch);
    std::vector<Timestamp> got;
    ASSERT_TRUE(it->next());  // mix next() and batches
    got.push_back(it->at().t);
    for (;;) {
      size_t n = it->next_batch(ts.data(), vs.data(), batch);
      if (n == 0) break;
      for (size_t i = 0; i < n; ++i) {
        got.push_back(ts[i]);
        EXPECT_EQ(vs[i], ts[i] / 10);
      }
      EXPECT_EQ(it->at().t, ts[n - 1]);
    }
    ASSERT_EQ(got.size(), 86u);
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], 50 + 10 * static_cast<Timestamp>(i));
  }
}

TEST_F(HeadIteratorTest, ReuseAndSnapshot) {
  auto q = head_->querier(model::kMinTime, model::kMaxTime).value();
  auto set = q->select(false, nullptr, {matcher(MatchType::kEqual, "job", "x")});
  ASSERT_TRUE(set->next());
  // Appends after select are not seen by iterators of that select.
  auto app = head_->appender();
  ASSERT_TRUE(app->append(0, labels_, 5000, 1).is_ok());
  ASSERT_TRUE(app->commit().is_ok());
  auto it = set->at().iterator(nullptr);
  size_t n = 0;
  while (it->next()) ++n;
  EXPECT_EQ(n, 100u);
  auto it2 = set->at().iterator(std::move(it));  // recycled
  n = 0;
  while (it2->next()) ++n;
  EXPECT_EQ(n, 100u);
}

class HeadLabelsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.appender();
    add(*app, {{"__name__", "up"}, {"job", "api"}, {"zone", "a"}}, 100);
    add(*app, {{"__name__", "up"}, {"job", "db"}}, 200);
    add(*app, {{"__name__", "rpc"}, {"job", "api"}, {"code", "500"}}, 300);
    add(*app, {{"__name__", "old"}, {"job", "batch"}}, 10);
    ASSERT_TRUE(app->commit().is_ok());
  }
  void add(Appender& app, Labels l, Timestamp t) { ASSERT_TRUE(app.append(0, l, t, 1).is_ok()); }
  std::vector<std::string> names(Timestamp mint, Timestamp maxt, model::Matchers ms,
                                 size_t limit = 0) {
    auto q = head_.querier(mint, maxt).value();
    return *q->label_names(ms, {limit});
  }
  std::vector<std::string> values(const std::string& n, Timestamp mint, Timestamp maxt,
                                  model::Matchers ms, size_t limit = 0) {
    auto q = head_.querier(mint, maxt).value();
    return *q->label_values(n, ms, {limit});
  }
  Head head_;
};

using Strs = std::vector<std::string>;

TEST_F(HeadLabelsTest, NamesAndValues) {
  const Timestamp lo = model::kMinTime, hi = model::kMaxTime;
  EXPECT_EQ(names(lo, hi, {}), (Strs{"__name__", "code", "job", "zone"}));
  EXPECT_EQ(names(150, hi, {}), (Strs{"__name__", "code", "job"}));
  EXPECT_EQ(names(lo, hi, {}, 2), (Strs{"__name__", "code"}));
  EXPECT_EQ(names(lo, hi, {matcher(MatchType::kEqual, "__name__", "up")}),
            (Strs{"__name__", "job", "zone"}));
  EXPECT_EQ(names(lo, 150, {matcher(MatchType::kEqual, "__name__", "up")}),
            (Strs{"__name__", "job", "zone"}));
  EXPECT_EQ(names(150, 250, {matcher(MatchType::kEqual, "__name__", "up")}),
            (Strs{"__name__", "job"}));
  EXPECT_EQ(values("job", lo, hi, {}), (Strs{"api", "batch", "db"}));
  EXPECT_EQ(values("job", 50, hi, {}), (Strs{"api", "db"}));
  EXPECT_EQ(values("job", lo, hi, {}, 1), (Strs{"api"}));
  EXPECT_EQ(values("job", lo, hi, {matcher(MatchType::kNotEqual, "__name__", "rpc")}),
            (Strs{"api", "batch", "db"}));
  EXPECT_EQ(values("job", lo, hi, {matcher(MatchType::kRegex, "code", "5..")}), (Strs{"api"}));
  EXPECT_EQ(values("__name__", 250, 300, {}), (Strs{"rpc"}));
  EXPECT_TRUE(values("nolabel", lo, hi, {}).empty());
}

TEST_F(HeadLabelsTest, SelectSortedByLabels) {
  auto got = read_all(head_, model::kMinTime, model::kMaxTime,
                      {matcher(MatchType::kRegex, "job", ".+")}, true);
  ASSERT_EQ(got.size(), 4u);
  for (size_t i = 1; i < got.size(); ++i) {
    EXPECT_LT(Labels::compare(got[i - 1].labels, got[i].labels), 0);
  }
}

}  // namespace
}  // namespace promlite::tsdb::head
