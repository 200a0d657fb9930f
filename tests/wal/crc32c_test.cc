#include "tsdb/wal/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

namespace promlite::tsdb::wal {
namespace {

struct Vector {
  std::string data;
  uint32_t crc;
};

std::vector<Vector> known_vectors() {
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  // Check values from RFC 3720 (iSCSI), appendix B.4, and the CRC catalogue.
  return {
      {"", 0},
      {"123456789", 0xE3069283},
      {std::string(32, '\0'), 0x8A9136AA},
      {std::string(32, '\xff'), 0x62A8AB43},
      {ascending, 0x46DD794E},
      {descending, 0x113FDB5C},
  };
}

TEST(Crc32c, KnownVectors) {
  for (const auto& v : known_vectors()) {
    SCOPED_TRACE(v.data.size());
    EXPECT_EQ(crc32c(v.data), v.crc);
    EXPECT_EQ(crc32c_extend_portable(0, v.data.data(), v.data.size()), v.crc);
    if (crc32c_hardware_available()) {
      EXPECT_EQ(crc32c_extend_hardware(0, v.data.data(), v.data.size()), v.crc);
    }
  }
}

TEST(Crc32c, ImplementationsAgreeAtEveryAlignmentAndLength) {
  std::mt19937_64 rng(42);
  std::string buf(1100, '\0');
  for (auto& c : buf) c = static_cast<char>(rng());
  for (size_t align = 0; align < 8; ++align) {
    for (size_t len = 0; len + align <= buf.size(); len += (len < 80 ? 1 : 37)) {
      const char* p = buf.data() + align;
      uint32_t soft = crc32c_extend_portable(0, p, len);
      EXPECT_EQ(crc32c(p, len), soft) << align << " " << len;
      if (crc32c_hardware_available()) {
        ASSERT_EQ(crc32c_extend_hardware(0, p, len), soft) << align << " " << len;
      }
    }
  }
}

TEST(Crc32c, ExtendEqualsWhole) {
  std::string s = "The quick brown fox jumps over the lazy dog, twice over and again.";
  uint32_t whole = crc32c(s);
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    uint32_t a = crc32c(s.data(), cut);
    EXPECT_EQ(crc32c_extend(a, s.data() + cut, s.size() - cut), whole) << cut;
    EXPECT_EQ(crc32c_extend_portable(a, s.data() + cut, s.size() - cut), whole) << cut;
  }
}

TEST(Crc32c, DetectsEverySingleBitFlip) {
  std::string s(64, 'x');
  uint32_t base = crc32c(s);
  for (size_t bit = 0; bit < s.size() * 8; ++bit) {
    s[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    EXPECT_NE(crc32c(s), base) << bit;
    s[bit / 8] ^= static_cast<char>(1 << (bit % 8));
  }
}

}  // namespace
}  // namespace promlite::tsdb::wal
