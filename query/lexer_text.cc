// The PromQL lexer's text handling: UTF-8 decoding, string literals and
// their escapes (Lexer::lex_string and friends), unquote_string(), and the
// Go-style quoting (strconv.Quote) Prometheus's error messages use.
#include <cstdio>

#include "query/lexer.h"
#include "query/lexer_runes.h"

namespace promlite::query {

namespace lexer_detail {

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

}  // namespace lexer_detail

using namespace lexer_detail;  // NOLINT(build/namespaces): internal helpers

namespace {

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
}  // namespace

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
