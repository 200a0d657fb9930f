#include "query/lexer.h"

#include <cctype>
#include <cstdio>

namespace promlite::query {
namespace {

constexpr int kEofRune = -1;
constexpr int kRuneError = 0xFFFD;

// Decodes one UTF-8 rune at s[i]; invalid input gives kRuneError, width 1.
int decode_rune(std::string_view s, size_t i, int* width) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) {
    *width = 1;
    return c;
  }
  int n = 0;
  int r = 0;
  int min = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 1, r = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 2, r = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 3, r = c & 0x07, min = 0x10000;
  } else {
    *width = 1;
    return kRuneError;
  }
  if (i + n >= s.size()) {
    *width = 1;
    return kRuneError;
  }
  for (int k = 1; k <= n; ++k) {
    unsigned char cc = b(i + k);
    if ((cc & 0xC0) != 0x80) {
      *width = 1;
      return kRuneError;
    }
    r = (r << 6) | (cc & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r < 0xE000)) {
    *width = 1;
    return kRuneError;
  }
  *width = n + 1;
  return r;
}

bool is_space(int r) { return r == ' ' || r == '\t' || r == '\n' || r == '\r'; }
bool is_digit(int r) { return r >= '0' && r <= '9'; }
bool is_alpha(int r) { return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'); }
bool is_alnum(int r) { return is_alpha(r) || is_digit(r); }

// An approximation of Go's unicode.IsPrint: graphic characters plus ASCII
// space. Controls, format characters, separators other than U+0020, private
// use and noncharacters are not printable.
bool is_print(int r) {
  if (r < 0x20 || r == 0x7F) return false;
  if (r < 0x7F) return true;
  if (r >= 0x80 && r <= 0xA0) return false;
  if (r == 0xAD) return false;
  if (r == 0x1680 || (r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) ||
      (r >= 0x205F && r <= 0x206F) || r == 0x3000 || r == 0xFEFF) {
    return false;
  }
  if (r >= 0xD800 && r < 0xE000) return false;
  if (r >= 0xE000 && r <= 0xF8FF) return false;
  if ((r & 0xFFFE) == 0xFFFE) return false;
  if (r >= 0xFFF9 && r <= 0xFFFB) return false;
  if (r >= 0xF0000) return false;
  if (r > 0x10FFFF) return false;
  return true;
}

void append_utf8(std::string* out, int r) {
  if (r < 0x80) {
    out->push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (r >> 6)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (r >> 12)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (r >> 18)));
    out->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

std::string hex_escape(char kind, unsigned v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\%c%0*x", kind, digits, v);
  return buf;
}

// Appends rune r to a Go-quoted literal delimited by `quote`.
void append_quoted_rune(std::string* out, int r, char quote) {
  if (r == quote || r == '\\') {
    out->push_back('\\');
    out->push_back(static_cast<char>(r));
    return;
  }
  if (is_print(r)) {
    append_utf8(out, r);
    return;
  }
  switch (r) {
    case '\a':
      out->append("\\a");
      return;
    case '\b':
      out->append("\\b");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    case '\v':
      out->append("\\v");
      return;
  }
  if (r < 0x20 || r == 0x7F) {
    out->append(hex_escape('x', static_cast<unsigned>(r), 2));
  } else if (r < 0x10000) {
    out->append(hex_escape('u', static_cast<unsigned>(r), 4));
  } else {
    out->append(hex_escape('U', static_cast<unsigned>(r), 8));
  }
}

// Go's %#U: U+0063 'c' (the quoted form only for printable runes).
std::string go_sharp_u(int r) {
  if (r < 0) r = kRuneError;
  char buf[32];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(r));
  std::string out = buf;
  if (is_print(r)) {
    out += " '";
    append_utf8(&out, r);
    out += "'";
  }
  return out;
}

int digit_val(int ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return 16;
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

std::string go_quote(std::string_view s) {
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    int w = 1;
    int r = decode_rune(s, i, &w);
    if (r == kRuneError && w == 1) {
      out.append(hex_escape('x', static_cast<unsigned char>(s[i]), 2));
    } else {
      append_quoted_rune(&out, r, '"');
    }
    i += static_cast<size_t>(w);
  }
  out.push_back('"');
  return out;
}

std::string go_quote_rune(int r) {
  if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r < 0xE000)) r = kRuneError;
  std::string out = "'";
  append_quoted_rune(&out, r, '\'');
  out.push_back('\'');
  return out;
}

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    int w = 1;
    int r = decode_rune(s, i, &w);
    if (r == kRuneError && w == 1) return false;
    i += static_cast<size_t>(w);
  }
  return true;
}

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
  switch (r) {
    case ',':
      return emit(TokenKind::kComma);
    case '*':
      return emit(TokenKind::kMul);
    case '/':
      return emit(TokenKind::kDiv);
    case '%':
      return emit(TokenKind::kMod);
    case '+':
      return emit(TokenKind::kAdd);
    case '-':
      return emit(TokenKind::kSub);
    case '^':
      return emit(TokenKind::kPow);
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
  switch (r) {
    case '+':
      return emit(TokenKind::kAdd);
    case '-':
      return emit(TokenKind::kSub);
    case '*':
      return emit(TokenKind::kMul);
    case '/':
      return emit(TokenKind::kDiv);
    case '%':
      return emit(TokenKind::kMod);
    case '^':
      return emit(TokenKind::kPow);
    default:
      break;
  }
  if (is_digit(r) || (r == '.' && is_digit(peek_rune()))) {
    backup();
    got_duration_ = true;
    state_ = State::kStatements;
    return lex_number_or_duration();
  }
  return fail("unexpected character in duration expression: " + go_quote_rune(r));
}

std::string Lexer::lex_escape(int quote) {
  int ch = next_rune();
  int n = 0;
  unsigned base = 0;
  unsigned max = 0;
  switch (ch) {
    case 'a':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
    case 'v':
    case '\\':
      return "";
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
      n = 3, base = 8, max = 255;
      break;
    case 'x':
      ch = next_rune();
      n = 2, base = 16, max = 255;
      break;
    case 'u':
      ch = next_rune();
      n = 4, base = 16, max = 0x10FFFF;
      break;
    case 'U':
      ch = next_rune();
      n = 8, base = 16, max = 0x10FFFF;
      break;
    case kEofRune:
      return "escape sequence not terminated";
    default:
      if (ch == quote) return "";
      return "unknown escape sequence " + go_sharp_u(ch);
  }
  uint64_t x = 0;
  while (n > 0) {
    unsigned d = static_cast<unsigned>(digit_val(ch));
    if (d >= base) {
      if (ch == kEofRune) return "escape sequence not terminated";
      return "illegal character " + go_sharp_u(ch) + " in escape sequence";
    }
    x = x * base + d;
    --n;
    if (n > 0) ch = next_rune();
  }
  if (x > max || (x >= 0xD800 && x < 0xE000)) {
    return "escape sequence is an invalid Unicode code point";
  }
  return "";
}

Token Lexer::lex_string(int quote) {
  for (;;) {
    int w = 0;
    int r = peek_rune(&w);
    if (r == kEofRune || r == '\n') {
      next_rune();
      return fail("unterminated quoted string");
    }
    next_rune();
    if (r == '\\') {
      std::string err = lex_escape(quote);
      if (!err.empty()) return fail(std::move(err));
      continue;
    }
    if (r == kRuneError) return fail("invalid UTF-8 rune");
    if (r == quote) break;
  }
  return emit(TokenKind::kString);
}

Token Lexer::lex_raw_string() {
  for (;;) {
    int r = next_rune();
    if (r == kRuneError) return fail("invalid UTF-8 rune");
    if (r == kEofRune) return fail("unterminated raw string");
    if (r == '`') break;
  }
  return emit(TokenKind::kString);
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

bool unquote_string(std::string_view q, std::string* out) {
  out->clear();
  if (q.size() < 2) return false;
  char quote = q.front();
  if (q.back() != quote) return false;
  std::string_view body = q.substr(1, q.size() - 2);
  if (quote == '`') {
    out->assign(body);
    return true;
  }
  if (quote != '"' && quote != '\'') return false;
  size_t i = 0;
  while (i < body.size()) {
    char c = body[i];
    if (c != '\\') {
      out->push_back(c);
      ++i;
      continue;
    }
    if (++i >= body.size()) return false;
    c = body[i++];
    switch (c) {
      case 'a':
        out->push_back('\a');
        continue;
      case 'b':
        out->push_back('\b');
        continue;
      case 'f':
        out->push_back('\f');
        continue;
      case 'n':
        out->push_back('\n');
        continue;
      case 'r':
        out->push_back('\r');
        continue;
      case 't':
        out->push_back('\t');
        continue;
      case 'v':
        out->push_back('\v');
        continue;
      case '\\':
        out->push_back('\\');
        continue;
      default:
        break;
    }
    if (c == quote) {
      out->push_back(c);
      continue;
    }
    int n = 0;
    unsigned base = 16;
    unsigned v = 0;
    if (c >= '0' && c <= '7') {
      n = 2, base = 8, v = static_cast<unsigned>(c - '0');
    } else if (c == 'x') {
      n = 2;
    } else if (c == 'u') {
      n = 4;
    } else if (c == 'U') {
      n = 8;
    } else {
      return false;
    }
    for (; n > 0; --n) {
      if (i >= body.size()) return false;
      unsigned d = static_cast<unsigned>(digit_val(static_cast<unsigned char>(body[i++])));
      if (d >= base) return false;
      v = v * base + d;
    }
    if (c == 'u' || c == 'U') {
      if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) return false;
      append_utf8(out, static_cast<int>(v));
    } else {
      if (v > 255) return false;
      out->push_back(static_cast<char>(v));
    }
  }
  return true;
}

}  // namespace promlite::query
