#include "query/lexer.h"

#include <cctype>
#include <cstdio>

#include "query/lexer_runes.h"

namespace promlite::query {

using namespace lexer_detail;  // NOLINT(build/namespaces): internal helpers

namespace {

// The one-character arithmetic operators, alike in queries and in duration
// expressions.
bool arithmetic_operator(int r, TokenKind* kind) {
  switch (r) {
    case '+':
      *kind = TokenKind::kAdd;
      return true;
    case '-':
      *kind = TokenKind::kSub;
      return true;
    case '*':
      *kind = TokenKind::kMul;
      return true;
    case '/':
      *kind = TokenKind::kDiv;
      return true;
    case '%':
      *kind = TokenKind::kMod;
      return true;
    case '^':
      *kind = TokenKind::kPow;
      return true;
    default:
      return false;
  }
}

struct Keyword {
  std::string_view word;
  TokenKind kind;
};

constexpr Keyword kKeywords[] = {
    {"and", TokenKind::kLand},
    {"or", TokenKind::kLor},
    {"unless", TokenKind::kLunless},
    {"atan2", TokenKind::kAtan2},
    {"sum", TokenKind::kSum},
    {"avg", TokenKind::kAvg},
    {"count", TokenKind::kCount},
    {"min", TokenKind::kMin},
    {"max", TokenKind::kMax},
    {"group", TokenKind::kGroup},
    {"stddev", TokenKind::kStddev},
    {"stdvar", TokenKind::kStdvar},
    {"topk", TokenKind::kTopk},
    {"bottomk", TokenKind::kBottomk},
    {"count_values", TokenKind::kCountValues},
    {"quantile", TokenKind::kQuantile},
    {"limitk", TokenKind::kLimitk},
    {"limit_ratio", TokenKind::kLimitRatio},
    {"offset", TokenKind::kOffset},
    {"by", TokenKind::kBy},
    {"without", TokenKind::kWithout},
    {"on", TokenKind::kOn},
    {"ignoring", TokenKind::kIgnoring},
    {"group_left", TokenKind::kGroupLeft},
    {"group_right", TokenKind::kGroupRight},
    {"bool", TokenKind::kBool},
    {"start", TokenKind::kStart},
    {"end", TokenKind::kEnd},
    {"inf", TokenKind::kNumber},
    {"nan", TokenKind::kNumber},
};

bool lookup_keyword(std::string_view word, TokenKind* kind) {
  if (word.size() > 12) return false;
  char lower[16];
  for (size_t i = 0; i < word.size(); ++i) {
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(word[i])));
  }
  std::string_view w(lower, word.size());
  for (const auto& k : kKeywords) {
    if (k.word == w) {
      *kind = k.kind;
      return true;
    }
  }
  return false;
}

// The fixed spelling of punctuation tokens, for describe_token().
std::string_view fixed_text(TokenKind k) {
  switch (k) {
    case TokenKind::kLeftParen:
      return "(";
    case TokenKind::kRightParen:
      return ")";
    case TokenKind::kLeftBrace:
      return "{";
    case TokenKind::kRightBrace:
      return "}";
    case TokenKind::kLeftBracket:
      return "[";
    case TokenKind::kRightBracket:
      return "]";
    case TokenKind::kComma:
      return ",";
    case TokenKind::kColon:
      return ":";
    case TokenKind::kAssign:
      return "=";
    case TokenKind::kStart:
      return "start";
    case TokenKind::kEnd:
      return "end";
    default:
      return "";
  }
}

}  // namespace

bool is_operator(TokenKind k) { return k >= TokenKind::kAdd && k <= TokenKind::kLunless; }
bool is_aggregator(TokenKind k) { return k >= TokenKind::kAvg && k <= TokenKind::kLimitRatio; }
bool is_keyword(TokenKind k) { return k >= TokenKind::kBool && k <= TokenKind::kWithout; }

std::string describe_token(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEof:
      return "end of input";
    case TokenKind::kError:
      return t.error;
    default:
      break;
  }
  // Go's %.10q: the first 10 runes, quoted, then "...".
  auto short_quote = [](std::string_view v) {
    if (v.size() <= 10) return go_quote(v);
    size_t i = 0;
    int runes = 0;
    while (i < v.size() && runes < 10) {
      int w = 1;
      decode_rune(v, i, &w);
      i += static_cast<size_t>(w);
      ++runes;
    }
    return go_quote(v.substr(0, i)) + "...";
  };
  std::string text(t.text);
  if (is_keyword(t.kind)) return "<" + text + ">";
  if (is_operator(t.kind)) {
    // Prometheus has no name for '@' and prints its internal item number.
    if (t.kind == TokenKind::kAt) return "\"<Item 57400>\" <op:@>";
    return "<op:" + text + ">";
  }
  if (is_aggregator(t.kind)) return "<aggr:" + text + ">";
  if (!fixed_text(t.kind).empty()) return short_quote(t.text);
  std::string_view kind_desc;
  switch (t.kind) {
    case TokenKind::kIdentifier:
      return "identifier " + go_quote(t.text);
    case TokenKind::kMetricIdentifier:
      return "metric identifier " + go_quote(t.text);
    case TokenKind::kString:
      kind_desc = "string";
      break;
    case TokenKind::kNumber:
      kind_desc = "number";
      break;
    case TokenKind::kDuration:
      kind_desc = "duration";
      break;
    case TokenKind::kComment:
      kind_desc = "comment";
      break;
    default:
      kind_desc = "token";
      break;
  }
  return std::string(kind_desc) + " " + short_quote(t.text);
}

int Lexer::peek_rune(int* width) const {
  if (static_cast<size_t>(pos_) >= in_.size()) {
    if (width) *width = 0;
    return kEofRune;
  }
  int w = 1;
  int r = decode_rune(in_, static_cast<size_t>(pos_), &w);
  if (width) *width = w;
  return r;
}

int Lexer::next_rune() {
  int w = 0;
  int r = peek_rune(&w);
  width_ = w;
  pos_ += w;
  return r;
}

bool Lexer::accept(std::string_view valid) {
  int r = next_rune();
  if (r >= 0 && r < 128 && valid.find(static_cast<char>(r)) != std::string_view::npos) return true;
  backup();
  return false;
}

bool Lexer::peek_in(std::string_view valid) const {
  int r = peek_rune();
  return r >= 0 && r < 128 && valid.find(static_cast<char>(r)) != std::string_view::npos;
}

Token Lexer::emit(TokenKind k) {
  Token t;
  t.kind = k;
  t.pos = start_;
  t.text = in_.substr(static_cast<size_t>(start_), static_cast<size_t>(pos_ - start_));
  start_ = pos_;
  return t;
}

Token Lexer::fail(std::string msg) {
  Token t;
  t.kind = TokenKind::kError;
  t.pos = start_;
  t.error = std::move(msg);
  state_ = State::kDone;
  return t;
}

void Lexer::skip_spaces() {
  while (is_space(peek_rune())) next_rune();
  start_ = pos_;
}

Token Lexer::next() {
  for (;;) {
    switch (state_) {
      case State::kDone: {
        start_ = pos_ = static_cast<int>(in_.size());
        Token t;
        t.pos = pos_;
        return t;
      }
      case State::kDurationExpr: {
        state_ = State::kStatements;
        Token t = lex_duration_expr();
        if (t.kind != TokenKind::kComment) return t;
        break;
      }
      case State::kInsideBraces:
      case State::kStatements: {
        Token t = brace_open_ ? lex_inside_braces() : lex_statements();
        if (t.kind == TokenKind::kComment && t.text.empty()) break;  // skipped space
        return t;
      }
    }
  }
}

Token Lexer::lex_comment() {
  pos_ += 1;  // '#'
  for (;;) {
    int r = next_rune();
    if (r == kEofRune) break;
    if (r == '\r' || r == '\n') {
      backup();
      break;
    }
  }
  return emit(TokenKind::kComment);
}

Token Lexer::lex_statements() {
  if (static_cast<size_t>(pos_) < in_.size() && in_[static_cast<size_t>(pos_)] == '#') {
    return lex_comment();
  }
  int r = next_rune();
  if (r == kEofRune) {
    if (paren_depth_ != 0) return fail("unclosed left parenthesis");
    if (bracket_open_) return fail("unclosed left bracket");
    Token t = emit(TokenKind::kEof);
    state_ = State::kDone;
    return t;
  }
  if (is_space(r)) {
    skip_spaces();
    return Token{TokenKind::kComment, pos_, {}, {}};  // "nothing": caller loops
  }
  if (TokenKind op; arithmetic_operator(r, &op)) return emit(op);
  switch (r) {
    case ',':
      return emit(TokenKind::kComma);
    case '@':
      return emit(TokenKind::kAt);
    case '=': {
      int t = peek_rune();
      if (t == '=') {
        next_rune();
        return emit(TokenKind::kEqlc);
      }
      if (t == '~') return fail("unexpected character after '=': " + go_quote_rune(t));
      return emit(TokenKind::kAssign);
    }
    case '!': {
      int t = next_rune();
      if (t != '=') return fail("unexpected character after '!': " + go_quote_rune(t));
      return emit(TokenKind::kNeq);
    }
    case '<':
      if (peek_rune() == '=') {
        next_rune();
        return emit(TokenKind::kLte);
      }
      return emit(TokenKind::kLss);
    case '>':
      if (peek_rune() == '=') {
        next_rune();
        return emit(TokenKind::kGte);
      }
      return emit(TokenKind::kGtr);
    case '"':
    case '\'':
      return lex_string(r);
    case '`':
      return lex_raw_string();
    case '(':
      ++paren_depth_;
      return emit(TokenKind::kLeftParen);
    case ')': {
      Token t = emit(TokenKind::kRightParen);
      if (--paren_depth_ < 0) return fail("unexpected right parenthesis ')'");
      return t;
    }
    case '{': {
      Token t = emit(TokenKind::kLeftBrace);
      brace_open_ = true;
      return t;
    }
    case '[': {
      if (bracket_open_) return fail("unexpected left bracket '['");
      got_colon_ = false;
      Token t = emit(TokenKind::kLeftBracket);
      skip_spaces();
      bracket_open_ = true;
      state_ = State::kDurationExpr;
      return t;
    }
    case ']':
      if (!bracket_open_) return fail("unexpected right bracket ']'");
      bracket_open_ = false;
      return emit(TokenKind::kRightBracket);
    default:
      break;
  }
  if (is_digit(r) || (r == '.' && is_digit(peek_rune()))) {
    backup();
    return lex_number_or_duration();
  }
  if (is_alpha(r) || r == ':') {
    if (!bracket_open_) {
      backup();
      return lex_keyword_or_identifier();
    }
    // Inside brackets Prometheus treats any letter or colon as the colon
    // separating range and step.
    if (got_colon_) return fail("unexpected colon " + go_quote_rune(r));
    got_colon_ = true;
    return emit(TokenKind::kColon);
  }
  return fail("unexpected character: " + go_quote_rune(r));
}

Token Lexer::lex_inside_braces() {
  if (static_cast<size_t>(pos_) < in_.size() && in_[static_cast<size_t>(pos_)] == '#') {
    return lex_comment();
  }
  int r = next_rune();
  if (r == kEofRune) return fail("unexpected end of input inside braces");
  if (is_space(r)) {
    skip_spaces();
    return Token{TokenKind::kComment, pos_, {}, {}};
  }
  if (is_alpha(r)) {
    while (is_alnum(peek_rune())) next_rune();
    return emit(TokenKind::kIdentifier);
  }
  switch (r) {
    case ',':
      return emit(TokenKind::kComma);
    case '"':
    case '\'':
      return lex_string(r);
    case '`':
      return lex_raw_string();
    case '=':
      if (peek_rune() == '~') {
        next_rune();
        return emit(TokenKind::kEqlRegex);
      }
      return emit(TokenKind::kAssign);
    case '!': {
      int nr = next_rune();
      if (nr == '~') return emit(TokenKind::kNeqRegex);
      if (nr == '=') return emit(TokenKind::kNeq);
      return fail("unexpected character after '!' inside braces: " + go_quote_rune(nr));
    }
    case '{':
      return fail("unexpected left brace '{'");
    case '}': {
      Token t = emit(TokenKind::kRightBrace);
      brace_open_ = false;
      return t;
    }
    default:
      return fail("unexpected character inside braces: " + go_quote_rune(r));
  }
}

Token Lexer::lex_duration_expr() {
  int r = next_rune();
  switch (r) {
    case kEofRune:
      return fail("unexpected end of input in duration expression");
    case ']': {
      bracket_open_ = false;
      got_colon_ = false;
      return emit(TokenKind::kRightBracket);
    }
    case ':': {
      Token t = emit(TokenKind::kColon);
      if (!got_duration_) return fail("unexpected colon before duration in duration expression");
      if (got_colon_) return fail("unexpected repeated colon in duration expression");
      got_colon_ = true;
      state_ = State::kDurationExpr;
      return t;
    }
    case '(': {
      ++paren_depth_;
      state_ = State::kDurationExpr;
      return emit(TokenKind::kLeftParen);
    }
    case ')': {
      Token t = emit(TokenKind::kRightParen);
      if (--paren_depth_ < 0) return fail("unexpected right parenthesis ')'");
      state_ = State::kDurationExpr;
      return t;
    }
    default:
      break;
  }
  state_ = State::kDurationExpr;
  if (is_space(r)) {
    skip_spaces();
    return Token{TokenKind::kComment, pos_, {}, {}};
  }
  if (TokenKind op; arithmetic_operator(r, &op)) return emit(op);
  if (is_digit(r) || (r == '.' && is_digit(peek_rune()))) {
    backup();
    got_duration_ = true;
    state_ = State::kStatements;
    return lex_number_or_duration();
  }
  return fail("unexpected character in duration expression: " + go_quote_rune(r));
}

bool Lexer::scan_number() {
  int initial = pos_;
  std::string_view digits = "0123456789";
  if (accept("0") && accept("xX")) {
    accept("_");
    digits = "0123456789abcdefABCDEF";
  }
  accept(".");
  accept(digits);
  bool dot_consumed = false;
  bool exponent_consumed = false;
  auto in = [&](std::string_view set) { return peek_in(set); };
  while (in(digits) || in(".") || in("_") || in("eE")) {
    if (in(".") && dot_consumed) {
      accept(".");
      return false;
    }
    if (in("eE") && exponent_consumed) {
      accept("eE");
      return false;
    }
    if (accept(".")) {
      dot_consumed = true;
      if (accept("_.")) return false;
      if (digits.size() > 10) return false;  // no hex fractions
      continue;
    }
    if (accept("eE")) {
      exponent_consumed = true;
      accept("+-");
      if (accept("._eE") || peek_rune() == kEofRune) return false;
      continue;
    }
    if (accept("_")) {
      if (accept("._eE") || peek_rune() == kEofRune) return false;
      continue;
    }
    while (accept(digits)) {
    }
  }
  if (pos_ == initial) return false;
  return !is_alnum(peek_rune());
}

bool Lexer::accept_remaining_duration() {
  if (!accept("smhdwy")) return false;
  accept("s");
  while (accept("0123456789")) {
    while (accept("0123456789")) {
    }
    if (!accept("smhdw")) return false;
    accept("s");
  }
  return !is_alnum(next_rune());
}

Token Lexer::lex_number_or_duration() {
  if (scan_number()) return emit(TokenKind::kNumber);
  if (accept_remaining_duration()) {
    backup();
    return emit(TokenKind::kDuration);
  }
  return fail(
      "bad number or duration syntax: " +
      go_quote(in_.substr(static_cast<size_t>(start_), static_cast<size_t>(pos_ - start_))));
}

Token Lexer::lex_keyword_or_identifier() {
  for (;;) {
    int r = next_rune();
    if (is_alnum(r) || r == ':') continue;
    backup();
    break;
  }
  std::string_view word =
      in_.substr(static_cast<size_t>(start_), static_cast<size_t>(pos_ - start_));
  TokenKind kind;
  if (lookup_keyword(word, &kind)) return emit(kind);
  if (word.find(':') == std::string_view::npos) return emit(TokenKind::kIdentifier);
  return emit(TokenKind::kMetricIdentifier);
}

}  // namespace promlite::query
