// model::fingerprint128: equal bytes agree; any changed byte, at any length
// and position (block edges, the overlapping tail), gives another fingerprint.
#include "model/fingerprint.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

namespace promlite::model {
namespace {

TEST(Fingerprint128, EqualBytesAgreeAndEveryByteCounts) {
  std::set<std::pair<uint64_t, uint64_t>> seen;
  size_t inputs = 0;
  for (size_t len = 0; len <= 130; ++len) {
    std::string base(len, 'a');
    for (size_t i = 0; i < len; ++i) base[i] = static_cast<char>('a' + (i * 7) % 26);
    EXPECT_EQ(fingerprint128(base), fingerprint128(std::string(base)));
    seen.insert({fingerprint128(base).lo, fingerprint128(base).hi});
    ++inputs;
    for (size_t pos = 0; pos < len; ++pos) {
      std::string changed = base;
      changed[pos] ^= 1;
      seen.insert({fingerprint128(changed).lo, fingerprint128(changed).hi});
      ++inputs;
    }
  }
  EXPECT_EQ(seen.size(), inputs);
}

TEST(Fingerprint128, HalvesAreIndependent) {
  // Inputs that differ only in length-padding zeros must differ too.
  const std::string a("x", 1), b("x\0", 2);
  EXPECT_NE(fingerprint128(a), fingerprint128(b));
  std::set<uint64_t> los, his;
  for (int i = 0; i < 1000; ++i) {
    auto f = fingerprint128("series_" + std::to_string(i));
    los.insert(f.lo);
    his.insert(f.hi);
    EXPECT_NE(f.lo, f.hi);
  }
  EXPECT_EQ(los.size(), 1000u);
  EXPECT_EQ(his.size(), 1000u);
}

}  // namespace
}  // namespace promlite::model
