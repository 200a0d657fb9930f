#include "model/duration.h"

#include <gtest/gtest.h>

namespace promlite::model {
namespace {

TEST(Duration, ParseTable) {
  struct {
    const char* in;
    Duration want;  // -1: error
  } cases[] = {
      {"0", 0},
      {"0s", 0},
      {"15s", 15 * kSecond},
      {"1h30m", 90 * kMinute},
      {"30d", 30 * kDay},
      {"1y", kYear},
      {"2w", 2 * kWeek},
      {"500ms", 500},
      {"1m1ms", kMinute + 1},
      {"", -1},
      {"1", -1},
      {"1x", -1},
      {"1m1h", -1},
      {"1h1h", -1},
      {"-1s", -1},
      {"1.5h", -1},
      {"h", -1},
      {"99999999999999999999y", -1},
  };
  for (const auto& c : cases) {
    auto r = parse_duration(c.in);
    if (c.want < 0) {
      EXPECT_FALSE(r.is_ok()) << c.in;
    } else {
      ASSERT_TRUE(r.is_ok()) << c.in << ": " << r.status().to_string();
      EXPECT_EQ(*r, c.want) << c.in;
    }
  }
}

TEST(Duration, FormatLikePrometheus) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(90 * kMinute), "1h30m");
  EXPECT_EQ(format_duration(30 * kDay), "30d");
  EXPECT_EQ(format_duration(2 * kWeek), "2w");
  EXPECT_EQ(format_duration(kYear), "1y");
  EXPECT_EQ(format_duration(kMinute + 15 * kSecond), "1m15s");
  EXPECT_EQ(format_duration(1500), "1s500ms");
}

}  // namespace
}  // namespace promlite::model
