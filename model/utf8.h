// UTF-8 validation with Go's rules (utf8.ValidString / utf8.DecodeRune), which
// Prometheus applies to label names and values, exposition text and JSON output:
// no overlong forms (C0, C1, E0 80..9F, F0 80..8F), no surrogates (ED A0..BF,
// U+D800..U+DFFF), nothing past U+10FFFF (F4 90.., F5..FF), no stray
// continuation bytes and no sequence cut short. NUL and other ASCII bytes are valid.
//
// Pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace promlite::model {

// Length (2 to 4) of the valid UTF-8 sequence starting at p[0], a byte >= 0x80,
// of which `n` >= 1 bytes may be read; 0 when it is not a valid sequence (Go's
// utf8.DecodeRune then returns RuneError of width 1).
inline size_t utf8_sequence_length(const unsigned char* p, size_t n) {
  const unsigned c = p[0];
  size_t len;
  unsigned lo = 0x80, hi = 0xbf;  // allowed range of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0) lo = 0xa0;  // overlong below U+0800
    if (c == 0xed) hi = 0x9f;  // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0) lo = 0x90;  // overlong below U+10000
    if (c == 0xf4) hi = 0x8f;  // past U+10FFFF
  } else {
    return 0;
  }
  if (n < len || p[1] < lo || p[1] > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if ((p[k] & 0xc0) != 0x80) return 0;
  }
  return len;
}

// True when no byte of [p, p+n) has its high bit set: one pass of word loads
// (the tail covered by one overlapping load), no early exit, which the compiler
// vectorises.
inline bool all_ascii(const unsigned char* p, size_t n) {
  auto load64 = [](const unsigned char* q) {
    uint64_t v;
    std::memcpy(&v, q, 8);
    return v;
  };
  uint64_t acc = 0;
  if (n >= 8) {
    for (size_t i = 0; i + 8 <= n; i += 8) acc |= load64(p + i);
    acc |= load64(p + n - 8);
  } else if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    acc = a | b;
  } else {
    for (size_t i = 0; i < n; ++i) acc |= p[i];
  }
  return !(acc & 0x8080808080808080ULL);
}

// Go's utf8.ValidString. Measured against byte-at-a-time and decode-the-rune
// loops (ASCII label values, 23 KB exposition bodies that are all or mostly
// ASCII, dense non-ASCII text): all-ASCII input, by far the common case, takes
// the one-pass check; otherwise ASCII runs are skipped a word at a time.
inline bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  if (all_ascii(p, n)) return true;
  size_t i = 0;
  while (i < n) {
    if (p[i] < 0x80) {
      ++i;
      while (n - i >= 8) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ULL) break;
        i += 8;
      }
      continue;
    }
    const size_t len = utf8_sequence_length(p + i, n - i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace promlite::model
