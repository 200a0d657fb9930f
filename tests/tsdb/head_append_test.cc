#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "model/labels.h"
#include "model/sample.h"
#include "tests/tsdb/head_test_util.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/head/head.h"

namespace promlite::tsdb::head {
namespace {

using model::Labels;
using model::Sample;
using model::Timestamp;
using tsdb::testing::matcher;
using tsdb::testing::read_all;

const std::vector<Labels> kSeries = {
    {{"__name__", "up"}, {"job", "a"}},
    {{"__name__", "up"}, {"job", "b"}},
};

struct Op {
  int series;
  Timestamp t;
  double v;
  StatusCode want = StatusCode::kOk;
};
struct Batch {
  std::vector<Op> ops;
  bool commit = true;
};
struct Case {
  const char* name;
  std::vector<Batch> batches;
  std::map<int, std::vector<Sample>> want;  // committed samples per series
};

std::vector<Sample> samples_of(Head& head, const Labels& l) {
  model::Matchers ms;
  for (const model::Label& x : l) {
    ms.push_back(matcher(model::MatchType::kEqual, std::string(x.name), std::string(x.value)));
  }
  auto got = read_all(head, model::kMinTime, model::kMaxTime, ms);
  std::vector<Sample> out;
  for (const auto& s : got) {
    if (s.labels == l) out = s.samples;
  }
  return out;
}

TEST(HeadAppendTest, Rules) {
  const double nan = model::bits_to_float(0x7ff8000000000001ULL);
  std::vector<Case> cases = {
      {"in_order", {{{{0, 1, 1}, {0, 2, 2}}}}, {{0, {{1, 1}, {2, 2}}}}},
      {"ooo_in_batch",
       {{{{0, 5, 1}, {0, 4, 1, StatusCode::kOutOfOrder}, {0, 6, 1}}}},
       {{0, {{5, 1}, {6, 1}}}}},
      {"ooo_across_batches",
       {{{{0, 5, 1}}}, {{{0, 4, 1, StatusCode::kOutOfOrder}, {0, 7, 1}}}},
       {{0, {{5, 1}, {7, 1}}}}},
      {"same_t_same_value_once", {{{{0, 5, 1}, {0, 5, 1}}}, {{{0, 5, 1}}}}, {{0, {{5, 1}}}}},
      {"same_t_other_value",
       {{{{0, 5, 1}, {0, 5, 2, StatusCode::kDuplicateSample}}},
        {{{0, 5, 3, StatusCode::kDuplicateSample}}}},
       {{0, {{5, 1}}}}},
      {"nan_bits_compared",
       {{{{0, 5, nan}, {0, 5, nan}, {0, 5, model::stale_nan(), StatusCode::kDuplicateSample}}}},
       {{0, {{5, nan}}}}},
      {"stale_marker_stored",
       {{{{0, 5, 1}, {0, 6, model::stale_nan()}}}},
       {{0, {{5, 1}, {6, model::stale_nan()}}}}},
      {"rollback_drops_batch",
       {{{{0, 1, 1}, {1, 1, 1}}, false}, {{{0, 1, 2}}}},
       {{0, {{1, 2}}}, {1, {}}}},
      {"rollback_keeps_committed",
       {{{{0, 1, 1}}}, {{{0, 2, 2}}, false}, {{{0, 2, 3}}}},
       {{0, {{1, 1}, {2, 3}}}}},
      {"series_independent",
       {{{{0, 10, 1}, {1, 5, 1}, {0, 11, 1}, {1, 4, 0, StatusCode::kOutOfOrder}}}},
       {{0, {{10, 1}, {11, 1}}}, {1, {{5, 1}}}}},
      {"negative_timestamps",
       {{{{0, -7200001, 1}, {0, -5, 2}, {0, 0, 3}}}},
       {{0, {{-7200001, 1}, {-5, 2}, {0, 3}}}}},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.name);
    Head head;
    for (const Batch& b : tc.batches) {
      auto app = head.appender();
      for (const Op& op : b.ops) {
        auto r = app->append(0, kSeries[op.series], op.t, op.v);
        EXPECT_EQ(r.status().code(), op.want) << "t=" << op.t << " " << r.status().to_string();
      }
      if (b.commit) {
        ASSERT_TRUE(app->commit().is_ok());
      } else {
        app->rollback();
      }
    }
    for (const auto& [idx, want] : tc.want) {
      auto got = samples_of(head, kSeries[idx]);
      ASSERT_EQ(got.size(), want.size()) << kSeries[idx].to_string();
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].t, want[i].t);
        EXPECT_EQ(model::float_bits(got[i].v), model::float_bits(want[i].v));
      }
    }
  }
}

TEST(HeadAppendTest, InvalidLabels) {
  Head head;
  auto app = head.appender();
  EXPECT_EQ(app->append(0, Labels{}, 1, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(app->append(0, Labels{{"", "x"}}, 1, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(app->commit().is_ok());
  EXPECT_EQ(head.num_series(), 0u);
}

TEST(HeadAppendTest, RefsAreStableAndSkipLabels) {
  Head head;
  auto app = head.appender();
  auto a = app->append(0, kSeries[0], 1, 1);
  auto b = app->append(0, kSeries[1], 1, 1);
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  EXPECT_NE(*a, *b);
  EXPECT_NE(*a, 0u);
  // The fast path trusts the ref: labels are not even looked at.
  auto a2 = app->append(*a, kSeries[1], 2, 2);
  ASSERT_TRUE(a2.is_ok());
  EXPECT_EQ(*a2, *a);
  ASSERT_TRUE(app->commit().is_ok());

  auto app2 = head.appender();
  auto a3 = app2->append(0, kSeries[0], 3, 3);
  ASSERT_TRUE(a3.is_ok());
  EXPECT_EQ(*a3, *a);  // same series, same id, across batches
  // An unknown ref falls back to the labels.
  auto b2 = app2->append(987654, kSeries[1], 3, 3);
  ASSERT_TRUE(b2.is_ok());
  EXPECT_EQ(*b2, *b);
  ASSERT_TRUE(app2->commit().is_ok());
  EXPECT_EQ(samples_of(head, kSeries[0]).size(), 3u);
  EXPECT_EQ(samples_of(head, kSeries[1]).size(), 2u);
  EXPECT_EQ(head.num_series(), 2u);

  // A ref with no labels (appender.h): a live ref appends, an unknown one is
  // refused without a trace, so the caller can retry with the labels.
  auto app3 = head.appender();
  EXPECT_TRUE(app3->append(*a, Labels{}, 4, 4).is_ok());
  EXPECT_EQ(app3->append(987654, Labels{}, 4, 4).status().code(), StatusCode::kInvalidArgument);
  // A refused sample by ref alone still names its series in the message.
  auto old_sample = app3->append(*a, Labels{}, 2, 9);
  EXPECT_EQ(old_sample.status().code(), StatusCode::kOutOfOrder);
  EXPECT_NE(old_sample.status().message().find(kSeries[0].to_string()), std::string::npos)
      << old_sample.status().message();
  ASSERT_TRUE(app3->commit().is_ok());
  EXPECT_EQ(samples_of(head, kSeries[0]).size(), 4u);
  EXPECT_EQ(head.num_series(), 2u);
}

TEST(HeadAppendTest, NewSeriesVisibleAtCommit) {
  Head head;
  auto app = head.appender();
  ASSERT_TRUE(app->append(0, kSeries[0], 10, 1).is_ok());
  // Created (refs work), but without a committed sample it is not visible.
  EXPECT_EQ(head.num_series(), 1u);
  EXPECT_TRUE(samples_of(head, kSeries[0]).empty());
  auto q = head.querier(model::kMinTime, model::kMaxTime);
  ASSERT_TRUE(q.is_ok());
  EXPECT_TRUE((*q)->label_values("job", {})->empty());
  EXPECT_TRUE((*q)->label_names({})->empty());
  ASSERT_TRUE(app->commit().is_ok());
  EXPECT_EQ(samples_of(head, kSeries[0]).size(), 1u);
  EXPECT_EQ(*(*q)->label_values("job", {}), std::vector<std::string>{"a"});
}

TEST(HeadAppendTest, DestroyingUncommittedRollsBack) {
  Head head;
  {
    auto app = head.appender();
    ASSERT_TRUE(app->append(0, kSeries[0], 10, 1).is_ok());
  }
  EXPECT_TRUE(samples_of(head, kSeries[0]).empty());
  EXPECT_EQ(head.gc(model::kMinTime), 1u);  // the empty series is collectable
  EXPECT_EQ(head.num_series(), 0u);
}

TEST(HeadAppendTest, SpentAppenderFails) {
  Head head;
  auto app = head.appender();
  ASSERT_TRUE(app->commit().is_ok());
  EXPECT_EQ(app->append(0, kSeries[0], 1, 1).status().code(), StatusCode::kInternal);
  EXPECT_EQ(app->commit().code(), StatusCode::kInternal);
}

TEST(HeadAppendTest, RacingBatchesDropConflictsAtCommit) {
  Head head;
  auto a = head.appender();
  auto b = head.appender();
  ASSERT_TRUE(a->append(0, kSeries[0], 10, 1).is_ok());
  ASSERT_TRUE(b->append(0, kSeries[0], 10, 2).is_ok());  // a's sample is not committed yet
  ASSERT_TRUE(b->append(0, kSeries[0], 20, 2).is_ok());
  ASSERT_TRUE(b->commit().is_ok());
  ASSERT_TRUE(a->commit().is_ok());  // its t=10 now conflicts
  auto got = samples_of(head, kSeries[0]);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].v, 2);
  EXPECT_EQ(head.stats().dropped_at_commit, 1u);
}

TEST(HeadAppendTest, Counters) {
  Head head;
  auto app = head.appender();
  ASSERT_TRUE(app->append(0, kSeries[0], 10, 1).is_ok());
  ASSERT_TRUE(app->append(0, kSeries[0], 11, 1).is_ok());
  EXPECT_FALSE(app->append(0, kSeries[0], 9, 1).is_ok());
  EXPECT_FALSE(app->append(0, kSeries[0], 11, 2).is_ok());
  ASSERT_TRUE(app->append(0, kSeries[0], 11, 1).is_ok());  // identical, not stored
  ASSERT_TRUE(app->append(0, kSeries[1], 11, 1).is_ok());
  ASSERT_TRUE(app->commit().is_ok());
  HeadStats s = head.stats();
  EXPECT_EQ(s.series, 2u);
  EXPECT_EQ(s.series_created, 2u);
  EXPECT_EQ(s.samples_appended, 3u);
  EXPECT_EQ(s.out_of_order, 1u);
  EXPECT_EQ(s.duplicates, 1u);
}

TEST(HeadChunkTest, CutsAt120SamplesAndAtAlignedBoundary) {
  Head head;
  auto app = head.appender();
  SeriesRef ref = 0;
  // 250 samples every 15s from t=0: chunks of 120, 120, then 10 open.
  for (int i = 0; i < 250; ++i) {
    auto r = app->append(ref, kSeries[0], i * 15000, i * 0.5);
    ASSERT_TRUE(r.is_ok());
    ref = *r;
  }
  ASSERT_TRUE(app->commit().is_ok());
  auto s = head.series_by_id(ref);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->sealed().size(), 2u);
  EXPECT_EQ(s->open_count(), 10u);
  EXPECT_EQ(s->sealed()[0]->min_t, 0);
  EXPECT_EQ(s->sealed()[0]->max_t, 119 * 15000);

  // Every minute across the 2h boundary: the chunk is cut at 7200000 even
  // though it holds fewer than 120 samples.
  auto app2 = head.appender();
  SeriesRef ref2 = 0;
  const Timestamp start = 7200000 - 10 * 60000;
  for (int i = 0; i < 20; ++i) {
    auto r = app2->append(ref2, kSeries[1], start + i * 60000, 7);
    ASSERT_TRUE(r.is_ok());
    ref2 = *r;
  }
  ASSERT_TRUE(app2->commit().is_ok());
  auto s2 = head.series_by_id(ref2);
  ASSERT_EQ(s2->sealed().size(), 1u);
  EXPECT_EQ(s2->sealed()[0]->max_t, 7200000 - 60000);
  EXPECT_EQ(s2->open_min_t(), 7200000);
  EXPECT_EQ(s2->open_count(), 10u);
  // Constant values are sealed with a compact codec, not XOR.
  auto meta = chunkenc::read_chunk_meta(chunkenc::as_bytes(s2->sealed()[0]->data));
  ASSERT_TRUE(meta.is_ok());
  EXPECT_NE(meta->encoding, chunkenc::Encoding::kXor);
  EXPECT_EQ(meta->count, 10u);
}

TEST(HeadGcTest, DropsIdleSeriesAndTheirPostings) {
  Head head;
  const Labels c{{"__name__", "up"}, {"job", "c"}};
  auto app = head.appender();
  SeriesRef ra = *app->append(0, kSeries[0], 100, 1);
  ASSERT_TRUE(app->append(0, kSeries[1], 200, 1).is_ok());
  ASSERT_TRUE(app->commit().is_ok());
  auto open = head.appender();  // pins series c with an uncommitted sample
  ASSERT_TRUE(open->append(0, c, 50, 1).is_ok());

  EXPECT_EQ(head.gc(150), 1u);  // a; not b (newer), not c (pinned)
  EXPECT_EQ(head.num_series(), 2u);
  EXPECT_EQ(head.stats().series_removed, 1u);
  EXPECT_EQ(head.postings().get("job", "a").size(), 0u);
  EXPECT_TRUE(samples_of(head, kSeries[0]).empty());
  ASSERT_TRUE(open->commit().is_ok());
  EXPECT_EQ(samples_of(head, c).size(), 1u);

  // The old ref is dead: appending with it re-creates the series by labels.
  auto app2 = head.appender();
  auto r = app2->append(ra, kSeries[0], 300, 1);
  ASSERT_TRUE(r.is_ok());
  EXPECT_NE(*r, ra);
  ASSERT_TRUE(app2->commit().is_ok());
  EXPECT_EQ(samples_of(head, kSeries[0]).size(), 1u);
  EXPECT_EQ(head.postings().get("job", "a").size(), 1u);
}

TEST(HeadGcTest, QuerierKeepsDroppedSeriesData) {
  Head head;
  auto app = head.appender();
  ASSERT_TRUE(app->append(0, kSeries[0], 100, 1).is_ok());
  ASSERT_TRUE(app->commit().is_ok());
  auto q = head.querier(0, 1000);
  ASSERT_TRUE(q.is_ok());
  auto set = (*q)->select(false, nullptr, {matcher(model::MatchType::kEqual, "job", "a")});
  EXPECT_EQ(head.gc(1000), 1u);
  ASSERT_TRUE(set->next());
  auto it = set->at().iterator(nullptr);
  ASSERT_TRUE(it->next());
  EXPECT_EQ(it->at().t, 100);
  EXPECT_FALSE(it->next());
}

}  // namespace
}  // namespace promlite::tsdb::head
