// PromQL lexer: splits a query into tokens the way Prometheus 3.5's lexer
// does, including its context rules (inside `{...}` every word is a plain
// identifier; right after `[` only duration-expression characters are
// allowed) and its error texts ("unclosed left parenthesis", "bad number or
// duration syntax: \"5mm\"", ...).
//
// The lexer stops at the first error: it then returns one kError token whose
// `error` holds the message and whose `pos` is where Prometheus reports it,
// and kEof after that.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/utf8.h"

namespace promlite::query {

enum class TokenKind : uint8_t {
  kEof,
  kError,
  kComment,
  kIdentifier,        // foo, also every word inside braces
  kMetricIdentifier,  // foo:bar (contains a colon)
  kNumber,            // 1, 1.5e3, 0x1f, Inf, NaN
  kDuration,          // 5m, 1h30m
  kString,            // text keeps its quotes
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kColon,
  kAssign,  // = (matcher)
  // Operators.
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqlc,  // ==
  kNeq,   // !=
  kLss,
  kLte,
  kGtr,
  kGte,
  kEqlRegex,
  kNeqRegex,
  kAt,
  kAtan2,
  kLand,
  kLor,
  kLunless,
  // Aggregators.
  kAvg,
  kBottomk,
  kCount,
  kCountValues,
  kGroup,
  kMax,
  kMin,
  kQuantile,
  kStddev,
  kStdvar,
  kSum,
  kTopk,
  kLimitk,
  kLimitRatio,
  // Keywords.
  kBool,
  kBy,
  kGroupLeft,
  kGroupRight,
  kIgnoring,
  kOffset,
  kOn,
  kWithout,
  // @ preprocessors.
  kStart,
  kEnd,
};

bool is_operator(TokenKind k);    // kAdd .. kLunless
bool is_aggregator(TokenKind k);  // kAvg .. kLimitRatio
bool is_keyword(TokenKind k);     // kBool .. kWithout

struct Token {
  TokenKind kind = TokenKind::kEof;
  int pos = 0;            // byte offset of the first character
  std::string_view text;  // the characters of the token (empty for kError)
  std::string error;      // kError only

  int end() const { return pos + static_cast<int>(text.size()); }
};

// How Prometheus names a token in "unexpected ..." messages: `identifier
// "foo"`, `<op:+>`, `<by>`, `"("`, `end of input`, `number "1"`.
std::string describe_token(const Token& t);

class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}

  // The next token, comments included.
  Token next();

 private:
  enum class State { kStatements, kInsideBraces, kDurationExpr, kDone };

  int peek_rune(int* width = nullptr) const;
  int next_rune();
  void backup() { pos_ -= width_; }
  bool accept(std::string_view valid);
  bool peek_in(std::string_view valid) const;
  Token emit(TokenKind k);
  Token fail(std::string msg);

  Token lex_statements();
  Token lex_inside_braces();
  Token lex_duration_expr();
  Token lex_string(int quote);
  Token lex_raw_string();
  Token lex_number_or_duration();
  Token lex_keyword_or_identifier();
  Token lex_comment();
  bool scan_number();
  bool accept_remaining_duration();
  // Validates an escape after a backslash; returns an error message or "".
  std::string lex_escape(int quote);
  void skip_spaces();

  std::string_view in_;
  State state_ = State::kStatements;
  int pos_ = 0;
  int start_ = 0;
  int width_ = 0;
  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  bool got_colon_ = false;
  bool got_duration_ = false;
};

// Helpers shared with the parser and printer.

// Go's strconv.Quote: double quotes, Go escapes, invalid UTF-8 as \x.. .
std::string go_quote(std::string_view s);
// Go's %q of one rune: 'x', '\n', '\x00', '\u00a0'.
std::string go_quote_rune(int r);
// Unquotes a kString token's text ("..", '..' or `..`); the lexer has already
// validated escapes, so this cannot fail on lexer output. Returns false on a
// malformed input.
bool unquote_string(std::string_view quoted, std::string* out);

}  // namespace promlite::query
