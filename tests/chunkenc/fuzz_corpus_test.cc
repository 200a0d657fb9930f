// Generates and checks the seed corpus of tests/fuzz/chunk_decoder_fuzz.cc.
// The seeds are produced by the generator below; regenerate them with
//   PROMLITE_WRITE_FUZZ_CORPUS=1 build/<dir>/tests/chunkenc_test --gtest_filter='FuzzCorpus.*'
// The test fails when the committed files differ from what the generator makes,
// so a format change cannot leave the fuzzer seeded with stale chunks.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>

#include "tests/chunkenc/series_gen.h"
#include "tsdb/chunkenc/chunk.h"

namespace promlite::tsdb::chunkenc {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> make_seeds() {
  std::mt19937_64 rng(2024);
  std::map<std::string, std::string> seeds;
  struct {
    const char* name;
    std::vector<model::Sample> samples;
  } shapes[] = {
      {"counter", testing::counter(rng, 120, 0.03, 10)},
      {"float_gauge", testing::float_gauge(rng, 40)},
      {"decimal_gauge", testing::decimal_gauge(rng, 70, 2)},
      {"const_stale", testing::constant(rng, 33, model::stale_nan())},
      {"specials", testing::random_bits(rng, 24)},
      {"wild_times", testing::wild_times(rng, 20)},
      {"single", testing::counter(rng, 1)},
      // Long enough for the XOR decoder's unchecked fast loop and its padded
      // tail: every window shape and timestamp bucket.
      {"long_gauge", testing::float_gauge(rng, 300)},
      {"windows", testing::zip(testing::bucket_times(rng, 200), testing::window_values(rng, 200))},
  };
  for (auto& s : shapes) {
    for (Encoding e : {Encoding::kXor, Encoding::kConst, Encoding::kIntPack}) {
      std::string chunk;
      if (encode(e, s.samples, chunk).is_ok()) {
        seeds[std::string(s.name) + "." + std::string(encoding_name(e))] = chunk;
      }
    }
    // Round-trip mode input: 0xFE then raw (t, v) pairs (little-endian hosts).
    if (s.samples.size() <= 40) {
      std::string raw(1, '\xFE');
      raw.append(reinterpret_cast<const char*>(s.samples.data()),
                 s.samples.size() * sizeof(model::Sample));
      seeds[std::string(s.name) + ".roundtrip"] = raw;
    }
  }
  return seeds;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(FuzzCorpus, SeedsMatchGenerator) {
  static_assert(sizeof(model::Sample) == 16);
  fs::path dir = fs::path(PROMLITE_SOURCE_DIR) / "tests/fuzz/corpus/chunk_decoder_fuzz";
  auto seeds = make_seeds();
  if (std::getenv("PROMLITE_WRITE_FUZZ_CORPUS")) {
    fs::create_directories(dir);
    for (const auto& [name, bytes] : seeds) {
      std::ofstream(dir / name, std::ios::binary) << bytes;
    }
  }
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  size_t found = 0;
  for (const auto& [name, bytes] : seeds) {
    fs::path p = dir / name;
    ASSERT_TRUE(fs::exists(p)) << p;
    EXPECT_EQ(slurp(p), bytes) << p << " is stale: regenerate (see the file comment)";
    ++found;
    if (bytes[0] != '\xFE') {
      auto all = decode_all(as_bytes(bytes));
      EXPECT_TRUE(all.is_ok()) << name;
    }
  }
  EXPECT_GT(found, 15u);
}

}  // namespace
}  // namespace promlite::tsdb::chunkenc
