#include "tsdb/store/merge_iterator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
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

void add_chunk(SeriesChunks& c, const std::string& bytes) {
  auto meta = chunkenc::read_chunk_meta(chunkenc::as_bytes(bytes));
  ASSERT_TRUE(meta.is_ok());
  c.add(bytes, *meta);
}

std::shared_ptr<SeriesChunks> chunks_of(const std::vector<std::vector<Sample>>& chunks) {
  auto c = std::make_shared<SeriesChunks>();
  for (const auto& s : chunks) add_chunk(*c, encode(s));
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
  add_chunk(*c, good.substr(0, good.size() / 2));  // payload cut short
  ChunkMergeIterator it;
  it.reset(c, INT64_MIN, INT64_MAX);
  while (it.next()) {
  }
  EXPECT_EQ(it.status().code(), StatusCode::kCorruption);

  auto bad_header = std::make_shared<SeriesChunks>();
  bad_header->add_corrupt(0, "\x09garbage");
  it.reset(bad_header, INT64_MIN, INT64_MAX);
  EXPECT_FALSE(it.next());
  EXPECT_EQ(it.status().code(), StatusCode::kCorruption);
}

// Many small chunks of every codec, back to back (decoded in bulk), and some
// overlapping ones between them (merged), drained in every batch size, with
// bounds falling inside chunks.
std::vector<std::vector<Sample>> mixed_chunks() {
  std::vector<std::vector<Sample>> chunks;
  int64_t t = 1000;
  for (int c = 0; c < 12; ++c) {
    std::vector<Sample> s;
    size_t n = 1 + static_cast<size_t>(c * 17 % 70);
    for (size_t i = 0; i < n; ++i, t += 10 + (c % 3)) {
      double v = c % 3 == 0   ? 5.0                                // const
                 : c % 3 == 1 ? static_cast<double>(t / 7)         // intpack
                              : 0.1 * static_cast<double>(t) + c;  // xor
      s.push_back({t, v});
    }
    chunks.push_back(s);
    t += 5;
  }
  // Overlaps: a copy of chunk 4 and a chunk straddling chunks 8 and 9.
  chunks.push_back(chunks[4]);
  std::vector<Sample> straddle;
  for (int64_t x = chunks[8].back().t - 25; x <= chunks[9].front().t + 25; x += 3)
    straddle.push_back({x, -1.0});
  chunks.push_back(straddle);
  // In min_t order, as SeriesChunks sorts them, so that reference() lets the
  // same chunk win a shared timestamp as the iterator does.
  std::stable_sort(chunks.begin(), chunks.end(),
                   [](const auto& a, const auto& b) { return a.front().t < b.front().t; });
  return chunks;
}

TEST(ChunkMergeIterator, BulkAcrossChunksEveryBatchSize) {
  auto chunks = mixed_chunks();
  const int64_t lo = chunks.front().front().t, hi = chunks.back().back().t;
  for (auto [mint, maxt] : {std::pair<int64_t, int64_t>{INT64_MIN, INT64_MAX},
                            {lo + 13, hi - 17},
                            {chunks[2].front().t, chunks[6].back().t},
                            {chunks[3][0].t + 1, chunks[3].back().t}}) {
    std::vector<Sample> want = reference(chunks, mint, maxt);
    auto c = chunks_of(chunks);
    ChunkMergeIterator it;
    for (size_t batch = 1; batch <= 260; ++batch) {
      it.reset(c, mint, maxt);
      SCOPED_TRACE("batch " + std::to_string(batch) + " mint " + std::to_string(mint));
      expect_samples(drain_batch(it, batch), want);
      EXPECT_TRUE(it.status().is_ok());
    }
  }
}

// next(), seek() and next_batch() interleaved at random match a model of the
// merged series (seek never moves backwards; at() is the last sample read).
TEST(ChunkMergeIterator, InterleavedCallsMatchModel) {
  auto chunks = mixed_chunks();
  std::vector<Sample> want = reference(chunks, INT64_MIN, INT64_MAX);
  auto c = chunks_of(chunks);
  std::mt19937_64 rng(5);
  std::vector<int64_t> ts(64);
  std::vector<double> vs(64);
  for (int round = 0; round < 300; ++round) {
    ChunkMergeIterator it;
    it.reset(c, INT64_MIN, INT64_MAX);
    size_t pos = 0;  // index of the next sample to return
    bool has_cur = false;
    for (int step = 0; step < 40 && pos <= want.size(); ++step) {
      SCOPED_TRACE("round " + std::to_string(round) + " step " + std::to_string(step));
      switch (rng() % 3) {
        case 0: {
          bool ok = it.next();
          ASSERT_EQ(ok, pos < want.size());
          if (!ok) {
            pos = want.size() + 1;
            break;
          }
          EXPECT_EQ(it.at().t, want[pos].t);
          ++pos;
          has_cur = true;
          break;
        }
        case 1: {
          size_t k = 1 + rng() % 64;
          size_t got = it.next_batch(ts.data(), vs.data(), k);
          size_t expect = std::min(k, want.size() - std::min(pos, want.size()));
          ASSERT_EQ(got, expect);
          for (size_t i = 0; i < got; ++i) {
            ASSERT_EQ(ts[i], want[pos + i].t) << i;
            ASSERT_EQ(vs[i], want[pos + i].v) << i;
          }
          pos += got;
          if (got > 0) {
            has_cur = true;
            EXPECT_EQ(it.at().t, ts[got - 1]);
          }
          break;
        }
        default: {
          int64_t t = want.front().t - 5 + static_cast<int64_t>(rng() % 1200);
          if (has_cur && want[pos - 1].t >= t) {
            ASSERT_TRUE(it.seek(t));
            EXPECT_EQ(it.at().t, want[pos - 1].t);
            break;
          }
          size_t i = pos;
          while (i < want.size() && want[i].t < t) ++i;
          bool ok = it.seek(t);
          ASSERT_EQ(ok, i < want.size());
          if (!ok) {
            pos = want.size() + 1;
            break;
          }
          EXPECT_EQ(it.at().t, want[i].t);
          EXPECT_EQ(it.at().v, want[i].v);
          pos = i + 1;
          has_cur = true;
          break;
        }
      }
    }
    EXPECT_TRUE(it.status().is_ok());
  }
}

// A corrupt chunk met in bulk mode: the samples before it come out, then
// the iterator stops with kCorruption.
TEST(ChunkMergeIterator, CorruptChunkInBulk) {
  auto first = range(0, 990, 10, 0);
  std::string bad = encode(range(1000, 1990, 10, 0.5));
  bad.resize(bad.size() - 3);  // its last block cut short
  auto c = std::make_shared<SeriesChunks>();
  add_chunk(*c, encode(first));
  add_chunk(*c, bad);
  add_chunk(*c, encode(range(2000, 2990, 10, 0)));
  c->sort();
  for (size_t batch : {1, 50, 100, 1000}) {
    ChunkMergeIterator it;
    it.reset(c, INT64_MIN, INT64_MAX);
    std::vector<Sample> got = drain_batch(it, batch);
    EXPECT_EQ(it.status().code(), StatusCode::kCorruption) << batch;
    ASSERT_GE(got.size(), first.size());
    ASSERT_LT(got.size(), first.size() + 100);
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].t, static_cast<int64_t>(i) * 10);
  }
}

}  // namespace
}  // namespace promlite::tsdb::store
