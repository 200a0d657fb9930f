#include "tsdb/head/series_id_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

namespace promlite::tsdb::head {
namespace {

SeriesPtr make(uint64_t id) {
  return SeriesPtr(new MemSeries(id, model::Labels{{"id", std::to_string(id)}}));
}

std::set<uint64_t> ids_of(const SeriesIdTable& t) {
  std::set<uint64_t> out;
  t.for_each([&out](const SeriesPtr& s) { out.insert(s->id()); });
  return out;
}

TEST(SeriesIdTable, InsertGetEraseAcrossShardsAndBlocks) {
  struct Case {
    size_t shards;
    std::vector<uint64_t> insert;  // in this order
    std::vector<uint64_t> erase;
  };
  const std::vector<Case> cases = {
      {1, {1, 2, 3}, {2}},
      {4, {1, 2, 3, 40, 41, 200, 5000}, {41, 1}},
      {4, {5000, 200, 41, 40, 3, 2, 1}, {5000, 3}},  // older ids after newer: front growth
      {3, {31, 32, 33, 63, 64, 65}, {31, 32, 33, 63, 64, 65}},
      {4096, {1, 1u << 20, (1ull << 40) + 7}, {1u << 20}},
  };
  for (const Case& c : cases) {
    SeriesIdTable t(c.shards);
    std::set<uint64_t> want;
    for (uint64_t id : c.insert) {
      t.insert(make(id));
      want.insert(id);
    }
    for (uint64_t id : c.erase) {
      SeriesPtr gone = t.erase(id);
      ASSERT_TRUE(gone) << id;
      EXPECT_EQ(gone->id(), id);
      EXPECT_FALSE(t.erase(id)) << "erased twice: " << id;
      want.erase(id);
    }
    EXPECT_EQ(ids_of(t), want);
    for (uint64_t id : c.insert) {
      SeriesPtr s = t.get(id);
      EXPECT_EQ(static_cast<bool>(s), want.count(id) == 1) << id;
      if (s) {
        EXPECT_EQ(s->id(), id);
      }
      bool visited = false;
      EXPECT_EQ(t.visit(id, [&](MemSeries& m) { visited = m.id() == id; }), want.count(id) == 1);
      EXPECT_EQ(visited, want.count(id) == 1);
    }
    EXPECT_FALSE(t.get(999'999));
    EXPECT_FALSE(t.get(0));
  }
}

TEST(SeriesIdTable, OwnsSeriesAndFreesBlocksOfErasedIds) {
  SeriesIdTable t(8);
  const size_t empty_bytes = t.memory_bytes();
  std::vector<uint64_t> ids;
  for (uint64_t id = 1; id <= 10'000; ++id) ids.push_back(id);
  for (uint64_t id : ids) t.insert(make(id));
  const size_t full_bytes = t.memory_bytes();
  EXPECT_GT(full_bytes, empty_bytes + 10'000 * sizeof(void*));

  SeriesPtr kept = t.get(77);
  std::mt19937_64 rng(5);
  std::shuffle(ids.begin(), ids.end(), rng);
  for (uint64_t id : ids) ASSERT_TRUE(t.erase(id)) << id;
  EXPECT_TRUE(ids_of(t).empty());
  // Every block was freed (what stays is the shards' hash buckets).
  EXPECT_LT(t.memory_bytes(), full_bytes / 4);
  // A reference taken before the erase keeps its series alive.
  EXPECT_EQ(kept->id(), 77u);

  // Churn: ids keep rising while old ones go, and one old series stays: the
  // table holds the live series' blocks, not the ids created since the oldest.
  t.insert(make(3));
  for (uint64_t round = 0; round < 50; ++round) {
    for (uint64_t id = 20'000 + round * 1000; id < 21'000 + round * 1000; ++id) t.insert(make(id));
    if (round > 0) {
      for (uint64_t id = 19'000 + round * 1000; id < 20'000 + round * 1000; ++id) {
        ASSERT_TRUE(t.erase(id));
      }
    }
  }
  EXPECT_EQ(ids_of(t).size(), 1001u);
  EXPECT_LT(t.memory_bytes(), full_bytes / 4);

  // An id far beyond the others (a corrupt log could hold one) costs a block.
  const size_t before_far = t.memory_bytes();
  t.insert(make((1ull << 50) + 7));
  EXPECT_LT(t.memory_bytes(), before_far + 4096);
  EXPECT_TRUE(t.get((1ull << 50) + 7));
}

}  // namespace
}  // namespace promlite::tsdb::head
