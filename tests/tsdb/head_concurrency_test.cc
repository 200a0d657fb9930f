// Several writers append to their own and to shared series (with refs) while a
// reader queries and a collector drops churned series. Meant for ASan/TSan.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/tsdb/head_test_util.h"
#include "tsdb/head/head.h"

namespace promlite::tsdb::head {
namespace {

using model::Labels;
using model::MatchType;
using model::Timestamp;

TEST(HeadConcurrencyTest, WritersReaderAndGc) {
  HeadOptions opts;
  opts.stripes = 16;
  opts.chunks.max_samples = 16;
  Head head(opts);
  constexpr int kWriters = 4;
  constexpr int kOwnSeries = 20;
  constexpr int kBatches = 150;
  std::atomic<bool> stop{false};
  std::atomic<int> churn_seq{0};

  auto writer = [&](int w) {
    std::vector<Labels> own;
    for (int i = 0; i < kOwnSeries; ++i) {
      own.push_back(
          Labels{{"__name__", "own"}, {"w", std::to_string(w)}, {"i", std::to_string(i)}});
    }
    std::vector<SeriesRef> refs(kOwnSeries, 0);
    std::vector<SeriesRef> shared_refs(3, 0);
    for (int b = 0; b < kBatches; ++b) {
      auto app = head.appender();
      Timestamp t = 1000 + b * 10;
      for (int i = 0; i < kOwnSeries; ++i) {
        auto r = app->append(refs[i], own[i], t, b);
        ASSERT_TRUE(r.is_ok()) << r.status().to_string();
        refs[i] = *r;
      }
      for (int s = 0; s < 3; ++s) {
        Labels l{{"__name__", "shared"}, {"s", std::to_string(s)}};
        auto r = app->append(shared_refs[s], l, t + w, w);
        if (r.is_ok()) shared_refs[s] = *r;  // others may be ahead: kOutOfOrder is fine
      }
      // Churn: a short-lived series at t=1, collected by the gc thread.
      Labels churn{{"__name__", "churn"}, {"n", std::to_string(churn_seq.fetch_add(1))}};
      ASSERT_TRUE(app->append(0, churn, 1, 1).is_ok());
      if (b % 10 == 9) {
        app->rollback();
        // Rolled-back own samples must be re-sent in the next batch; simply
        // skip the timestamp instead (it is never reused).
        continue;
      }
      ASSERT_TRUE(app->commit().is_ok());
    }
  };

  auto reader = [&] {
    while (!stop.load()) {
      auto q = head.querier(0, 100000);
      ASSERT_TRUE(q.is_ok());
      auto set =
          (*q)->select(true, nullptr,
                       {tsdb::testing::matcher(MatchType::kRegex, "__name__", "own|shared|churn")});
      const Labels* prev = nullptr;
      while (set->next()) {
        const Labels& l = set->at().labels();
        if (prev) {
          ASSERT_LT(Labels::compare(*prev, l), 0);
        }
        prev = &l;
        auto it = set->at().iterator(nullptr);
        Timestamp last = -1;
        size_t n = 0;
        while (it->next()) {
          ASSERT_GT(it->at().t, last);
          last = it->at().t;
          ++n;
        }
        ASSERT_TRUE(it->status().is_ok());
        ASSERT_GT(n, 0u);  // selected series have samples in bounds
      }
      ASSERT_TRUE((*q)->label_values("w", {}).is_ok());
    }
  };

  auto collector = [&] {
    while (!stop.load()) {
      head.gc(2);  // churn series only (t=1); the others are at t >= 1000
      std::this_thread::yield();
    }
  };

  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) threads.emplace_back(writer, w);
  std::thread r(reader), c(collector);
  for (auto& t : threads) t.join();
  stop = true;
  r.join();
  c.join();
  head.gc(2);

  // Every writer's own series hold exactly its committed batches.
  const size_t committed = kBatches - kBatches / 10;
  auto got = tsdb::testing::read_all(
      head, 0, 100000, {tsdb::testing::matcher(MatchType::kEqual, "__name__", "own")});
  ASSERT_EQ(got.size(), static_cast<size_t>(kWriters * kOwnSeries));
  for (const auto& s : got) EXPECT_EQ(s.samples.size(), committed) << s.labels.to_string();
  EXPECT_EQ(head.num_series(), static_cast<size_t>(kWriters * kOwnSeries + 3));
  auto shared = tsdb::testing::read_all(
      head, 0, 100000, {tsdb::testing::matcher(MatchType::kEqual, "__name__", "shared")});
  ASSERT_EQ(shared.size(), 3u);
  HeadStats st = head.stats();
  EXPECT_EQ(st.series_created - st.series_removed, st.series);
}

}  // namespace
}  // namespace promlite::tsdb::head
