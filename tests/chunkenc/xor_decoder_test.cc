// XorIterator against a reference decoder written from tsdb/FORMAT.md ("Codec 1:
// xor"), bit by bit. The iterator's fast loop (unchecked loads, a zero-padded
// tail, branches per control prefix) must give the same samples and the same
// verdict as the reference on valid streams of every shape and on garbage, and
// every read path (next, next_batch of any size, seek) must agree.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <optional>
#include <random>

#include "tests/chunkenc/series_gen.h"
#include "tsdb/chunkenc/bit_stream.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/chunkenc/varint.h"
#include "tsdb/chunkenc/xor_chunk.h"

namespace promlite::tsdb::chunkenc {
namespace {

using model::Sample;
using testing::same_bits;

// --- Reference decoder: the spec, one field at a time. ---

struct RefResult {
  std::vector<Sample> samples;
  bool ok = true;
};

int64_t sign_extend_ref(uint64_t u, unsigned bits) {
  if (bits < 64 && (u >> (bits - 1)) & 1) u |= ~0ULL << bits;
  return static_cast<int64_t>(u);
}

// Decodes `count` samples of the stream in `stream` starting at t0. `max_t`:
// the sealed header's last timestamp, checked at the end when present.
RefResult ref_decode(std::span<const uint8_t> stream, int64_t t0, uint32_t count,
                     std::optional<int64_t> max_t) {
  RefResult res;
  BitReader r(stream.data(), stream.size());
  uint64_t t = static_cast<uint64_t>(t0), delta = 0, v = 0;
  int lead = -1, sig = 0;
  for (uint32_t i = 0; i < count; ++i) {
    if (i == 0) {
      v = r.read(64);
    } else {
      unsigned ones = 0;
      while (ones < 5 && r.read_bit()) ++ones;
      static constexpr unsigned kWidth[6] = {0, 8, 14, 20, 32, 64};
      uint64_t dod = 0;
      if (ones == 5) {
        dod = r.read(64);
      } else if (ones > 0) {
        dod = static_cast<uint64_t>(sign_extend_ref(r.read(kWidth[ones]), kWidth[ones]));
      }
      delta += dod;
      t += delta;
      if (r.read_bit()) {
        if (r.read_bit()) {
          lead = static_cast<int>(r.read(5));
          sig = static_cast<int>(r.read(6));
          if (sig == 0) sig = 64;
          if (lead + sig > 64) return res.ok = false, res;
        } else if (lead < 0) {
          return res.ok = false, res;
        }
        v ^= r.read(static_cast<unsigned>(sig)) << (64 - lead - sig);
      }
    }
    if (!r.ok()) return res.ok = false, res;
    res.samples.push_back({static_cast<int64_t>(t), model::bits_to_float(v)});
  }
  if (max_t && res.samples.back().t != *max_t) res.ok = false;
  if (r.bits_left() >= 8) res.ok = false;
  return res;
}

RefResult ref_decode_sealed(std::span<const uint8_t> chunk) {
  auto meta = read_chunk_meta(chunk);
  if (!meta.is_ok() || meta->encoding != Encoding::kXor) return {{}, false};
  return ref_decode(chunk.subspan(meta->header_size), meta->min_t, meta->count, meta->max_t);
}

// --- Generators. ---

std::vector<Sample> random_stream(std::mt19937_64& rng, size_t n) {
  switch (rng() % 4) {
    case 0:
      return testing::float_gauge(rng, n);
    case 1:
      return testing::random_bits(rng, n);
    default:
      return testing::zip(testing::bucket_times(rng, n), testing::window_values(rng, n));
  }
}

std::string sealed_xor(const std::vector<Sample>& s) {
  std::string chunk;
  EXPECT_TRUE(encode(Encoding::kXor, s, chunk).is_ok());
  return chunk;
}

void expect_same(const std::vector<Sample>& got, const std::vector<Sample>& want,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_TRUE(same_bits(got[i], want[i]))
        << what << ": sample " << i << " got (" << got[i].t << ", " << std::hex
        << model::float_bits(got[i].v) << ") want (" << std::dec << want[i].t << ", " << std::hex
        << model::float_bits(want[i].v) << ")";
  }
}

std::vector<Sample> drain_batches(SampleIterator& it, std::mt19937_64& rng, size_t max_batch) {
  std::vector<Sample> out;
  std::vector<int64_t> ts(max_batch);
  std::vector<double> vs(max_batch);
  for (;;) {
    size_t b = 1 + rng() % max_batch;
    size_t n = it.next_batch(ts.data(), vs.data(), b);
    if (n == 0) break;
    EXPECT_LE(n, b);
    for (size_t i = 0; i < n; ++i) out.push_back({ts[i], vs[i]});
  }
  return out;
}

TEST(XorDecoder, MatchesReferenceOnRandomStreams) {
  std::mt19937_64 rng(31337);
  XorIterator it;
  for (int iter = 0; iter < 400; ++iter) {
    size_t n = iter % 10 == 0 ? 1 + rng() % 2000 : 1 + rng() % 300;
    auto s = random_stream(rng, n);
    std::string chunk = sealed_xor(s);
    std::string what = "iter " + std::to_string(iter) + " n " + std::to_string(n);
    RefResult ref = ref_decode_sealed(as_bytes(chunk));
    ASSERT_TRUE(ref.ok) << what;
    expect_same(ref.samples, s, what + " reference");

    it.reset(as_bytes(chunk));
    std::vector<Sample> got;
    while (it.next()) got.push_back(it.at());
    ASSERT_TRUE(it.status().is_ok()) << what << ": " << it.status().to_string();
    expect_same(got, s, what + " next()");

    it.reset(as_bytes(chunk));
    expect_same(drain_batches(it, rng, 1 + rng() % 1024), s, what + " next_batch");
    ASSERT_TRUE(it.status().is_ok()) << what;

    // The head's open framing of the same samples, at a random count.
    std::string open;
    XorAppender app;
    size_t k = 1 + rng() % n;
    for (size_t i = 0; i < k; ++i) app.append(open, s[i].t, s[i].v);
    it.reset_open(as_bytes(open), app.count());
    std::vector<Sample> want(s.begin(), s.begin() + static_cast<long>(k));
    expect_same(drain_batches(it, rng, 64), want, what + " open");
    ASSERT_TRUE(it.status().is_ok()) << what;
  }
}

TEST(XorDecoder, EveryBatchSizeFrom1To1024) {
  std::mt19937_64 rng(5);
  auto s = testing::zip(testing::bucket_times(rng, 1100), testing::window_values(rng, 1100));
  std::string chunk = sealed_xor(s);
  XorIterator it;
  std::vector<int64_t> ts(1024);
  std::vector<double> vs(1024);
  for (size_t b = 1; b <= 1024; ++b) {
    it.reset(as_bytes(chunk));
    size_t i = 0;
    while (size_t n = it.next_batch(ts.data(), vs.data(), b)) {
      ASSERT_TRUE(n == b || i + n == s.size()) << "short batch before the end, size " << b;
      for (size_t k = 0; k < n; ++k, ++i) {
        ASSERT_TRUE(same_bits({ts[k], vs[k]}, s[i])) << "batch size " << b << " sample " << i;
      }
      ASSERT_TRUE(same_bits(it.at(), s[i - 1]));
    }
    ASSERT_EQ(i, s.size()) << b;
    ASSERT_TRUE(it.status().is_ok()) << b;
  }
}

TEST(XorDecoder, SeekToEveryPosition) {
  std::mt19937_64 rng(77);
  // Strictly increasing timestamps, so every sample is the answer to some seek.
  auto s =
      testing::zip(testing::scrape_times(rng, 300, 15000, 3), testing::window_values(rng, 300));
  std::string chunk = sealed_xor(s);
  XorIterator it;
  int64_t ts[40];
  double vs[40];
  for (size_t i = 0; i < s.size(); ++i) {
    for (int64_t off : {int64_t{0}, int64_t{-1}}) {
      it.reset(as_bytes(chunk));
      ASSERT_TRUE(it.seek(s[i].t + off)) << i;
      ASSERT_TRUE(same_bits(it.at(), s[i])) << i << " offset " << off;
      // Staying put, then the rest through a batch and next().
      ASSERT_TRUE(it.seek(s[i].t - 1000));
      ASSERT_TRUE(same_bits(it.at(), s[i]));
      size_t j = i + 1;
      size_t n = it.next_batch(ts, vs, 1 + i % 40);
      for (size_t k = 0; k < n; ++k, ++j) ASSERT_TRUE(same_bits({ts[k], vs[k]}, s[j])) << i;
      while (it.next()) ASSERT_TRUE(same_bits(it.at(), s[j++])) << i;
      ASSERT_EQ(j, s.size());
      ASSERT_TRUE(it.status().is_ok());
    }
    // Seeking forward from sample i to a later one.
    it.reset(as_bytes(chunk));
    ASSERT_TRUE(it.seek(s[i].t));
    size_t later = i + rng() % (s.size() - i);
    ASSERT_TRUE(it.seek(s[later].t));
    ASSERT_TRUE(same_bits(it.at(), s[later]));
  }
  it.reset(as_bytes(chunk));
  EXPECT_FALSE(it.seek(s.back().t + 1));
  EXPECT_TRUE(it.status().is_ok());
}

TEST(XorDecoder, SpecialValuesThroughEveryPath) {
  // Every ordered pair of special values, long enough for the fast loop.
  auto sp = testing::special_floats();
  std::vector<Sample> s;
  int64_t t = testing::kEpochMs;
  for (double a : sp) {
    for (double b : sp) {
      s.push_back({t += 15000, a});
      s.push_back({t += 15000, b});
    }
  }
  std::string chunk = sealed_xor(s);
  std::mt19937_64 rng(1);
  XorIterator it;
  it.reset(as_bytes(chunk));
  expect_same(drain_batches(it, rng, 1024), s, "batches");
  it.reset(as_bytes(chunk));
  std::vector<Sample> got;
  while (it.next()) got.push_back(it.at());
  expect_same(got, s, "next");
  size_t stale = 0;
  for (const Sample& x : got) stale += model::float_bits(x.v) == 0x7ff0000000000002ULL;
  EXPECT_EQ(stale, 2 * sp.size());
}

// Garbage after a valid header, and valid chunks with damage: the iterator
// must give exactly the reference's samples and verdict, on every read path.
TEST(XorDecoder, CorruptStreamsMatchReference) {
  std::mt19937_64 rng(2718);
  XorIterator it;
  size_t corrupt = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string chunk;
    if (iter % 3 == 0) {
      // Random stream bytes under a random header.
      uint32_t count = 1 + static_cast<uint32_t>(rng() % 200);
      chunk.push_back(static_cast<char>(Encoding::kXor));
      put_uvarint(chunk, count);
      put_varint(chunk, static_cast<int64_t>(rng() % 1000));
      put_uvarint(chunk, rng() % 3 == 0 ? rng() : rng() % 100000);
      size_t len = rng() % 400;
      for (size_t i = 0; i < len; ++i) chunk.push_back(static_cast<char>(rng()));
    } else {
      chunk = sealed_xor(random_stream(rng, 1 + rng() % 200));
      size_t hdr = read_chunk_meta(as_bytes(chunk))->header_size;
      switch (rng() % 3) {
        case 0:  // truncate
          chunk.resize(hdr + rng() % (chunk.size() - hdr + 1));
          break;
        case 1:  // flip bits in the stream
          for (int k = 0; k < 3; ++k) {
            size_t bit = hdr * 8 + rng() % ((chunk.size() - hdr) * 8);
            chunk[bit / 8] = static_cast<char>(chunk[bit / 8] ^ (1 << (bit % 8)));
          }
          break;
        default:  // trailing garbage
          for (size_t k = 1 + rng() % 40; k > 0; --k) chunk.push_back(static_cast<char>(rng()));
          break;
      }
    }
    RefResult ref = ref_decode_sealed(as_bytes(chunk));
    std::string what = "iter " + std::to_string(iter);
    it.reset(as_bytes(chunk));
    std::vector<Sample> got;
    while (it.next()) got.push_back(it.at());
    // The reference reports the samples before the failing one; the iterator
    // ends there too (a sealed chunk whose only fault is its last timestamp or
    // trailing bytes yields every sample, then the error).
    expect_same(got, ref.samples, what + " next()");
    ASSERT_EQ(it.status().is_ok(), ref.ok) << what << ": " << it.status().to_string();
    if (!ref.ok) {
      ASSERT_EQ(it.status().code(), StatusCode::kCorruption);
      ++corrupt;
    }
    it.reset(as_bytes(chunk));
    expect_same(drain_batches(it, rng, 300), ref.samples, what + " next_batch");
    ASSERT_EQ(it.status().is_ok(), ref.ok) << what;
  }
  EXPECT_GT(corrupt, 1000u);
}

}  // namespace
}  // namespace promlite::tsdb::chunkenc
