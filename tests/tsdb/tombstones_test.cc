// Intervals, tombstone records and the iterator that skips deleted samples.
#include "tsdb/tombstones.h"

#include <gtest/gtest.h>

#include <vector>

#include "tsdb/intervals.h"
#include "tsdb/tombstone_querier.h"

namespace promlite::tsdb {
namespace {

constexpr int64_t kMin = model::kMinTime;
constexpr int64_t kMax = model::kMaxTime;

TEST(Intervals, AddMergesOverlappingAndAdjacent) {
  struct Case {
    const char* name;
    std::vector<Interval> add;
    std::vector<Interval> want;
  };
  const Case cases[] = {
      {"one", {{10, 20}}, {{10, 20}}},
      {"empty range ignored", {{20, 10}}, {}},
      {"disjoint kept sorted", {{30, 40}, {10, 20}}, {{10, 20}, {30, 40}}},
      {"overlap", {{10, 20}, {15, 30}}, {{10, 30}}},
      {"adjacent", {{10, 20}, {21, 30}}, {{10, 30}}},
      {"gap of one stays", {{10, 20}, {22, 30}}, {{10, 20}, {22, 30}}},
      {"bridges several", {{10, 20}, {30, 40}, {50, 60}, {15, 55}}, {{10, 60}}},
      {"inside", {{10, 60}, {20, 30}}, {{10, 60}}},
      {"whole time", {{kMin, kMax}, {5, 6}}, {{kMin, kMax}}},
      {"touching the end of time", {{kMax - 1, kMax}, {kMin, kMax - 2}}, {{kMin, kMax}}},
  };
  for (const Case& c : cases) {
    Intervals iv;
    for (const Interval& i : c.add) iv.add(i);
    EXPECT_EQ(iv.list(), c.want) << c.name;
  }
}

TEST(Intervals, Queries) {
  Intervals iv{{10, 20}, {30, 40}};
  struct Case {
    int64_t t;
    bool contains;
  };
  for (Case c : {Case{9, false}, Case{10, true}, Case{20, true}, Case{21, false}, Case{29, false},
                 Case{35, true}, Case{41, false}}) {
    EXPECT_EQ(iv.contains(c.t), c.contains) << c.t;
  }
  EXPECT_TRUE(iv.overlaps(0, 10));
  EXPECT_FALSE(iv.overlaps(21, 29));
  EXPECT_TRUE(iv.overlaps(21, 30));
  EXPECT_TRUE(iv.overlaps(kMin, kMax));
  EXPECT_TRUE(iv.covers(12, 18));
  EXPECT_FALSE(iv.covers(12, 31));
  EXPECT_FALSE(iv.covers(21, 22));
}

TEST(Tombstones, IntervalsRoundTrip) {
  const Intervals cases[] = {
      {}, {{0, 0}}, {{kMin, kMax}}, {{-5, 7}, {100, 1000}, {kMax - 3, kMax}}, {{kMin, kMin + 1}},
  };
  for (const Intervals& iv : cases) {
    auto back = decode_intervals(encode_intervals(iv));
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(*back, iv);
  }
}

TEST(Tombstones, CorruptIntervalsAreRejected) {
  std::string good = encode_intervals(Intervals{{1, 2}, {5, 9}});
  const std::string cases[] = {
      "",
      good.substr(0, good.size() - 1),  // truncated
      good + "x",                       // trailing bytes
      std::string("\x05", 1),           // count larger than the data
      // mint = kMax (zigzag 0xff..fe), length 1: past the end of time.
      std::string("\x01\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01\x01", 12),
  };
  for (const std::string& c : cases) {
    EXPECT_FALSE(decode_intervals(c).is_ok()) << ::testing::PrintToString(c);
  }
}

TEST(Tombstones, SetAndKeys) {
  model::Labels a{{"__name__", "up"}, {"job", "a"}};
  model::Labels b{{"__name__", "up"}, {"job", "b"}};
  TombstoneSet ts;
  EXPECT_TRUE(ts.empty());
  ts.add(a, Intervals{{1, 5}});
  ts.add(a, Intervals{{6, 9}});
  ts.add(b, Intervals{{100, 200}});
  EXPECT_EQ(ts.size(), 2u);
  ASSERT_NE(ts.find(a), nullptr);
  EXPECT_EQ(*ts.find(a), (Intervals{{1, 9}}));
  EXPECT_EQ(ts.find(model::Labels{{"__name__", "up"}}), nullptr);
  auto back = parse_tombstone_key(tombstone_key(b));
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(*back, b);
  EXPECT_FALSE(parse_tombstone_key("meta/x").is_ok());
}

// A plain iterator over a vector of samples.
class VecIterator final : public SampleIterator {
 public:
  explicit VecIterator(std::vector<model::Sample> s) : s_(std::move(s)) {}
  bool next() override { return ++i_ < static_cast<ptrdiff_t>(s_.size()); }
  bool seek(model::Timestamp t) override {
    if (i_ < 0) i_ = 0;
    while (i_ < static_cast<ptrdiff_t>(s_.size()) && s_[static_cast<size_t>(i_)].t < t) ++i_;
    return i_ < static_cast<ptrdiff_t>(s_.size());
  }
  model::Sample at() const override { return s_[static_cast<size_t>(i_)]; }

 private:
  std::vector<model::Sample> s_;
  ptrdiff_t i_ = -1;
};

std::vector<model::Sample> range(int64_t from, int64_t to) {
  std::vector<model::Sample> out;
  for (int64_t t = from; t <= to; ++t) out.push_back({t, static_cast<double>(t) * 10});
  return out;
}

std::vector<int64_t> times_of(const std::vector<model::Sample>& s, const Intervals& del) {
  std::vector<int64_t> out;
  for (const auto& x : s) {
    if (!del.contains(x.t)) out.push_back(x.t);
  }
  return out;
}

struct FilterCase {
  const char* name;
  Intervals deleted;
};

const FilterCase kFilterCases[] = {
    {"nothing", {}},
    {"middle", {{40, 60}}},
    {"prefix", {{kMin, 10}}},
    {"suffix", {{90, kMax}}},
    {"everything", {{kMin, kMax}}},
    {"several", {{3, 5}, {20, 49}, {51, 70}, {99, 99}}},
    {"every other", {{1, 1}, {3, 3}, {5, 5}, {7, 7}, {9, 9}}},
};

TEST(DeletedFilterIterator, NextSkipsDeletedSamples) {
  for (const FilterCase& c : kFilterCases) {
    auto samples = range(0, 99);
    DeletedFilterIterator it(std::make_unique<VecIterator>(samples), &c.deleted);
    std::vector<int64_t> got;
    while (it.next()) {
      got.push_back(it.at().t);
      EXPECT_EQ(it.at().v, static_cast<double>(it.at().t) * 10);
    }
    EXPECT_EQ(got, times_of(samples, c.deleted)) << c.name;
  }
}

TEST(DeletedFilterIterator, BatchesMatchNext) {
  for (const FilterCase& c : kFilterCases) {
    for (size_t batch : {1u, 3u, 16u, 1000u}) {
      auto samples = range(0, 99);
      DeletedFilterIterator it(std::make_unique<VecIterator>(samples), &c.deleted);
      std::vector<int64_t> got;
      std::vector<int64_t> ts(batch);
      std::vector<double> vs(batch);
      while (size_t n = it.next_batch(ts.data(), vs.data(), batch)) {
        for (size_t i = 0; i < n; ++i) {
          EXPECT_EQ(vs[i], static_cast<double>(ts[i]) * 10);
          got.push_back(ts[i]);
        }
        EXPECT_EQ(it.at().t, ts[n - 1]) << c.name << " batch " << batch;
      }
      EXPECT_EQ(got, times_of(samples, c.deleted)) << c.name << " batch " << batch;
    }
  }
}

TEST(DeletedFilterIterator, SeekLandsOnKeptSamples) {
  Intervals del{{20, 49}, {51, 70}};
  DeletedFilterIterator it(std::make_unique<VecIterator>(range(0, 99)), &del);
  ASSERT_TRUE(it.seek(10));
  EXPECT_EQ(it.at().t, 10);
  ASSERT_TRUE(it.seek(25));
  EXPECT_EQ(it.at().t, 50);
  ASSERT_TRUE(it.seek(40));  // never backwards
  EXPECT_EQ(it.at().t, 50);
  ASSERT_TRUE(it.seek(51));
  EXPECT_EQ(it.at().t, 71);
  EXPECT_FALSE(it.seek(100));

  // After a batch whose last inner sample was deleted, at() and seek() still
  // refer to the last sample returned.
  Intervals tail{{8, 9}, {12, 30}};
  DeletedFilterIterator b(std::make_unique<VecIterator>(range(0, 40)), &tail);
  int64_t ts[10];
  double vs[10];
  ASSERT_EQ(b.next_batch(ts, vs, 10), 8u);  // 0..7, inner read 8 and 9
  EXPECT_EQ(b.at().t, 7);
  ASSERT_TRUE(b.seek(5));
  EXPECT_EQ(b.at().t, 7);
  ASSERT_TRUE(b.next());
  EXPECT_EQ(b.at().t, 10);
}

}  // namespace
}  // namespace promlite::tsdb
