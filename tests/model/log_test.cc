#include "model/log.h"

#include <gtest/gtest.h>

#include <sstream>

namespace promlite::log {
namespace {

TEST(Log, LogfmtQuotesWhereNeeded) {
  // 2026-11-23T22:08:38.123Z
  std::string line =
      format_line(Format::kLogfmt, 1795471718123, Level::kInfo, "main.cc:42", "Server is ready",
                  {{"addr", ":9090"}, {"err", "a \"b\""}, {"empty", ""}, {"n", int64_t{7}}});
  EXPECT_EQ(line,
            "ts=2026-11-23T22:08:38.123Z level=info caller=main.cc:42 msg=\"Server is ready\" "
            "addr=:9090 err=\"a \\\"b\\\"\" empty=\"\" n=7\n");
}

TEST(Log, JsonEscapes) {
  std::string line =
      format_line(Format::kJson, 0, Level::kError, "x.cc:1", "bad\nthing", {{"k", "v\x01"}});
  EXPECT_EQ(line,
            "{\"ts\":\"1970-01-01T00:00:00.000Z\",\"level\":\"error\",\"caller\":\"x.cc:1\","
            "\"msg\":\"bad\\nthing\",\"k\":\"v\\u0001\"}\n");
}

TEST(Log, LevelThresholdAndDestination) {
  std::ostringstream out;
  configure(Level::kWarn, Format::kLogfmt, &out);
  LOG_INFO("hidden");
  LOG_WARN("shown", {"a", "b"});
  configure(Level::kInfo, Format::kLogfmt, nullptr);
  EXPECT_EQ(out.str().find("hidden"), std::string::npos);
  EXPECT_NE(out.str().find("level=warn caller=log_test.cc:"), std::string::npos);
  EXPECT_NE(out.str().find("msg=shown a=b"), std::string::npos);
}

TEST(Log, ParseLevelAndFormat) {
  EXPECT_EQ(*parse_level("debug"), Level::kDebug);
  EXPECT_FALSE(parse_level("verbose").is_ok());
  EXPECT_EQ(*parse_format("json"), Format::kJson);
  EXPECT_FALSE(parse_format("xml").is_ok());
}

}  // namespace
}  // namespace promlite::log
