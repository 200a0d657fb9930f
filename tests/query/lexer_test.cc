// Lexer tests: token kinds, positions and texts, context rules and errors.
#include "query/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace promlite::query {
namespace {

using K = TokenKind;

struct Tok {
  K kind;
  int pos;
  std::string text;
  bool operator==(const Tok&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Tok& t) {
  return os << "{" << static_cast<int>(t.kind) << "@" << t.pos << " '" << t.text << "'}";
}

// All tokens before kEof; an error ends the list with {kError, pos, message}.
std::vector<Tok> lex(std::string_view in) {
  Lexer l(in);
  std::vector<Tok> out;
  for (int guard = 0; guard < 1000; ++guard) {
    Token t = l.next();
    if (t.kind == K::kEof) break;
    if (t.kind == K::kError) {
      out.push_back({K::kError, t.pos, t.error});
      break;
    }
    out.push_back({t.kind, t.pos, std::string(t.text)});
  }
  return out;
}

struct LexCase {
  const char* input;
  std::vector<Tok> want;
};

TEST(LexerTest, Tokens) {
  const LexCase cases[] = {
      {",", {{K::kComma, 0, ","}}},
      {"()", {{K::kLeftParen, 0, "("}, {K::kRightParen, 1, ")"}}},
      {"{}", {{K::kLeftBrace, 0, "{"}, {K::kRightBrace, 1, "}"}}},
      {"[5m]", {{K::kLeftBracket, 0, "["}, {K::kDuration, 1, "5m"}, {K::kRightBracket, 3, "]"}}},
      {"[  5m ]", {{K::kLeftBracket, 0, "["}, {K::kDuration, 3, "5m"}, {K::kRightBracket, 6, "]"}}},
      {"\r\n\r", {}},
      {"1", {{K::kNumber, 0, "1"}}},
      {"4.23", {{K::kNumber, 0, "4.23"}}},
      {".3", {{K::kNumber, 0, ".3"}}},
      {"5.", {{K::kNumber, 0, "5."}}},
      {"NaN nAN Inf -Inf",
       {{K::kNumber, 0, "NaN"},
        {K::kNumber, 4, "nAN"},
        {K::kNumber, 8, "Inf"},
        {K::kSub, 12, "-"},
        {K::kNumber, 13, "Inf"}}},
      {"1e-10 0x1F 1_000",
       {{K::kNumber, 0, "1e-10"}, {K::kNumber, 6, "0x1F"}, {K::kNumber, 11, "1_000"}}},
      {"1h30m 500ms 1y",
       {{K::kDuration, 0, "1h30m"}, {K::kDuration, 6, "500ms"}, {K::kDuration, 12, "1y"}}},
      {R"("a\"b" 'c\'d' `e\f`)",
       {{K::kString, 0, R"("a\"b")"}, {K::kString, 7, R"('c\'d')"}, {K::kString, 14, R"(`e\f`)"}}},
      {"foo foo:bar :x _a1",
       {{K::kIdentifier, 0, "foo"},
        {K::kMetricIdentifier, 4, "foo:bar"},
        {K::kMetricIdentifier, 12, ":x"},
        {K::kIdentifier, 15, "_a1"}}},
      {"sum BY offset Start",
       {{K::kSum, 0, "sum"},
        {K::kBy, 4, "BY"},
        {K::kOffset, 7, "offset"},
        {K::kStart, 14, "Start"}}},
      {"+ - * / % ^ == != < <= > >= @ atan2 and or unless",
       {{K::kAdd, 0, "+"},
        {K::kSub, 2, "-"},
        {K::kMul, 4, "*"},
        {K::kDiv, 6, "/"},
        {K::kMod, 8, "%"},
        {K::kPow, 10, "^"},
        {K::kEqlc, 12, "=="},
        {K::kNeq, 15, "!="},
        {K::kLss, 18, "<"},
        {K::kLte, 20, "<="},
        {K::kGtr, 23, ">"},
        {K::kGte, 25, ">="},
        {K::kAt, 28, "@"},
        {K::kAtan2, 30, "atan2"},
        {K::kLand, 36, "and"},
        {K::kLor, 40, "or"},
        {K::kLunless, 43, "unless"}}},
      {"bool on ignoring group_left group_right without",
       {{K::kBool, 0, "bool"},
        {K::kOn, 5, "on"},
        {K::kIgnoring, 8, "ignoring"},
        {K::kGroupLeft, 17, "group_left"},
        {K::kGroupRight, 28, "group_right"},
        {K::kWithout, 40, "without"}}},
      // Inside braces keywords are plain identifiers.
      {R"({by="x",sum!~'y'})",
       {{K::kLeftBrace, 0, "{"},
        {K::kIdentifier, 1, "by"},
        {K::kAssign, 3, "="},
        {K::kString, 4, "\"x\""},
        {K::kComma, 7, ","},
        {K::kIdentifier, 8, "sum"},
        {K::kNeqRegex, 11, "!~"},
        {K::kString, 13, "'y'"},
        {K::kRightBrace, 16, "}"}}},
      {R"({a=~"b", c!="d"})",
       {{K::kLeftBrace, 0, "{"},
        {K::kIdentifier, 1, "a"},
        {K::kEqlRegex, 2, "=~"},
        {K::kString, 4, "\"b\""},
        {K::kComma, 7, ","},
        {K::kIdentifier, 9, "c"},
        {K::kNeq, 10, "!="},
        {K::kString, 12, "\"d\""},
        {K::kRightBrace, 15, "}"}}},
      {"# only a comment", {{K::kComment, 0, "# only a comment"}}},
      {"foo # c\nbar",
       {{K::kIdentifier, 0, "foo"}, {K::kComment, 4, "# c"}, {K::kIdentifier, 8, "bar"}}},
      {"[5m:1m]",
       {{K::kLeftBracket, 0, "["},
        {K::kDuration, 1, "5m"},
        {K::kColon, 3, ":"},
        {K::kDuration, 4, "1m"},
        {K::kRightBracket, 6, "]"}}},
      {"[(1m+2m)*3]",
       {{K::kLeftBracket, 0, "["},
        {K::kLeftParen, 1, "("},
        {K::kDuration, 2, "1m"},
        {K::kAdd, 4, "+"},
        {K::kDuration, 5, "2m"},
        {K::kRightParen, 7, ")"},
        {K::kMul, 8, "*"},
        {K::kNumber, 9, "3"},
        {K::kRightBracket, 10, "]"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    EXPECT_EQ(lex(c.input), c.want);
  }
}

TEST(LexerTest, Errors) {
  struct {
    const char* input;
    int pos;
    const char* error;
  } cases[] = {
      {"(", 1, "unclosed left parenthesis"},
      {")", 1, "unexpected right parenthesis ')'"},
      {"foo[5m", 6, "unclosed left bracket"},
      {"]", 0, "unexpected right bracket ']'"},
      {"[[", 1, "unexpected character in duration expression: '['"},
      {"[5m[", 3, "unexpected left bracket '['"},
      {"{", 1, "unexpected end of input inside braces"},
      {"{{", 1, "unexpected left brace '{'"},
      {"}", 0, "unexpected character: '}'"},
      {".", 0, "unexpected character: '.'"},
      {"$", 0, "unexpected character: '$'"},
      {"=~", 0, "unexpected character after '=': '~'"},
      {"!a", 0, "unexpected character after '!': 'a'"},
      {"{a!b}", 2, "unexpected character after '!' inside braces: 'b'"},
      {"{1}", 1, "unexpected character inside braces: '1'"},
      {"\"abc", 0, "unterminated quoted string"},
      {"'a\nb'", 0, "unterminated quoted string"},
      {"`abc", 0, "unterminated raw string"},
      {"\"\\", 0, "escape sequence not terminated"},
      {"\"\\c\"", 0, "unknown escape sequence U+0063 'c'"},
      {"\"\\x.\"", 0, "illegal character U+002E '.' in escape sequence"},
      {"\"\\U00110000\"", 0, "escape sequence is an invalid Unicode code point"},
      {"'\\\"'", 0, "unknown escape sequence U+0022 '\"'"},
      {"\"\xff\"", 0, "invalid UTF-8 rune"},
      {"5mm", 0, "bad number or duration syntax: \"5mm\""},
      {"1.2.3", 0, "bad number or duration syntax: \"1.2.\""},
      {"1e", 0, "bad number or duration syntax: \"1e\""},
      {"[", 1, "unexpected end of input in duration expression"},
      {"[x]", 1, "unexpected character in duration expression: 'x'"},
      {"[:5m]", 2, "unexpected colon before duration in duration expression"},
      {"[5m:1m:]", 6, "unexpected colon ':'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    auto toks = lex(c.input);
    ASSERT_FALSE(toks.empty());
    EXPECT_EQ(toks.back().kind, K::kError);
    EXPECT_EQ(toks.back().text, c.error);
    EXPECT_EQ(toks.back().pos, c.pos);
  }
}

TEST(LexerTest, StopsAfterAnError) {
  Lexer l(") foo");
  Token t = l.next();  // the paren becomes the error, reported after it
  EXPECT_EQ(t.kind, K::kError);
  EXPECT_EQ(t.pos, 1);
  EXPECT_EQ(l.next().kind, K::kEof);
  EXPECT_EQ(l.next().kind, K::kEof);
}

TEST(LexerTest, DescribeToken) {
  auto first = [](std::string_view in) {
    Lexer l(in);
    return describe_token(l.next());
  };
  EXPECT_EQ(first("foo"), "identifier \"foo\"");
  EXPECT_EQ(first("a:b"), "metric identifier \"a:b\"");
  EXPECT_EQ(first("a_very_long_identifier"), "identifier \"a_very_long_identifier\"");
  EXPECT_EQ(first("\"abcdefghijklmnop\""), "string \"\\\"abcdefghi\"...");
  EXPECT_EQ(first("12"), "number \"12\"");
  EXPECT_EQ(first("5m"), "duration \"5m\"");
  EXPECT_EQ(first("+"), "<op:+>");
  EXPECT_EQ(first("and"), "<op:and>");
  EXPECT_EQ(first("sum"), "<aggr:sum>");
  EXPECT_EQ(first("BY"), "<BY>");
  EXPECT_EQ(first("("), "\"(\"");
  EXPECT_EQ(first("start"), "\"start\"");
  EXPECT_EQ(first(""), "end of input");
}

TEST(LexerTest, Quoting) {
  EXPECT_EQ(go_quote("a\"b\\c\n\t"), R"("a\"b\\c\n\t")");
  EXPECT_EQ(go_quote("\x01\x7f"), R"("\x01\x7f")");
  EXPECT_EQ(go_quote("\xff"), R"("\xff")");
  EXPECT_EQ(go_quote("\xc3\xa9"), "\"\xc3\xa9\"");
  EXPECT_EQ(go_quote("\xc2\xa0"), R"("\u00a0")");
  EXPECT_EQ(go_quote_rune('a'), "'a'");
  EXPECT_EQ(go_quote_rune('\''), R"('\'')");
  EXPECT_EQ(go_quote_rune('\n'), R"('\n')");
  EXPECT_EQ(go_quote_rune(0), R"('\x00')");

  std::string out;
  ASSERT_TRUE(unquote_string(R"("a\x41\101\u00e9\U0001F600\"")", &out));
  EXPECT_EQ(out, "aAA\xC3\xA9\xF0\x9F\x98\x80\"");
  ASSERT_TRUE(unquote_string("`a\\n`", &out));
  EXPECT_EQ(out, "a\\n");
  ASSERT_TRUE(unquote_string(R"('\'')", &out));
  EXPECT_EQ(out, "'");
  EXPECT_FALSE(unquote_string(R"("\q")", &out));
  EXPECT_FALSE(unquote_string("\"abc", &out));
}

}  // namespace
}  // namespace promlite::query
