#include "scraper/textparse/scan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "model/sample.h"

namespace promlite::textparse::scan {
namespace {

struct FloatCase {
  const char* in;
  double want;
};

TEST(ParseFloat, AcceptsPrometheusSpellings) {
  const double inf = std::numeric_limits<double>::infinity();
  const FloatCase cases[] = {
      {"0", 0},
      {"1", 1},
      {"-1.5", -1.5},
      {"1e3", 1000},
      {"1E-3", 0.001},
      {".5", 0.5},
      {"5.", 5},
      {"+3", 3},
      {"+.5e+1", 5},
      {"Inf", inf},
      {"+inf", inf},
      {"-Infinity", -inf},
      {"INF", inf},
      {"1e-400", 0},
      {"4.9e-324", 4.9e-324},
      {"1.7976931348623157e308", 1.7976931348623157e308},
      {"123456789012345678901234567890", 1.2345678901234568e29},
      {"0.1", 0.1},
      {"2.5e-7", 2.5e-7},
      {"12345678.0", 12345678.0},
      {"9007199254740993", 9007199254740992.0},
  };
  for (const auto& c : cases) {
    double v = -42;
    EXPECT_TRUE(parse_float(c.in, &v)) << c.in;
    EXPECT_EQ(v, c.want) << c.in;
  }
}

TEST(ParseFloat, NaNIsNormalNaN) {
  for (const char* s : {"NaN", "nan", "NAN"}) {
    double v = 0;
    ASSERT_TRUE(parse_float(s, &v)) << s;
    EXPECT_EQ(model::float_bits(v), kNormalNaNBits) << s;
  }
}

TEST(ParseFloat, RejectsOthers) {
  for (const char* s : {"",       "+",     "-",     ".",    "e3",     "1e",   "1e+",     "1.2.3",
                        "0x10",   "0x1p3", "1_000", "+nan", "-NaN",   "inf1", "infinit", "1e400",
                        "-1e400", " 1",    "1 ",    "1,5",  "nan(1)", "1d",   "--1"}) {
    double v;
    EXPECT_FALSE(parse_float(s, &v)) << '"' << s << '"';
  }
}

TEST(FormatOmFloat, MatchesGoShortestG) {
  const std::pair<double, const char*> cases[] = {
      {1, "1.0"},
      {0, "0.0"},
      {-1, "-1.0"},
      {0.25, "0.25"},
      {2.5, "2.5"},
      {10, "10.0"},
      {100000, "100000.0"},
      {1e6, "1e+06"},
      {123456789, "1.23456789e+08"},
      {0.0001, "0.0001"},
      {1e-5, "1e-05"},
      {2.5e-7, "2.5e-07"},
      {1.5e300, "1.5e+300"},
      {0.1, "0.1"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::nan(""), "NaN"},
  };
  for (const auto& [v, want] : cases) EXPECT_EQ(format_om_float(v), want) << v;
}

TEST(ValidUtf8, Table) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("Zürich ✓ 𝄞"));
  EXPECT_TRUE(valid_utf8(std::string("nul\0inside", 10)));
  EXPECT_FALSE(valid_utf8("\xff"));
  EXPECT_FALSE(valid_utf8("\xc3"));              // truncated
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(valid_utf8("\xe2\x28\xa1"));
}

TEST(Escapes, UnescapeAndFindBad) {
  std::string out;
  unescape_into(R"(a\\b\"c\nd\te)", true, &out);
  EXPECT_EQ(out, "a\\b\"c\nd\\te");
  unescape_into(R"(a\"b)", false, &out);
  EXPECT_EQ(out, "a\\\"b");
  EXPECT_EQ(find_bad_escape(R"(ok\\ \n \")", true), std::string_view::npos);
  EXPECT_EQ(find_bad_escape(R"(ok \")", false), 3u);
  EXPECT_EQ(find_bad_escape("end\\", true), 3u);
}

TEST(ParseUintMs, Table) {
  int64_t v;
  EXPECT_TRUE(parse_uint64_ms("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(parse_uint64_ms("9223372036854775807", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(parse_uint64_ms("9223372036854775808", &v));
  EXPECT_FALSE(parse_uint64_ms("", &v));
  EXPECT_FALSE(parse_uint64_ms("12a", &v));
}

}  // namespace
}  // namespace promlite::textparse::scan

namespace skip_ref {

// The skip's contract, one byte at a time: the position after the '}' that
// closes the block outside a quoted value; null at a line feed, at a
// backslash inside a value, or when no brace closes the block.
const char* reference(const char* p, const char* end) {
  bool in_value = false;
  for (; p < end; ++p) {
    if (*p == '\n') return nullptr;
    if (*p == '"') in_value = !in_value;
    if (in_value && *p == '\\') return nullptr;
    if (!in_value && *p == '}') return p + 1;
  }
  return nullptr;
}

}  // namespace skip_ref

TEST(SkipLabelBlock, Table) {
  struct Case {
    std::string block;  // starts after '{'
    long want;          // offset after the closing brace, -1 for null
  };
  const std::vector<Case> cases = {
      {R"(a="1"} 5)", 6},
      {R"(} 5)", 1},
      {R"(a="x}y",b="2"} 1)", 14},
      {R"(a="x\"y"} 1)", -1},
      {"a=\"x\ny\"} 1", -1},
      {R"(a="1" 5)", -1},
      {R"(a="1")", -1},
      {R"(a\b="1"} 5)", 8},
      {R"(task_name="Source: Fluss Table Source -> Calc -> Sink: Writer 42",subtask_index="3"} 17)",
       84},
      {"", -1},
  };
  for (const Case& c : cases) {
    const char* b = c.block.data();
    const char* e = b + c.block.size();
    const char* got = promlite::textparse::scan::skip_label_block(b, e);
    EXPECT_EQ(got == nullptr ? -1 : got - b, c.want) << c.block;
    EXPECT_EQ(got, skip_ref::reference(b, e)) << c.block;
  }
}

TEST(SkipLabelBlock, MatchesReferenceOnRandomBlocks) {
  // Blocks of every length around the 16-byte steps, from an alphabet heavy
  // in the bytes the skip stops at.
  const std::string alphabet = "ab=,\"\"}}\\\n xyz0123456789";
  uint64_t state = 12345;
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<size_t>(state >> 33);
  };
  for (int i = 0; i < 20000; ++i) {
    std::string block(next() % 70, ' ');
    for (char& ch : block) ch = alphabet[next() % alphabet.size()];
    const char* b = block.data();
    const char* e = b + block.size();
    ASSERT_EQ(promlite::textparse::scan::skip_label_block(b, e), skip_ref::reference(b, e))
        << block;
  }
}
