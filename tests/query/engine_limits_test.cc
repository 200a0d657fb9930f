// Engine: max samples, timeout, cancellation and concurrency.
#include <chrono>
#include <stop_token>
#include <thread>

#include "tests/query/engine_test_util.h"

namespace promlite::query::enginetest {
namespace {

TEST(EngineLimitsTest, MaxSamples) {
  testutil::MemoryStorage st;
  for (int i = 0; i < 10; ++i) {
    load(st, model::Labels{{"__name__", "m"}, {"i", std::to_string(i)}}, {1, 2, 3});
  }
  EngineOptions o;
  o.max_samples = 5;
  auto e = new_engine(o);
  auto r = e->instant_query(st, "m", 0, {});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "query processing would load too many samples into memory in query execution");
  o.max_samples = 100;
  EXPECT_TRUE(new_engine(o)->instant_query(st, "m", 0, {}).is_ok());
}

TEST(EngineLimitsTest, MaxSamplesCountsRangeWindows) {
  testutil::MemoryStorage st;
  load(st, {{"__name__", "m"}}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  EngineOptions o;
  o.max_samples = 5;
  auto e = new_engine(o);
  // One output sample, but a window of 10 samples.
  auto r = e->instant_query(st, "sum_over_time(m[10m])", 9 * kMin, {});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  // Three samples per step: the inputs of each node are released when it is done.
  o.max_samples = 10;
  EXPECT_TRUE(
      new_engine(o)->range_query(st, "sum(m) + sum(m) + sum(m)", 0, 2 * kMin, kMin, {}).is_ok());
}

TEST(EngineLimitsTest, Cancellation) {
  testutil::MemoryStorage st;
  load(st, {{"__name__", "m"}}, {1});
  std::stop_source src;
  src.request_stop();
  QueryOptions opts;
  opts.stop = src.get_token();
  auto r = new_engine(EngineOptions{})->instant_query(st, "m", 0, opts);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCanceled);
}

TEST(EngineLimitsTest, Timeout) {
  testutil::MemoryStorage st;
  load(st, {{"__name__", "m"}}, {1});
  QueryOptions opts;
  opts.timeout = 1;  // 1 ms
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto e = new_engine(EngineOptions{});
  // A long subquery makes sure evaluation outlives the deadline.
  auto r = e->range_query(st, "sum_over_time(m[1d:1s])", 0, 3600 * 1000, 1000, opts);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  // "query execution" when the deadline passed before evaluation began.
  EXPECT_EQ(r.status().message().rfind("query timed out in ", 0), 0u) << r.status().message();
}

// 50,000 samples at 1 s: a quantile over a 12 h window reads them all at
// every step, far more work than the deadlines below allow.
void load_dense(testutil::MemoryStorage& st) {
  std::vector<double> vs(50'000);
  for (size_t i = 0; i < vs.size(); ++i) vs[i] = static_cast<double>((i * 7919) % 1000);
  load(st, {{"__name__", "dense"}}, vs, 1000);
}

// Deadlines and cancellation are checked in proportion to the work done, so
// a heavy function stops soon after them, whatever the query's shape.
TEST(EngineLimitsTest, TimeoutStopsHeavyRangeFunctions) {
  testutil::MemoryStorage st;
  load_dense(st);
  auto e = new_engine(EngineOptions{});
  const char* queries[] = {
      "quantile_over_time(0.5, dense[12h])",
      "sort(quantile_over_time(0.5, dense[12h]))",
      "topk(1, sum_over_time(dense[12h:1s]))",
  };
  for (const char* q : queries) {
    QueryOptions opts;
    opts.timeout = 50;
    auto began = std::chrono::steady_clock::now();
    // One step per second over the whole data: hours of work unchecked.
    auto r = e->range_query(st, q, 0, 50'000 * 1000, 1000, opts);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - began)
                  .count();
    ASSERT_FALSE(r.is_ok()) << q;
    EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << q;
    EXPECT_EQ(r.status().message(), "query timed out in expression evaluation") << q;
    // Generous for sanitizer builds on a busy machine; about 55-60 ms there.
    EXPECT_LT(ms, 50 + 250) << q;
  }
}

TEST(EngineLimitsTest, CancellationStopsHeavyRangeFunctions) {
  testutil::MemoryStorage st;
  load_dense(st);
  auto e = new_engine(EngineOptions{});
  std::stop_source src;
  QueryOptions opts;
  opts.stop = src.get_token();
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    src.request_stop();
  });
  auto began = std::chrono::steady_clock::now();
  auto r = e->range_query(st, "quantile_over_time(0.9, dense[12h])", 0, 50'000 * 1000, 1000, opts);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  began)
                .count();
  canceller.join();
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCanceled);
  EXPECT_EQ(r.status().message(), "query was canceled in expression evaluation");
  EXPECT_LT(ms, 30 + 250);
}

TEST(EngineLimitsTest, ConcurrentQueries) {
  testutil::MemoryStorage st;
  load(st, {{"__name__", "m"}}, {1, 2, 3});
  EngineOptions o;
  o.max_concurrency = 2;
  auto e = new_engine(o);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 20; ++k) {
        auto r = e->range_query(st, "sum(rate(m[2m]))", 0, 120 * 1000, 1000, {});
        if (r.is_ok()) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 160);
}

}  // namespace
}  // namespace promlite::query::enginetest
