#include "model/matcher.h"

#include <gtest/gtest.h>

namespace promlite::model {
namespace {

struct Case {
  MatchType type;
  std::string pattern;
  std::string input;
  bool want;
};

class MatcherTable : public ::testing::TestWithParam<Case> {};

TEST_P(MatcherTable, Matches) {
  const Case& c = GetParam();
  auto m = Matcher::make(c.type, "l", c.pattern);
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  EXPECT_EQ(m->matches(c.input), c.want)
      << match_type_string(c.type) << " \"" << c.pattern << "\" on \"" << c.input << "\"";
}

INSTANTIATE_TEST_SUITE_P(
    All, MatcherTable,
    ::testing::Values(
        Case{MatchType::kEqual, "a", "a", true}, Case{MatchType::kEqual, "a", "ab", false},
        Case{MatchType::kEqual, "", "", true}, Case{MatchType::kNotEqual, "a", "a", false},
        Case{MatchType::kNotEqual, "a", "", true},
        // Regexes are fully anchored.
        Case{MatchType::kRegex, "a", "ba", false}, Case{MatchType::kRegex, "a.", "ab", true},
        Case{MatchType::kRegex, "a.", "abc", false}, Case{MatchType::kRegex, "b|c", "c", true},
        Case{MatchType::kRegex, "b|c", "bc", false}, Case{MatchType::kRegex, "b|", "", true},
        Case{MatchType::kRegex, ".*", "", true}, Case{MatchType::kRegex, ".+", "", false},
        Case{MatchType::kRegex, ".+", "x", true}, Case{MatchType::kRegex, "foo.*", "foobar", true},
        Case{MatchType::kRegex, "foo.*", "fo", false},
        Case{MatchType::kRegex, "(?i)FOO", "foo", true},
        Case{MatchType::kRegex, "a[0-9]+", "a123", true},
        Case{MatchType::kRegex, "a[0-9]+", "a12b", false},
        // `.` matches a newline (Prometheus 3).
        Case{MatchType::kRegex, "a.b", "a\nb", true}, Case{MatchType::kNotRegex, "b|c", "c", false},
        Case{MatchType::kNotRegex, ".+", "", true}, Case{MatchType::kNotRegex, "x.*", "y", true}));

TEST(Matcher, BadRegexIsRefused) {
  auto m = Matcher::make(MatchType::kRegex, "l", "a(");
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("error parsing regexp"), std::string::npos);
}

TEST(Matcher, SetValuesForLiteralAlternation) {
  auto m = Matcher::make(MatchType::kRegex, "job", "b|a|b");
  ASSERT_TRUE(m.is_ok());
  EXPECT_EQ(m->set_values(), (std::vector<std::string>{"a", "b"}));
  auto r = Matcher::make(MatchType::kRegex, "job", "a.*|b");
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r->set_values().empty());
  EXPECT_TRUE(r->matches("abc"));
  EXPECT_TRUE(r->matches("b"));
}

TEST(Matcher, ToString) {
  auto m = Matcher::make(MatchType::kNotRegex, "a", "x\"y");
  ASSERT_TRUE(m.is_ok());
  EXPECT_EQ(m->to_string(), "a!~\"x\\\"y\"");
}

}  // namespace
}  // namespace promlite::model
