// Label look-ups with matchers over flushed data, against brute force over the
// label sets written: enough series that the postings path (from 256 selected
// series per partition) and the label-reading path both run.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "model/matcher.h"
#include "tests/testutil/process.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/store/store.h"

namespace promlite::tsdb::store {
namespace {

using model::Labels;
using model::Matcher;
using model::Matchers;
using model::MatchType;
using namespace std::string_literals;

constexpr int64_t kPart = 6 * 3600 * 1000;
constexpr int64_t kBase = 1'700'000'000'000 / kPart * kPart;
constexpr int kSeries = 1500;

Matcher m(MatchType t, const std::string& n, const std::string& v) {
  auto r = Matcher::make(t, n, v);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return *r;
}

// Series i: metric m<i%5>, job j<i%7>, inst i<i>; `opt` on every 11th, `env`
// (one value with a NUL byte) on every 97th. Even series live in partition 0
// only, odd ones in partitions 0 and 1.
Labels series_labels(int i) {
  std::vector<std::pair<std::string, std::string>> pairs = {
      {"__name__", "m" + std::to_string(i % 5)},
      {"job", "j" + std::to_string(i % 7)},
      {"inst", "i" + std::to_string(i)},
  };
  if (i % 11 == 0) pairs.emplace_back("opt", "o" + std::to_string(i % 3));
  if (i % 97 == 0) pairs.emplace_back("env", i % 2 ? "p\0q"s : "p"s);
  return Labels::from_pairs(pairs);
}

class StoreLookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testutil::make_temp_dir("store_lookup_test");
    StoreOptions opts;
    opts.partition_ms = kPart;
    opts.block_cache_bytes = 1 << 20;
    opts.write_buffer_bytes = 1 << 20;
    auto s = Store::open(dir_, opts);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    store_ = std::move(*s);
    std::vector<Labels> labels;
    for (int i = 0; i < kSeries; ++i) labels.push_back(series_labels(i));
    for (int part = 0; part < 2; ++part) {
      std::vector<std::string> chunks;
      std::vector<ChunkRecord> recs;
      chunks.reserve(kSeries);
      for (int i = 0; i < kSeries; ++i) {
        if (part == 1 && i % 2 == 0) continue;
        std::string c;
        const int64_t t0 = kBase + part * kPart;
        const std::vector<model::Sample> samples = {{t0, 1.0}, {t0 + 60'000, 2.0}};
        ASSERT_TRUE(chunkenc::encode_best(samples, c).is_ok());
        chunks.push_back(std::move(c));
      }
      size_t k = 0;
      for (int i = 0; i < kSeries; ++i) {
        if (part == 1 && i % 2 == 0) continue;
        recs.push_back({static_cast<uint64_t>(i + 1), &labels[i], chunks[k++]});
      }
      ASSERT_TRUE(store_->write(recs, false).is_ok());
    }
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

// Brute force: names (`name` empty) or values of `name` among the series
// matching `ms`; `odd_only` for a querier over partition 1 alone.
std::vector<std::string> expected(const Matchers& ms, const std::string& name, bool odd_only) {
  std::set<std::string> out;
  static const std::vector<Labels> all = [] {
    std::vector<Labels> v;
    for (int i = 0; i < kSeries; ++i) v.push_back(series_labels(i));
    return v;
  }();
  for (int i = 0; i < kSeries; ++i) {
    if (odd_only && i % 2 == 0) continue;
    const Labels& l = all[i];
    bool match = true;
    for (const Matcher& x : ms) match = match && x.matches(l.get(x.name()));
    if (!match) continue;
    for (model::Label lab : l) {
      if (name.empty()) {
        out.emplace(lab.name);
      } else if (lab.name == name) {
        out.emplace(lab.value);
      }
    }
  }
  return {out.begin(), out.end()};
}

TEST_F(StoreLookupTest, NamesAndValuesMatchBruteForce) {
  const std::vector<std::pair<const char*, Matchers>> table = {
      {"one metric (300 series)", {m(MatchType::kEqual, "__name__", "m1")}},
      {"one job", {m(MatchType::kEqual, "job", "j3")}},
      {"metric and job (few)",
       {m(MatchType::kEqual, "__name__", "m2"), m(MatchType::kEqual, "job", "j1")}},
      {"regex over jobs", {m(MatchType::kRegex, "job", "j[0-4]")}},
      {"not opt", {m(MatchType::kRegex, "__name__", ".+"), m(MatchType::kEqual, "opt", "")}},
      {"opt present", {m(MatchType::kRegex, "opt", ".+")}},
      {"env nul", {m(MatchType::kEqual, "env", "p\0q"s)}},
      {"none", {m(MatchType::kEqual, "job", "nope")}},
      {"negative", {m(MatchType::kNotEqual, "job", "j0"), m(MatchType::kRegex, "inst", "i1.*")}},
  };
  const std::vector<std::string> names = {"", "__name__", "job", "opt", "env", "inst", "absent"};
  auto all = store_->querier(model::kMinTime, model::kMaxTime);
  auto part1 = store_->querier(kBase + kPart, kBase + 2 * kPart - 1);
  ASSERT_TRUE(all.is_ok() && part1.is_ok());
  for (const auto& [what, ms] : table) {
    for (const std::string& name : names) {
      for (bool odd_only : {false, true}) {
        SCOPED_TRACE(std::string(what) + " name=" + name + (odd_only ? " partition 1" : ""));
        Querier& q = odd_only ? **part1 : **all;
        auto got = name.empty() ? q.label_names(ms) : q.label_values(name, ms);
        ASSERT_TRUE(got.is_ok()) << got.status().to_string();
        EXPECT_EQ(*got, expected(ms, name, odd_only));
      }
    }
  }
  // The brute force is not trivially empty.
  EXPECT_EQ(expected(table[0].second, "inst", false).size(), 300u);
  EXPECT_EQ(expected(table[0].second, "", false).size(), 5u);
}

TEST_F(StoreLookupTest, LimitAfterPostingsPath) {
  auto q = store_->querier(model::kMinTime, model::kMaxTime);
  ASSERT_TRUE(q.is_ok());
  auto got = (*q)->label_values("inst", {m(MatchType::kEqual, "__name__", "m0")}, LabelHints{3});
  ASSERT_TRUE(got.is_ok());
  EXPECT_EQ(*got, (std::vector<std::string>{"i0", "i10", "i100"}));
}

}  // namespace
}  // namespace promlite::tsdb::store
