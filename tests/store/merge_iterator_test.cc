#include "tsdb/store/merge_iterator.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "tsdb/chunkenc/chunk.h"

namespace promlite::tsdb::store {
namespace {

using model::Sample;

std::string encode(const std::vector<Sample>& samples) {
  std::string out;
  EXPECT_TRUE(chunkenc::encode_best(samples, out).is_ok());
  return out;
}

std::shared_ptr<SeriesChunks> chunks_of(const std::vector<std::vector<Sample>>& chunks) {
  auto c = std::make_shared<SeriesChunks>();
  for (const auto& s : chunks) c->add(s.front().t, s.back().t, encode(s), false);
  c->sort();
  return c;
}

std::vector<Sample> drain(SampleIterator& it) {
  std::vector<Sample> out;
  while (it.next()) out.push_back(it.at());
  return out;
}

std::vector<Sample> drain_batch(SampleIterator& it, size_t batch) {
  std::vector<Sample> out;
  std::vector<int64_t> ts(batch);
  std::vector<double> vs(batch);
  while (size_t n = it.next_batch(ts.data(), vs.data(), batch)) {
    for (size_t i = 0; i < n; ++i) out.push_back({ts[i], vs[i]});
  }
  return out;
}

std::vector<Sample> range(int64_t from, int64_t to, int64_t step, double v0) {
  std::vector<Sample> out;
  for (int64_t t = from; t <= to; t += step) out.push_back({t, v0 + static_cast<double>(t)});
  return out;
}

// Expected merge: every timestamp once, the first chunk (in min_t order) wins.
std::vector<Sample> reference(const std::vector<std::vector<Sample>>& chunks, int64_t mint,
                              int64_t maxt) {
  std::map<int64_t, double> m;
  for (const auto& c : chunks) {
    for (const Sample& s : c) {
      if (s.t >= mint && s.t <= maxt) m.emplace(s.t, s.v);
    }
  }
  std::vector<Sample> out;
  for (auto [t, v] : m) out.push_back({t, v});
  return out;
}

void expect_samples(const std::vector<Sample>& got, const std::vector<Sample>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].t, want[i].t) << i;
    EXPECT_EQ(got[i].v, want[i].v) << i;
  }
}

struct Case {
  const char* name;
  std::vector<std::vector<Sample>> chunks;
  int64_t mint, maxt;
};

TEST(ChunkMergeIterator, MergesAndBounds) {
  std::vector<Case> cases = {
      {"disjoint",
       {range(0, 990, 10, 0), range(1000, 1990, 10, 0), range(2000, 2500, 10, 0)},
       INT64_MIN,
       INT64_MAX},
      {"bounded", {range(0, 990, 10, 0), range(1000, 1990, 10, 0)}, 455, 1505},
      {"exact bounds", {range(0, 990, 10, 0)}, 0, 990},
      {"nothing inside", {range(0, 100, 10, 0), range(200, 300, 10, 0)}, 101, 199},
      {"interleaved", {range(0, 400, 20, 0), range(10, 410, 20, 0)}, INT64_MIN, INT64_MAX},
      {"duplicates", {range(0, 400, 10, 0), range(0, 400, 10, 0), range(200, 600, 10, 0)}, 50, 550},
      {"nested", {range(0, 1000, 10, 0), range(300, 310, 1, 7)}, INT64_MIN, INT64_MAX},
      {"max time", {{{INT64_MAX - 10, 1}, {INT64_MAX, 2}}}, INT64_MIN, INT64_MAX},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<Sample> want = reference(c.chunks, c.mint, c.maxt);
    ChunkMergeIterator it;
    it.reset(chunks_of(c.chunks), c.mint, c.maxt);
    expect_samples(drain(it), want);
    EXPECT_TRUE(it.status().is_ok());
    for (size_t batch : {1, 7, 64, 1000}) {
      it.reset(chunks_of(c.chunks), c.mint, c.maxt);
      expect_samples(drain_batch(it, batch), want);
    }
  }
}

TEST(ChunkMergeIterator, Seek) {
  auto chunks = chunks_of({range(0, 990, 10, 0), range(1000, 1990, 10, 0), range(5, 25, 10, 0)});
  ChunkMergeIterator it;
  it.reset(chunks, 0, 1500);
  ASSERT_TRUE(it.seek(12));
  EXPECT_EQ(it.at().t, 15);
  ASSERT_TRUE(it.seek(3));  // never backwards
  EXPECT_EQ(it.at().t, 15);
  ASSERT_TRUE(it.seek(1001));
  EXPECT_EQ(it.at().t, 1010);
  ASSERT_TRUE(it.next());
  EXPECT_EQ(it.at().t, 1020);
  EXPECT_FALSE(it.seek(1501));
  EXPECT_TRUE(it.status().is_ok());
}

TEST(ChunkMergeIterator, CorruptChunkReportsCorruption) {
  std::string good = encode(range(0, 990, 10, 0.5));
  auto c = std::make_shared<SeriesChunks>();
  c->add(0, 990, good.substr(0, good.size() / 2), false);  // payload cut short
  ChunkMergeIterator it;
  it.reset(c, INT64_MIN, INT64_MAX);
  while (it.next()) {
  }
  EXPECT_EQ(it.status().code(), StatusCode::kCorruption);

  auto bad_header = std::make_shared<SeriesChunks>();
  bad_header->add(0, INT64_MAX, "\x09garbage", true);
  it.reset(bad_header, INT64_MIN, INT64_MAX);
  EXPECT_FALSE(it.next());
  EXPECT_EQ(it.status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace promlite::tsdb::store
