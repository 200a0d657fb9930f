#include "tsdb/chunkenc/chunk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>

#include "tests/chunkenc/series_gen.h"
#include "tsdb/chunkenc/block_chunk.h"

namespace promlite::tsdb::chunkenc {
namespace {

using model::Sample;
using testing::same_bits;

constexpr Encoding kAllEncodings[] = {Encoding::kXor, Encoding::kConst, Encoding::kIntPack};

struct Case {
  std::string name;
  std::vector<Sample> samples;
  bool ordered = true;  // timestamps non-decreasing (seek is defined)
};

std::vector<Case> make_cases() {
  std::mt19937_64 rng(42);
  std::vector<Case> cases;
  for (size_t n : {1, 2, 3, 31, 32, 33, 64, 120, 240, 257, 1000}) {
    std::string sz = "/" + std::to_string(n);
    cases.push_back({"counter" + sz, testing::counter(rng, n)});
    cases.push_back({"counter_resets_jitter" + sz, testing::counter(rng, n, 0.05, 20)});
    cases.push_back({"float_gauge" + sz, testing::float_gauge(rng, n)});
    cases.push_back({"decimal_gauge1" + sz, testing::decimal_gauge(rng, n, 1)});
    cases.push_back({"decimal_gauge3" + sz, testing::decimal_gauge(rng, n, 3)});
    cases.push_back({"const_zero" + sz, testing::constant(rng, n, 0.0)});
    cases.push_back({"const_one" + sz, testing::constant(rng, n, 1.0)});
    cases.push_back({"const_neg_zero" + sz, testing::constant(rng, n, -0.0)});
    cases.push_back({"const_stale" + sz, testing::constant(rng, n, model::stale_nan())});
    cases.push_back({"const_pi" + sz, testing::constant(rng, n, 3.141592653589793)});
    cases.push_back({"random_bits" + sz, testing::random_bits(rng, n)});
    cases.push_back({"wild_times" + sz, testing::wild_times(rng, n)});
    cases.push_back({"random_times" + sz, testing::random_times(rng, n), n <= 1});
  }
  // Integers near the 2^53 limit and large negative ones.
  std::vector<Sample> big;
  for (int i = 0; i < 100; ++i) {
    double v = (i % 2 ? -1 : 1) * (9007199254740992.0 - static_cast<double>(i * 1000));
    big.push_back({testing::kEpochMs + i * 1000, v});
  }
  cases.push_back({"big_ints", big});
  // Constant non-zero delta of delta (width-0 blocks with a base) for times and values.
  std::vector<Sample> accel;
  for (int64_t i = 0; i < 100; ++i)
    accel.push_back({1000 + 7 * i * i, 3.0 * static_cast<double>(i * i)});
  cases.push_back({"accelerating", accel});
  return cases;
}

void expect_same(const std::vector<Sample>& got, const std::vector<Sample>& want,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_TRUE(same_bits(got[i], want[i]))
        << what << ": sample " << i << " got (" << got[i].t << ", " << got[i].v << ") want ("
        << want[i].t << ", " << want[i].v << ")";
  }
}

std::vector<Sample> drain_next(SampleIterator& it) {
  std::vector<Sample> out;
  while (it.next()) out.push_back(it.at());
  return out;
}

std::vector<Sample> drain_batch(SampleIterator& it, size_t batch) {
  std::vector<Sample> out;
  std::vector<int64_t> ts(batch);
  std::vector<double> vs(batch);
  for (;;) {
    size_t n = it.next_batch(ts.data(), vs.data(), batch);
    if (n == 0) break;
    EXPECT_LE(n, batch);
    for (size_t i = 0; i < n; ++i) out.push_back({ts[i], vs[i]});
    EXPECT_TRUE(same_bits(it.at(), out.back())) << "at() after next_batch";
  }
  return out;
}

// Checks one encoded chunk against its samples through every read path.
void check_chunk(const std::string& chunk, const Case& c, const std::string& what) {
  auto meta = read_chunk_meta(as_bytes(chunk));
  ASSERT_TRUE(meta.is_ok()) << what << ": " << meta.status().to_string();
  EXPECT_EQ(meta->count, c.samples.size()) << what;
  EXPECT_EQ(meta->min_t, c.samples.front().t) << what;
  EXPECT_EQ(meta->max_t, c.samples.back().t) << what;

  auto it = new_iterator(as_bytes(chunk));
  expect_same(drain_next(*it), c.samples, what + " next()");
  EXPECT_TRUE(it->status().is_ok()) << what << ": " << it->status().to_string();
  EXPECT_FALSE(it->next()) << what << ": next() after the end";

  for (size_t batch : {1, 3, 32, 33, 100, 5000}) {
    it = new_iterator(as_bytes(chunk), std::move(it));
    expect_same(drain_batch(*it, batch), c.samples,
                what + " next_batch(" + std::to_string(batch) + ")");
    EXPECT_TRUE(it->status().is_ok()) << what;
  }

  // Interleaved next() and next_batch().
  it = new_iterator(as_bytes(chunk), std::move(it));
  std::vector<Sample> mixed;
  int64_t ts[7];
  double vs[7];
  for (int round = 0;; ++round) {
    if (round % 2 == 0) {
      if (!it->next()) break;
      mixed.push_back(it->at());
    } else {
      size_t n = it->next_batch(ts, vs, 1 + static_cast<size_t>(round) % 7);
      if (n == 0) break;
      for (size_t i = 0; i < n; ++i) mixed.push_back({ts[i], vs[i]});
    }
  }
  expect_same(mixed, c.samples, what + " mixed");
  EXPECT_TRUE(it->status().is_ok()) << what;
}

TEST(Chunk, RoundTripEveryCodecEveryShape) {
  int encoded = 0;
  for (const Case& c : make_cases()) {
    for (Encoding e : kAllEncodings) {
      std::string chunk = "prefix";
      Status s = encode(e, c.samples, chunk);
      if (!s.is_ok()) {
        EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
        EXPECT_EQ(chunk, "prefix") << "a failed encode must leave the output alone";
        EXPECT_NE(e, Encoding::kXor) << "XOR encodes anything";
        continue;
      }
      ++encoded;
      ASSERT_EQ(chunk.substr(0, 6), "prefix");
      check_chunk(chunk.substr(6), c, c.name + "/" + std::string(encoding_name(e)));
    }
  }
  EXPECT_GT(encoded, 300);
}

TEST(Chunk, EncodeBestRoundTripsAndIsSmallest) {
  for (const Case& c : make_cases()) {
    std::string best;
    auto e = encode_best(c.samples, best);
    ASSERT_TRUE(e.is_ok()) << c.name;
    EXPECT_EQ(static_cast<uint8_t>(best[0]), static_cast<uint8_t>(*e));
    check_chunk(best, c, c.name + "/best");
    for (Encoding other : kAllEncodings) {
      std::string alt;
      if (encode(other, c.samples, alt).is_ok()) {
        EXPECT_LE(best.size(), alt.size()) << c.name << " vs " << encoding_name(other);
      }
    }
  }
}

TEST(Chunk, CodecChoice) {
  std::mt19937_64 rng(5);
  struct {
    const char* name;
    std::vector<Sample> samples;
    Encoding want;
  } cases[] = {
      {"counter", testing::counter(rng, 120), Encoding::kIntPack},
      {"counter_resets", testing::counter(rng, 240, 0.02, 5), Encoding::kIntPack},
      {"decimal_gauge", testing::decimal_gauge(rng, 120, 2), Encoding::kIntPack},
      {"float_gauge", testing::float_gauge(rng, 120), Encoding::kXor},
      {"const_pi", testing::constant(rng, 120, 3.141592653589793), Encoding::kConst},
      {"const_stale", testing::constant(rng, 120, model::stale_nan()), Encoding::kConst},
      {"random_bits", testing::random_bits(rng, 120), Encoding::kXor},
  };
  for (auto& c : cases) {
    std::string best, xor_chunk;
    auto e = encode_best(c.samples, best);
    ASSERT_TRUE(e.is_ok());
    EXPECT_EQ(*e, c.want) << c.name;
    ASSERT_TRUE(encode(Encoding::kXor, c.samples, xor_chunk).is_ok());
    if (c.want != Encoding::kXor) {
      EXPECT_LT(best.size(), xor_chunk.size()) << c.name;
    }
  }
}

TEST(Chunk, IntegerCounterIsCompact) {
  std::mt19937_64 rng(9);
  auto samples = testing::counter(rng, 120);  // regular 15 s interval, increments ~40
  std::string chunk;
  ASSERT_TRUE(encode_best(samples, chunk).is_ok());
  // Timestamps cost ~0 bits, deltas of a Poisson(40) increment ~5 bits: well under
  // one byte per sample including headers.
  EXPECT_LT(chunk.size(), 120u);
  std::string constant;
  ASSERT_TRUE(encode_best(testing::constant(rng, 120, 1.0), constant).is_ok());
  EXPECT_LE(constant.size(), 24u);  // 11 header + 13 payload bytes
}

TEST(Chunk, IntPlanFindsDecimalScaleAndOrder) {
  std::vector<Sample> s = {{0, 0.5}, {1, 0.25}, {2, 0.125}};
  auto plan = plan_int(s);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->scale, 3u);
  std::vector<Sample> linear;
  for (int i = 0; i < 100; ++i) linear.push_back({i * 1000, 1000.0 + 7 * i});
  plan = plan_int(linear);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->scale, 0u);
  EXPECT_EQ(plan->order, 2u);  // constant slope: delta of delta is zero
  for (double bad : {-0.0, std::nan(""), 1e300, 0.1 + 0.2, 1.0 / 3}) {
    std::vector<Sample> one = {{0, 1}, {1, bad}};
    EXPECT_FALSE(plan_int(one).has_value()) << bad;
  }
}

TEST(Chunk, RejectsBadInput) {
  std::string out;
  EXPECT_EQ(encode_best({}, out).status().code(), StatusCode::kInvalidArgument);
  std::vector<Sample> two = {{1, 1.0}, {2, 2.0}};
  EXPECT_EQ(encode(Encoding::kConst, two, out).code(), StatusCode::kInvalidArgument);
  std::vector<Sample> frac = {{1, 0.1 + 0.2}};
  EXPECT_EQ(encode(Encoding::kIntPack, frac, out).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(out.empty());
}

TEST(Chunk, SeekSemantics) {
  std::mt19937_64 rng(77);
  for (const Case& c : make_cases()) {
    if (!c.ordered) continue;
    std::string chunk;
    ASSERT_TRUE(encode_best(c.samples, chunk).is_ok());
    const auto& s = c.samples;
    auto first_at_or_after = [&](int64_t t, size_t from) {
      size_t i = from;
      while (i < s.size() && s[i].t < t) ++i;
      return i;
    };
    for (int trial = 0; trial < 10; ++trial) {
      auto it = new_iterator(as_bytes(chunk));
      size_t pos = 0;  // index of the current sample once positioned
      bool positioned = false;
      for (int step = 0; step < 8; ++step) {
        int64_t target;
        switch (rng() % 4) {
          case 0:
            target = s[rng() % s.size()].t;
            break;
          case 1:
            target = s[rng() % s.size()].t + 1;
            break;
          case 2:
            target = positioned ? s[pos].t - 1 : s.front().t;  // backwards: must stay
            break;
          default:
            target = s.front().t + static_cast<int64_t>(rng() % 100000);
            break;
        }
        size_t want = first_at_or_after(target, positioned ? pos : 0);
        bool ok = it->seek(target);
        if (want == s.size()) {
          EXPECT_FALSE(ok) << c.name;
          break;
        }
        ASSERT_TRUE(ok) << c.name << " target " << target;
        EXPECT_TRUE(same_bits(it->at(), s[want])) << c.name << " target " << target;
        pos = want;
        positioned = true;
        if (rng() % 2 && pos + 1 < s.size()) {
          ASSERT_TRUE(it->next());
          ++pos;
          EXPECT_TRUE(same_bits(it->at(), s[pos])) << c.name;
        }
      }
      EXPECT_TRUE(it->status().is_ok()) << c.name;
    }
    // Past the end.
    auto it = new_iterator(as_bytes(chunk));
    if (s.back().t < std::numeric_limits<int64_t>::max()) {
      EXPECT_FALSE(it->seek(s.back().t + 1));
    }
    EXPECT_FALSE(it->next());
    // Before the start: the first sample.
    it = new_iterator(as_bytes(chunk));
    ASSERT_TRUE(it->seek(std::numeric_limits<int64_t>::min()));
    EXPECT_TRUE(same_bits(it->at(), s.front()));
    // Seek to the current sample after a batch stays on the batch's last sample.
    if (s.size() > 10) {
      it = new_iterator(as_bytes(chunk));
      int64_t ts[5];
      double vs[5];
      ASSERT_EQ(it->next_batch(ts, vs, 5), 5u);
      ASSERT_TRUE(it->seek(s[2].t));
      EXPECT_TRUE(same_bits(it->at(), s[first_at_or_after(s[2].t, 4)])) << c.name;
    }
  }
}

TEST(Chunk, IteratorReuseAcrossCodecs) {
  std::mt19937_64 rng(1);
  auto a = testing::counter(rng, 50);
  auto b = testing::float_gauge(rng, 50);
  std::string ca, cb;
  ASSERT_EQ(*encode_best(a, ca), Encoding::kIntPack);
  ASSERT_EQ(*encode_best(b, cb), Encoding::kXor);
  std::unique_ptr<SampleIterator> it;
  for (int i = 0; i < 4; ++i) {
    const std::string& c = i % 2 ? cb : ca;
    it = new_iterator(as_bytes(c), std::move(it));
    expect_same(drain_next(*it), i % 2 ? b : a, "reuse");
  }
}

TEST(Chunk, MetaRejectsGarbageHeaders) {
  std::vector<std::string> bad = {
      "",                                  // empty
      std::string(1, '\0'),                // reserved format byte
      "\x07",                              // unknown format byte
      "\x01",                              // truncated after the format byte
      std::string("\x01\x00\x00\x00", 4),  // count 0
      "\x01\xff\xff\xff\xff\x0f\x00\x00",  // count above the limit
  };
  for (const std::string& b : bad) {
    auto m = read_chunk_meta(as_bytes(b));
    EXPECT_FALSE(m.is_ok());
    EXPECT_EQ(m.status().code(), StatusCode::kCorruption);
    auto it = new_iterator(as_bytes(b));
    EXPECT_FALSE(it->next());
    EXPECT_FALSE(it->seek(0));
    EXPECT_EQ(it->status().code(), StatusCode::kCorruption);
  }
}

// Decodes `chunk` every way; must not crash. Returns the next() decode's status.
Status decode_every_way(const std::vector<uint8_t>& chunk) {
  std::span<const uint8_t> bytes(chunk.data(), chunk.size());
  auto it = new_iterator(bytes);
  size_t n = 0;
  while (it->next()) ++n;
  Status s = it->status();
  EXPECT_LE(n, kMaxChunkSamples);
  int64_t ts[33];
  double vs[33];
  it = new_iterator(bytes, std::move(it));
  while (it->next_batch(ts, vs, 33) > 0) {
  }
  EXPECT_EQ(it->status().code(), s.code()) << "batch and next() disagree on corruption";
  it = new_iterator(bytes, std::move(it));
  for (int64_t t = std::numeric_limits<int64_t>::min(); it->seek(t);) {
    t = it->at().t + 1;
    if (t == std::numeric_limits<int64_t>::min()) break;  // wrapped
  }
  return s;
}

std::vector<std::string> corpus_chunks() {
  std::mt19937_64 rng(8);
  std::vector<std::string> out;
  for (auto samples : {testing::counter(rng, 120, 0.05, 10), testing::float_gauge(rng, 70),
                       testing::constant(rng, 40, model::stale_nan()),
                       testing::decimal_gauge(rng, 33, 2), testing::random_bits(rng, 20)}) {
    for (Encoding e : kAllEncodings) {
      std::string c;
      if (encode(e, samples, c).is_ok()) out.push_back(c);
    }
  }
  return out;
}

TEST(ChunkCorruption, EveryTruncationIsReported) {
  for (const std::string& c : corpus_chunks()) {
    for (size_t cut = 0; cut < c.size(); ++cut) {
      std::vector<uint8_t> prefix(c.begin(), c.begin() + static_cast<long>(cut));
      Status s = decode_every_way(prefix);
      EXPECT_EQ(s.code(), StatusCode::kCorruption)
          << encoding_name(static_cast<Encoding>(c[0])) << " cut at " << cut << "/" << c.size();
    }
    std::vector<uint8_t> longer(c.begin(), c.end());
    longer.push_back(0);
    EXPECT_EQ(decode_every_way(longer).code(), StatusCode::kCorruption) << "trailing byte";
  }
}

TEST(ChunkCorruption, BitFlipsNeverCrash) {
  std::mt19937_64 rng(99);
  size_t detected = 0, total = 0;
  for (const std::string& c : corpus_chunks()) {
    for (size_t bit = 0; bit < c.size() * 8; ++bit) {
      std::vector<uint8_t> flipped(c.begin(), c.end());
      flipped[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      Status s = decode_every_way(flipped);
      EXPECT_TRUE(s.is_ok() || s.code() == StatusCode::kCorruption);
      detected += !s.is_ok();
      ++total;
    }
    for (int i = 0; i < 200; ++i) {
      std::vector<uint8_t> junk(c.begin(), c.end());
      for (int k = 0; k < 4; ++k) junk[rng() % junk.size()] = static_cast<uint8_t>(rng());
      decode_every_way(junk).ignore();
    }
  }
  // Flips in value bits are undetectable by design (no checksum: that is the
  // storage layer's job), but header and structure damage is caught.
  EXPECT_GT(detected, total / 10);
  std::printf("bit flips detected: %zu of %zu\n", detected, total);
}

}  // namespace
}  // namespace promlite::tsdb::chunkenc
