// The block codecs' decode kernels (tsdb/chunkenc/block_decode.h) against a
// plain reference, at every width, order and block length; and the
// next_batch() contract the store's bulk decoding relies on.
#include "tsdb/chunkenc/block_decode.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/chunkenc/series_gen.h"
#include "tsdb/chunkenc/bit_stream.h"
#include "tsdb/chunkenc/block_chunk.h"
#include "tsdb/chunkenc/chunk.h"

namespace promlite::tsdb::chunkenc {
namespace {

using model::Sample;

// Packed residuals of width w, exactly sized plus the kernels' read slack.
std::string packed(const std::vector<uint64_t>& r, unsigned w) {
  std::string out;
  pack_bits(r.data(), r.size(), w, out);
  out.append(kBlockReadSlack, '\xa5');  // garbage after the block must not matter
  return out;
}

TEST(BlockDecode, KernelsMatchReferenceEveryWidthOrderAndLength) {
  std::mt19937_64 rng(7);
  for (unsigned w = 0; w <= 64; ++w) {
    for (size_t m : {1, 2, 7, 8, 9, 15, 16, 17, 24, 31, 32}) {
      std::vector<uint64_t> r(m);
      for (uint64_t& x : r) x = rng() & low_mask(w);
      const uint64_t base = w % 3 == 0 ? 0 : rng();
      std::string bytes = packed(r, w);
      const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data());
      SCOPED_TRACE("w=" + std::to_string(w) + " m=" + std::to_string(m));

      TimeState ts0{rng(), rng()};
      TimeState st = ts0;
      std::vector<int64_t> ts(m);
      time_kernels()[w](p, m, base, st, ts.data());
      uint64_t t = ts0.t, d = ts0.d;
      for (size_t j = 0; j < m; ++j) {
        d += r[j] + base;
        t += d;
        ASSERT_EQ(ts[j], static_cast<int64_t>(t)) << j;
      }
      EXPECT_EQ(st.t, t);
      EXPECT_EQ(st.d, d);

      for (unsigned order = 0; order <= 2; ++order) {
        ValueState vs0{rng(), rng()};
        ValueState sv = vs0;
        std::vector<double> vs(m);
        value_kernels(order)[w](p, m, base, sv, vs.data());
        uint64_t v = vs0.v, vd = vs0.vd;
        for (size_t j = 0; j < m; ++j) {
          uint64_t x = r[j] + base;
          if (order == 2) {
            vd += x;
            v += vd;
          } else if (order == 1) {
            v += x;
          } else {
            v = x;
          }
          ASSERT_EQ(model::float_bits(vs[j]),
                    model::float_bits(static_cast<double>(static_cast<int64_t>(v))))
              << "order " << order << " sample " << j;
        }
        EXPECT_EQ(sv.v, v);
        if (order == 2) {
          EXPECT_EQ(sv.vd, vd);
        }
      }
    }
  }
}

// Integer series whose residuals need every width up to the codec's limits,
// through the chunk encoder and the iterator (blocks staged at the end of the
// span included: the chunk string has no bytes after it).
TEST(BlockDecode, IntPackRoundTripsWideResiduals) {
  std::mt19937_64 rng(11);
  for (unsigned bits = 0; bits <= 53; bits += 1) {
    for (size_t n : {1, 33, 120}) {
      std::vector<Sample> s;
      int64_t t = testing::kEpochMs;
      for (size_t i = 0; i < n; ++i) {
        t += 15000 + static_cast<int64_t>(rng() % 7) - 3;
        uint64_t mag = bits == 0 ? 0 : rng() & low_mask(bits);
        double v = static_cast<double>(static_cast<int64_t>(mag));
        if (mag != 0 && rng() % 2) v = -v;  // never -0.0 (not an integer form)
        s.push_back({t, v});
      }
      for (unsigned order = 0; order <= 2; ++order) {
        std::string chunk;
        encode_int(s, IntPlan{0, order, 0}, chunk);
        SCOPED_TRACE("bits=" + std::to_string(bits) + " n=" + std::to_string(n) +
                     " order=" + std::to_string(order));
        auto got = decode_all(as_bytes(chunk));
        ASSERT_TRUE(got.is_ok()) << got.status().message();
        ASSERT_EQ(got->size(), s.size());
        for (size_t i = 0; i < s.size(); ++i) {
          ASSERT_EQ((*got)[i].t, s[i].t) << i;
          ASSERT_EQ(model::float_bits((*got)[i].v), model::float_bits(s[i].v)) << i;
        }
      }
    }
  }
}

// next_batch() returns fewer than asked only when the chunk is done: the
// next call returns 0 (the store drains chunks back to back on this).
TEST(BlockDecode, ShortBatchMeansEndOfChunk) {
  std::mt19937_64 rng(3);
  std::vector<std::string> chunks;
  for (size_t n : {1, 31, 32, 33, 120, 257}) {
    for (auto samples : {testing::counter(rng, n), testing::float_gauge(rng, n),
                         testing::constant(rng, n, 2.0), testing::decimal_gauge(rng, n, 2)}) {
      for (Encoding e : {Encoding::kXor, Encoding::kConst, Encoding::kIntPack}) {
        std::string c;
        if (encode(e, samples, c).is_ok()) chunks.push_back(std::move(c));
      }
    }
  }
  std::vector<int64_t> ts(300);
  std::vector<double> vs(300);
  for (const std::string& c : chunks) {
    auto meta = read_chunk_meta(as_bytes(c));
    ASSERT_TRUE(meta.is_ok());
    for (size_t max : {1, 5, 31, 32, 33, 64, 100, 119, 120, 121, 300}) {
      auto it = new_iterator(as_bytes(c), *meta, nullptr);
      size_t total = 0;
      for (;;) {
        size_t got = it->next_batch(ts.data(), vs.data(), max);
        total += got;
        if (got < max) {
          EXPECT_EQ(it->next_batch(ts.data(), vs.data(), max), 0u);
          break;
        }
      }
      EXPECT_EQ(total, meta->count) << encoding_name(meta->encoding) << " max " << max;
      EXPECT_TRUE(it->status().is_ok());
    }
  }
}

}  // namespace
}  // namespace promlite::tsdb::chunkenc
