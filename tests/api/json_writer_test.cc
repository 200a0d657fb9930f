#include "api/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace promlite::api {
namespace {

TEST(JsonWriter, SampleValuesAsPrometheusWritesThem) {
  struct {
    double v;
    const char* want;
  } cases[] = {
      {0, "0"},
      {-0.0, "-0"},
      {1, "1"},
      {2, "2"},
      {-1.5, "-1.5"},
      {0.1, "0.1"},
      {1.0 / 3, "0.3333333333333333"},
      {123456789, "123456789"},
      {1e20, "100000000000000000000"},
      {1e21, "1e+21"},
      {1.5e300, "1.5e+300"},
      {1e-6, "0.000001"},
      {9.9e-7, "9.9e-07"},
      {-2.5e-10, "-2.5e-10"},
      {5e-324, "5e-324"},
      // Integral values (the integer fast path) and its edges.
      {1732400000, "1732400000"},
      {-42, "-42"},
      {1e15, "1000000000000000"},
      {9007199254740992.0, "9007199254740992"},    // 2^53
      {-9007199254740992.0, "-9007199254740992"},  // -2^53
      {9007199254740994.0, "9007199254740994"},    // past 2^53: general path
      {1e17, "100000000000000000"},
      {123456789.5, "123456789.5"},
      {0.000123, "0.000123"},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
  };
  for (const auto& c : cases) {
    std::string out;
    append_prom_float(out, c.v);
    EXPECT_EQ(out, c.want) << c.v;
  }
}

TEST(JsonWriter, TimestampsAsSecondsWithMillis) {
  struct {
    int64_t ms;
    const char* want;
  } cases[] = {
      {0, "0"},
      {1435781451781, "1435781451.781"},
      {1435781451780, "1435781451.780"},
      {1435781451000, "1435781451"},
      {1435781451005, "1435781451.005"},
      {-1500, "-1.500"},
      {4000, "4"},
      {std::numeric_limits<int64_t>::min(), "-9223372036854775.808"},
      {std::numeric_limits<int64_t>::max(), "9223372036854775.807"},
      // Around the ten-digit fast path for the seconds.
      {999999999999, "999999999.999"},
      {1000000000000, "1000000000"},
      {1000000000010, "1000000000.010"},
      {9999999999999, "9999999999.999"},
      {10000000000000, "10000000000"},
      {1732400015000, "1732400015"},
      {-1732400015001, "-1732400015.001"},
  };
  for (const auto& c : cases) {
    std::string out;
    JsonWriter(out).timestamp(c.ms);
    EXPECT_EQ(out, c.want) << c.ms;
  }
}

TEST(JsonWriter, StringsAreEscapedLikeGo) {
  std::string out;
  JsonWriter(out).string("a\"b\\c\nd\te\x01<>&\xe2\x80\xa8z\xc3\xa9");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\te\\u0001\\u003c\\u003e\\u0026\\u2028z\xc3\xa9\"");
}

TEST(JsonWriter, StringEscapesAtEdges) {
  struct {
    std::string in;
    const char* want;
  } cases[] = {
      {"", "\"\""},
      {"plain_label_value", "\"plain_label_value\""},
      {"\xe2\x82\xac", "\"\xe2\x82\xac\""},  // the euro sign shares U+2028's lead byte
      {"a\xe2\x80\xa9", "\"a\\u2029\""},
      {"z\xc3\xa9\xf0\x9f\x98\x80\xed\x9f\xbf", "\"z\xc3\xa9\xf0\x9f\x98\x80\xed\x9f\xbf\""},
      // Invalid UTF-8: each bad byte becomes U+FFFD, as Go/jsoniter write it.
      {"a\xe2\x80", "\"a\\ufffd\\ufffd\""},  // truncated
      {"\xe2", "\"\\ufffd\""},
      {"\xff\x80"
       "b",
       "\"\\ufffd\\ufffdb\""},
      {"\xc0\xaf", "\"\\ufffd\\ufffd\""},                        // overlong '/'
      {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},             // a surrogate
      {"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},  // past U+10FFFF
      {std::string("\0\b\f\x1f\x7f", 5), "\"\\u0000\\u0008\\u000c\\u001f\x7f\""},
      {"<a href=\"x\">&", "\"\\u003ca href=\\\"x\\\"\\u003e\\u0026\""},
      {"\r\n\t\\", "\"\\r\\n\\t\\\\\""},
  };
  for (const auto& c : cases) {
    std::string out;
    append_json_string(out, c.in);
    EXPECT_EQ(out, c.want) << c.in;
  }
}

TEST(JsonWriter, BufferWritersMatchAppenders) {
  for (double v : {0.0, -0.0, 1.0, 0.1, 1e-7, 1e21, 12345.678, -3e300}) {
    char buf[kMaxNumberChars];
    std::string a(buf, write_prom_float(buf, v)), b;
    append_prom_float(b, v);
    EXPECT_EQ(a, b) << v;
  }
}

TEST(JsonWriter, NestedContainersGetCommas) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("resultType").string("vector");
  w.key("result").begin_array();
  for (int i = 0; i < 2; ++i) {
    w.begin_object();
    w.key("metric").begin_object().key("job").string("x").end_object();
    w.key("value").begin_array().timestamp(1000 + i).sample_value(i).end_array();
    w.end_object();
  }
  w.end_array();
  w.key("empty").begin_array().end_array();
  w.key("n").int64(-3).key("b").boolean(true).key("z").null().key("f").number(0.5);
  w.end_object();
  EXPECT_EQ(out,
            "{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"job\":\"x\"},\"value\":[1,"
            "\"0\"]},{\"metric\":{\"job\":\"x\"},\"value\":[1.001,\"1\"]}],\"empty\":[],\"n\":-3,"
            "\"b\":true,\"z\":null,\"f\":0.5}");
}

}  // namespace
}  // namespace promlite::api
