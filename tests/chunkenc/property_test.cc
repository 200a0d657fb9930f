// Randomised round-trip properties over mixed series: many seeds, random lengths,
// and series stitched from segments of different shapes, so codec choice,
// block boundaries and XOR window changes fall at random places.
#include <gtest/gtest.h>

#include <random>

#include "tests/chunkenc/series_gen.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/chunkenc/xor_chunk.h"

namespace promlite::tsdb::chunkenc {
namespace {

using model::Sample;
using testing::same_bits;

std::vector<Sample> random_series(std::mt19937_64& rng) {
  size_t n = 1 + rng() % 300;
  std::vector<Sample> out;
  int64_t t = static_cast<int64_t>(rng() % 4 == 0 ? rng() : testing::kEpochMs + rng() % 1000000);
  auto sp = testing::special_floats();
  while (out.size() < n) {
    size_t seg = rng() % 6 == 0 ? n : 1 + rng() % 50;  // sometimes one shape throughout
    int shape = static_cast<int>(rng() % 7);
    int64_t step = rng() % 5 == 0 ? static_cast<int64_t>(rng() % 100000) : 15000;
    double base = static_cast<double>(static_cast<int64_t>(rng() % 2000000) - 1000000);
    double constant = rng() % 2 ? base : base * 3.141592653589793;
    for (size_t i = 0; i < seg && out.size() < n; ++i) {
      // Saturate instead of overflowing near the top of the int64 range.
      if (t > std::numeric_limits<int64_t>::max() - step - 1000) {
        step = 0;
      } else {
        t += step + static_cast<int64_t>(rng() % 3) - 1;
      }
      double v = 0;
      switch (shape) {
        case 0:
          v = base + static_cast<double>(i * (rng() % 100));  // counter-like
          break;
        case 1:
          v = constant;
          break;
        case 2:
          v = base / 100.0;  // two decimals
          base += static_cast<double>(static_cast<int64_t>(rng() % 21) - 10);
          break;
        case 3:
          v = sp[rng() % sp.size()];
          break;
        case 4:
          v = model::bits_to_float(rng());
          break;
        case 5:
          v = base * 1e-3 + std::ldexp(1.0, -static_cast<int>(rng() % 60));
          break;
        default:
          v = 0;
          break;
      }
      out.push_back({t, v});
    }
  }
  return out;
}

TEST(ChunkProperty, RandomSeriesRoundTripEveryWay) {
  std::mt19937_64 rng(20240601);
  int by_codec[4] = {};
  for (int iter = 0; iter < 1500; ++iter) {
    auto samples = random_series(rng);
    std::string chunk;
    auto e = encode_best(samples, chunk);
    ASSERT_TRUE(e.is_ok());
    ++by_codec[static_cast<int>(*e)];
    auto all = decode_all(as_bytes(chunk));
    ASSERT_TRUE(all.is_ok()) << iter << ": " << all.status().to_string();
    ASSERT_EQ(all->size(), samples.size()) << iter;
    for (size_t i = 0; i < samples.size(); ++i) {
      ASSERT_TRUE(same_bits((*all)[i], samples[i])) << "iter " << iter << " sample " << i;
    }
    // The head's path: append in place, seal, then re-encode the sealed chunk.
    std::string open;
    XorAppender app;
    for (const Sample& s : samples) app.append(open, s.t, s.v);
    std::string sealed;
    app.seal(open, sealed);
    auto from_head = decode_all(as_bytes(sealed));
    ASSERT_TRUE(from_head.is_ok());
    std::string again;
    ASSERT_TRUE(encode_best(*from_head, again).is_ok());
    EXPECT_EQ(again, chunk) << "re-encoding decoded samples must be deterministic";
  }
  // The mix must exercise every codec.
  EXPECT_GT(by_codec[static_cast<int>(Encoding::kXor)], 0);
  EXPECT_GT(by_codec[static_cast<int>(Encoding::kIntPack)], 0);
  EXPECT_GT(by_codec[static_cast<int>(Encoding::kConst)], 0);
}

}  // namespace
}  // namespace promlite::tsdb::chunkenc
