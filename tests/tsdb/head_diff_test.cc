// Differential test: random appends go to both the Head and the reference
// testutil::MemoryStorage; random selects and label look-ups must agree.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "tests/testutil/memory_storage.h"
#include "tests/tsdb/head_test_util.h"
#include "tsdb/head/head.h"

namespace promlite::tsdb::head {
namespace {

using model::Labels;
using model::MatchType;
using model::Timestamp;

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  size_t below(size_t n) { return static_cast<size_t>(g_() % n); }
  bool chance(int percent) { return below(100) < static_cast<size_t>(percent); }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

 private:
  std::mt19937_64 g_;
};

const std::vector<std::string> kNames = {"a", "b", "c"};
const std::vector<std::string> kJobs = {"x", "y", "xy", ""};
const std::vector<std::string> kInstances = {"0", "1", "2", "10", ""};

Labels random_labels(Rng& r) {
  return Labels{{"__name__", r.pick(kNames)}, {"job", r.pick(kJobs)}, {"inst", r.pick(kInstances)}};
}

model::Matcher random_matcher(Rng& r) {
  static const std::vector<std::string> names = {"__name__", "job", "inst", "missing"};
  static const std::vector<std::string> values = {"a",    "x",  "y",     "xy",  "0",   "10",
                                                  "",     ".*", ".+",    "x.*", "x|y", "1|",
                                                  "[ab]", "b",  "0|1|2", "nope"};
  auto type = static_cast<MatchType>(r.below(4));
  std::string v = r.pick(values);
  return tsdb::testing::matcher(type, r.pick(names), v);
}

double random_value(Rng& r) {
  switch (r.below(10)) {
    case 0:
      return model::stale_nan();
    case 1:
      return static_cast<double>(r.below(1000)) / 7;
    default:
      return static_cast<double>(r.below(5));
  }
}

void run_round(uint64_t seed) {
  SCOPED_TRACE(seed);
  Rng r(seed);
  HeadOptions opts;
  opts.stripes = 8;
  opts.chunks.max_samples = 1 + static_cast<uint32_t>(r.below(12));
  opts.chunks.chunk_range = 50 + static_cast<int64_t>(r.below(500));
  Head head(opts);
  testutil::MemoryStorage mem;
  std::map<Labels, SeriesRef> head_refs, mem_refs;
  std::map<Labels, Timestamp> clock;

  for (int batch = 0; batch < 30; ++batch) {
    auto ha = head.appender();
    auto ma = mem.appender();
    int n = static_cast<int>(r.below(40));
    for (int i = 0; i < n; ++i) {
      Labels l = random_labels(r);
      Timestamp& t = clock[l];
      Timestamp ts = t;
      if (r.chance(80)) {
        ts = t + static_cast<Timestamp>(1 + r.below(60));
      } else if (r.chance(50)) {
        ts = t - static_cast<Timestamp>(r.below(30));
      }
      double v = random_value(r);
      bool use_ref = r.chance(50);
      auto hr = ha->append(use_ref ? head_refs[l] : 0, l, ts, v);
      auto mr = ma->append(use_ref ? mem_refs[l] : 0, l, ts, v);
      ASSERT_EQ(hr.status().code(), mr.status().code()) << l.to_string() << " t=" << ts;
      if (hr.is_ok()) {
        head_refs[l] = *hr;
        mem_refs[l] = *mr;
        t = std::max(t, ts);
      }
    }
    if (r.chance(85)) {
      ASSERT_TRUE(ha->commit().is_ok());
      ASSERT_TRUE(ma->commit().is_ok());
    } else {
      ha->rollback();
      ma->rollback();
      clock.clear();  // rolled-back timestamps are free again; stay conservative
      for (const auto& [labels, data] : *mem.snapshot()) {
        clock[labels] = data->samples.empty() ? 0 : data->samples.back().t;
      }
    }
  }

  for (int q = 0; q < 60; ++q) {
    Timestamp mint = static_cast<Timestamp>(r.below(2000)) - 100;
    Timestamp maxt = mint + static_cast<Timestamp>(r.below(2000));
    if (r.chance(10)) {
      mint = model::kMinTime;
      maxt = model::kMaxTime;
    }
    model::Matchers ms;
    size_t nm = 1 + r.below(3);
    for (size_t i = 0; i < nm; ++i) ms.push_back(random_matcher(r));
    std::string desc;
    for (const auto& m : ms) desc += m.to_string() + " ";
    SCOPED_TRACE(::testing::Message() << desc << "[" << mint << "," << maxt << "]");

    auto got = tsdb::testing::read_all(head, mint, maxt, ms, true);
    auto want = tsdb::testing::read_all(mem, mint, maxt, ms, true);
    ASSERT_EQ(got, want);

    auto hq = head.querier(mint, maxt).value();
    auto mq = mem.querier(mint, maxt).value();
    model::Matchers lm = r.chance(30) ? model::Matchers{} : ms;
    size_t limit = r.chance(20) ? 1 + r.below(3) : 0;
    ASSERT_EQ(*hq->label_names(lm, {limit}), *mq->label_names(lm, {limit}));
    std::string name = r.chance(50) ? "job" : "inst";
    ASSERT_EQ(*hq->label_values(name, lm, {limit}), *mq->label_values(name, lm, {limit}));

    // Seek to a random time on every series of the first result: same sample.
    Timestamp target = mint + static_cast<Timestamp>(r.below(2000));
    auto hs = hq->select(true, nullptr, ms);
    auto msel = mq->select(true, nullptr, ms);
    while (hs->next()) {
      ASSERT_TRUE(msel->next());
      auto hi = hs->at().iterator(nullptr);
      auto mi = msel->at().iterator(nullptr);
      bool hok = hi->seek(target), mok = mi->seek(target);
      ASSERT_EQ(hok, mok);
      if (hok) {
        ASSERT_EQ(hi->at().t, mi->at().t);
        ASSERT_EQ(model::float_bits(hi->at().v), model::float_bits(mi->at().v));
      }
    }
  }
}

TEST(HeadDifferentialTest, MatchesMemoryStorage) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    run_round(seed);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace promlite::tsdb::head
