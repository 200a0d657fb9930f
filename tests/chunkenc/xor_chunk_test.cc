#include "tsdb/chunkenc/xor_chunk.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/chunkenc/series_gen.h"
#include "tsdb/chunkenc/chunk.h"

namespace promlite::tsdb::chunkenc {
namespace {

using model::Sample;
using testing::same_bits;

std::vector<Sample> drain(SampleIterator& it) {
  std::vector<Sample> out;
  while (it.next()) out.push_back(it.at());
  return out;
}

void expect_same(const std::vector<Sample>& got, const std::vector<Sample>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_TRUE(same_bits(got[i], want[i]))
        << "sample " << i << ": got (" << got[i].t << ", " << std::hex
        << model::float_bits(got[i].v) << ") want (" << std::dec << want[i].t << ", " << std::hex
        << model::float_bits(want[i].v) << ")";
  }
}

TEST(XorAppender, StateIsSmall) {
  // The head keeps one appender per active series.
  EXPECT_LE(sizeof(XorAppender), 32u);
}

TEST(XorAppender, OpenChunkReadableAfterEveryAppend) {
  std::mt19937_64 rng(11);
  auto samples = testing::random_bits(rng, 300);
  std::string buf;
  XorAppender app;
  XorIterator it;
  for (size_t i = 0; i < samples.size(); ++i) {
    app.append(buf, samples[i].t, samples[i].v);
    ASSERT_EQ(app.count(), i + 1);
    ASSERT_EQ(app.last_t(), samples[i].t);
    if (i % 37 == 0 || i + 1 == samples.size()) {
      it.reset_open(as_bytes(buf), app.count());
      std::vector<Sample> want(samples.begin(), samples.begin() + static_cast<long>(i) + 1);
      expect_same(drain(it), want);
      ASSERT_TRUE(it.status().is_ok()) << it.status().to_string();
    }
  }
}

TEST(XorAppender, SealMatchesDirectEncoding) {
  std::mt19937_64 rng(12);
  for (auto samples : {testing::counter(rng, 120, 0.05, 30), testing::float_gauge(rng, 240),
                       testing::wild_times(rng, 100), testing::random_bits(rng, 1)}) {
    std::string buf;
    XorAppender app;
    for (const Sample& s : samples) app.append(buf, s.t, s.v);
    std::string sealed, direct;
    app.seal(buf, sealed);
    ASSERT_TRUE(encode(Encoding::kXor, samples, direct).is_ok());
    EXPECT_EQ(sealed, direct);
    XorIterator it;
    it.reset(as_bytes(sealed));
    expect_same(drain(it), samples);
    EXPECT_TRUE(it.status().is_ok());
  }
}

TEST(XorAppender, SpecialFloatsBitExact) {
  auto sp = testing::special_floats();
  std::vector<Sample> samples;
  int64_t t = testing::kEpochMs;
  // Every ordered pair, so every XOR transition between specials appears.
  for (double a : sp) {
    for (double b : sp) {
      samples.push_back({t += 15000, a});
      samples.push_back({t += 15000, b});
    }
  }
  std::string chunk;
  ASSERT_TRUE(encode(Encoding::kXor, samples, chunk).is_ok());
  XorIterator it;
  it.reset(as_bytes(chunk));
  expect_same(drain(it), samples);
  EXPECT_TRUE(it.status().is_ok());
}

TEST(XorAppender, StalenessMarkerSurvives) {
  std::string buf;
  XorAppender app;
  app.append(buf, 1000, 5.0);
  app.append(buf, 2000, model::stale_nan());
  app.append(buf, 3000, 6.0);
  XorIterator it;
  it.reset_open(as_bytes(buf), app.count());
  ASSERT_TRUE(it.next());
  ASSERT_TRUE(it.next());
  EXPECT_TRUE(model::is_stale_nan(it.at().v));
  ASSERT_TRUE(it.next());
  EXPECT_EQ(it.at().v, 6.0);
  EXPECT_FALSE(it.next());
}

TEST(XorAppender, TimestampBucketsAtTheirEdges) {
  // Delta-of-delta values on both sides of every bucket boundary.
  std::vector<int64_t> dods = {0,
                               1,
                               -1,
                               127,
                               -128,
                               128,
                               -129,
                               8191,
                               -8192,
                               8192,
                               -8193,
                               524287,
                               -524288,
                               524288,
                               -524289,
                               2147483647,
                               -2147483648LL,
                               2147483648LL,
                               -2147483649LL,
                               int64_t{1} << 50,
                               -(int64_t{1} << 50)};
  std::vector<Sample> samples;
  int64_t t = 0, d = 15000;
  samples.push_back({t, 1});
  for (int64_t dod : dods) {
    d += dod;
    t += d;
    samples.push_back({t, 1});
  }
  std::string chunk;
  ASSERT_TRUE(encode(Encoding::kXor, samples, chunk).is_ok());
  XorIterator it;
  it.reset(as_bytes(chunk));
  expect_same(drain(it), samples);
  EXPECT_TRUE(it.status().is_ok());
}

TEST(XorIterator, OpenChunkWithWrongCountIsCorrupt) {
  std::string buf;
  XorAppender app;
  for (int i = 0; i < 10; ++i) app.append(buf, i * 1000, i * 1.5);
  XorIterator it;
  it.reset_open(as_bytes(buf), 400);  // claims more samples than the bytes hold
  while (it.next()) {
  }
  EXPECT_EQ(it.status().code(), StatusCode::kCorruption);
  it.reset_open(as_bytes(buf), 3);  // fewer: trailing bytes
  while (it.next()) {
  }
  EXPECT_EQ(it.status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace promlite::tsdb::chunkenc
