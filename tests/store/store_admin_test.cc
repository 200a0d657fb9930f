// Store: delete_samples() (clean_tombstones), metadata records, checkpoints.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "model/matcher.h"
#include "tests/testutil/process.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/store/store.h"

namespace promlite::tsdb::store {
namespace {

using model::Labels;
using model::Sample;

constexpr int64_t kPart = 6 * 3600 * 1000;
constexpr int64_t kBase = 1'700'000'000'000 / kPart * kPart;
constexpr int64_t kStep = 60'000;
constexpr int kPerChunk = 30;
constexpr int kChunks = 16;  // 8 h: two partitions
constexpr int64_t kMin = model::kMinTime;
constexpr int64_t kMax = model::kMaxTime;

Labels series(int i) { return Labels{{"__name__", "m"}, {"i", std::to_string(i)}}; }

using Data = std::map<Labels, std::vector<Sample>>;

class StoreAdminTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testutil::make_temp_dir("store_admin"); }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open(const std::string& dir) {
    store_.reset();
    StoreOptions o;
    o.partition_ms = kPart;
    o.block_cache_bytes = 1 << 20;
    o.write_buffer_bytes = 1 << 20;
    auto s = Store::open(dir, o);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    store_ = std::move(*s);
  }
  // Series 1..3 (ids 1..3), plus {i="1", extra="x"} (id 4) whose label set is
  // a superset of series 1's and must not be touched by its deletions.
  void fill() {
    std::vector<Labels> all = {series(1), series(2), series(3),
                               Labels{{"__name__", "m"}, {"extra", "x"}, {"i", "1"}}};
    std::vector<std::string> chunks;
    std::vector<ChunkRecord> recs;
    for (size_t id = 0; id < all.size(); ++id) {
      for (int c = 0; c < kChunks; ++c) {
        std::vector<Sample> s;
        for (int k = 0; k < kPerChunk; ++k) {
          int64_t t = kBase + (c * kPerChunk + k) * kStep;
          s.push_back({t, static_cast<double>(t / kStep + static_cast<int64_t>(id))});
        }
        auto& dst = data_[all[id]];
        dst.insert(dst.end(), s.begin(), s.end());
        chunks.emplace_back();
        ASSERT_TRUE(chunkenc::encode_best(s, chunks.back()).is_ok());
      }
    }
    size_t k = 0;
    for (size_t id = 0; id < all.size(); ++id) {
      for (int c = 0; c < kChunks; ++c, ++k) {
        recs.push_back({id + 1, &all[id], chunks[k]});
      }
    }
    ASSERT_TRUE(store_->write(recs, true).is_ok());
  }
  Data read(int64_t mint = kMin, int64_t maxt = kMax) {
    Data out;
    auto q = store_->querier(mint, maxt);
    EXPECT_TRUE(q.is_ok());
    auto m = model::Matcher::make(model::MatchType::kEqual, "__name__", "m");
    auto set = (*q)->select(true, nullptr, {*m});
    while (set->next()) {
      auto& dst = out[set->at().labels()];
      auto it = set->at().iterator(nullptr);
      while (it->next()) dst.push_back(it->at());
      EXPECT_TRUE(it->status().is_ok());
    }
    EXPECT_TRUE(set->status().is_ok());
    return out;
  }
  std::vector<std::string> values_of_i() {
    auto q = store_->querier(kMin, kMax);
    auto v = (*q)->label_values("i", {});
    EXPECT_TRUE(v.is_ok());
    return v.is_ok() ? *v : std::vector<std::string>{};
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  Data data_;
};

void expect_same(const Data& got, const Data& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (const auto& [l, s] : want) {
    auto it = got.find(l);
    ASSERT_NE(it, got.end()) << what << " " << l.to_string();
    ASSERT_EQ(it->second.size(), s.size()) << what << " " << l.to_string();
    for (size_t i = 0; i < s.size(); ++i) {
      EXPECT_EQ(it->second[i].t, s[i].t) << what;
      EXPECT_EQ(it->second[i].v, s[i].v) << what;
    }
  }
}

TEST_F(StoreAdminTest, DeleteSamplesRewritesChunks) {
  const int64_t end = kBase + kChunks * kPerChunk * kStep - kStep;  // last sample
  struct Case {
    const char* name;
    std::vector<std::pair<int, Intervals>> del;  // series index -> intervals
    std::vector<std::string> values_left;        // of label i
  };
  const Case cases[] = {
      {"middle of one chunk",
       {{1, Intervals{{kBase + 5 * kStep, kBase + 9 * kStep}}}},
       {"1", "2", "3"}},
      {"prefix", {{2, Intervals{{kMin, kBase + 31 * kStep}}}}, {"1", "2", "3"}},
      {"suffix", {{3, Intervals{{end - 70 * kStep, kMax}}}}, {"1", "2", "3"}},
      {"whole chunks across the partition boundary",
       {{1, Intervals{{kBase + kPart - 2 * kPerChunk * kStep,
                       kBase + kPart + kPerChunk * kStep - 1}}}},
       {"1", "2", "3"}},
      {"whole series", {{2, Intervals{{kMin, kMax}}}}, {"1", "3"}},
      {"several",
       {{1, Intervals{{kBase, kBase + 3 * kStep}, {kBase + 100 * kStep, kBase + 200 * kStep}}},
        {3, Intervals{{kBase + 7 * kStep, kBase + 7 * kStep}}}},
       {"1", "2", "3"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    store_.reset();
    std::filesystem::remove_all(dir_);
    data_.clear();
    open(dir_);
    fill();
    std::vector<Labels> labels;
    labels.reserve(c.del.size());
    std::vector<SeriesDeletion> dels;
    for (const auto& [i, iv] : c.del) labels.push_back(series(i));
    for (size_t k = 0; k < c.del.size(); ++k) {
      dels.push_back({&labels[k], &c.del[k].second});
      std::erase_if(data_[labels[k]],
                    [&](const Sample& s) { return c.del[k].second.contains(s.t); });
      if (data_[labels[k]].empty()) data_.erase(labels[k]);
    }
    auto q_before = store_->querier(kMin, kMax);  // reads a snapshot taken before
    auto n = store_->delete_samples(dels);
    ASSERT_TRUE(n.is_ok()) << n.status().to_string();
    EXPECT_GT(*n, 0u);
    expect_same(read(), data_, "after");
    // The {extra="x"} series is untouched.
    const Labels superset{{"__name__", "m"}, {"extra", "x"}, {"i", "1"}};
    EXPECT_EQ(read()[superset].size(), static_cast<size_t>(kChunks * kPerChunk));
    std::vector<std::string> vals = values_of_i();
    EXPECT_EQ(vals, c.values_left);
    // Idempotent: nothing left to rewrite.
    auto again = store_->delete_samples(dels);
    ASSERT_TRUE(again.is_ok());
    EXPECT_EQ(*again, 0u);
    // Writing chunks for a series that left a partition works (labels again).
    std::vector<Sample> s{{kBase + 5, 42.0}};
    std::string chunk;
    ASSERT_TRUE(chunkenc::encode_best(s, chunk).is_ok());
    Labels l2 = series(2);
    ChunkRecord rec{2, &l2, chunk};
    ASSERT_TRUE(store_->write({&rec, 1}, true).is_ok());
    auto& d2 = data_[l2];
    d2.insert(std::lower_bound(d2.begin(), d2.end(), s[0],
                               [](const Sample& a, const Sample& b) { return a.t < b.t; }),
              s[0]);
    q_before->reset();
    if (c.values_left.size() < 3) {  // reopening is slow: once is enough
      open(dir_);
      expect_same(read(), data_, "reopened");
    }
  }
}

TEST_F(StoreAdminTest, MetaRecordsAndCheckpoint) {
  open(dir_);
  fill();
  std::vector<MetaWrite> w = {{"tombstone/a", "1"}, {"tombstone/b", "2"}, {"other/c", "3"}};
  ASSERT_TRUE(store_->put_meta(w, true).is_ok());
  EXPECT_FALSE(store_->put_meta(std::vector<MetaWrite>{{"meta/partition_ms", "1"}}, true).is_ok());
  std::vector<MetaWrite> del = {{"tombstone/a", std::nullopt}};
  ASSERT_TRUE(store_->put_meta(del, false).is_ok());
  std::map<std::string, std::string> seen;
  ASSERT_TRUE(store_
                  ->scan_meta("tombstone/",
                              [&](std::string_view k, std::string_view v) {
                                seen[std::string(k)] = std::string(v);
                                return Status::ok();
                              })
                  .is_ok());
  EXPECT_EQ(seen, (std::map<std::string, std::string>{{"tombstone/b", "2"}}));

  const std::string cp = dir_ + "-checkpoint";
  std::filesystem::remove_all(cp);
  ASSERT_TRUE(store_->checkpoint(cp).is_ok());
  EXPECT_FALSE(store_->checkpoint(cp).is_ok());  // exists already
  store_.reset();
  open(cp);
  expect_same(read(), data_, "checkpoint");
  seen.clear();
  ASSERT_TRUE(store_
                  ->scan_meta("tombstone/",
                              [&](std::string_view k, std::string_view v) {
                                seen[std::string(k)] = std::string(v);
                                return Status::ok();
                              })
                  .is_ok());
  EXPECT_EQ(seen.size(), 1u);
  store_.reset();
  std::filesystem::remove_all(cp);
}

}  // namespace
}  // namespace promlite::tsdb::store
