// Rune-level helpers shared by the PromQL lexer's files (lexer.cc: the token
// state machine; lexer_text.cc: string literals, escapes and Go-style
// quoting). Internal to query/.
#pragma once

#include <cstddef>
#include <string_view>

namespace promlite::query::lexer_detail {

inline constexpr int kEofRune = -1;
inline constexpr int kRuneError = 0xFFFD;

// Decodes one UTF-8 rune at s[i]; invalid input gives kRuneError, width 1.
int decode_rune(std::string_view s, size_t i, int* width);

inline bool is_space(int r) { return r == ' ' || r == '\t' || r == '\n' || r == '\r'; }
inline bool is_digit(int r) { return r >= '0' && r <= '9'; }
inline bool is_alpha(int r) { return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'); }
inline bool is_alnum(int r) { return is_alpha(r) || is_digit(r); }

}  // namespace promlite::query::lexer_detail
