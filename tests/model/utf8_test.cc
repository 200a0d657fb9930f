#include "model/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace promlite::model {
namespace {

// Reference: decode the code point and check its range (Go's rules spelled
// the other way round from the implementation's second-byte ranges).
size_t reference_length(const unsigned char* p, size_t n) {
  unsigned char c = p[0];
  size_t len;
  uint32_t cp;
  if ((c & 0xe0) == 0xc0) {
    len = 2, cp = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3, cp = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (p[i] & 0x3f);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return len;
}

TEST(Utf8, Table) {
  struct Case {
    std::string in;
    bool valid;
  };
  const Case cases[] = {
      {"", true},
      {"plain", true},
      {"a longer ASCII string, past one word", true},
      {std::string("nul\0inside", 10), true},
      {"Zürich ✓ 𝄞", true},
      {"\xc2\x80", true},          // U+0080
      {"\xdf\xbf", true},          // U+07FF
      {"\xe0\xa0\x80", true},      // U+0800
      {"\xed\x9f\xbf", true},      // U+D7FF
      {"\xee\x80\x80", true},      // U+E000
      {"\xef\xbf\xbf", true},      // U+FFFF
      {"\xf0\x90\x80\x80", true},  // U+10000
      {"\xf4\x8f\xbf\xbf", true},  // U+10FFFF
      {"\xff", false},
      {"\x80", false},              // stray continuation byte
      {"\xc3", false},              // cut short
      {"\xe2\x82", false},          // cut short
      {"\xc0\xaf", false},          // overlong
      {"\xc1\xbf", false},          // overlong
      {"\xe0\x9f\xbf", false},      // overlong
      {"\xf0\x8f\xbf\xbf", false},  // overlong
      {"\xed\xa0\x80", false},      // surrogate U+D800
      {"\xed\xbf\xbf", false},      // surrogate U+DFFF
      {"\xf4\x90\x80\x80", false},  // > U+10FFFF
      {"\xf5\x80\x80\x80", false},  // > U+10FFFF
      {"\xe2\x28\xa1", false},      // bad continuation
      {"0123456789abcdef\xc3", false},
      {"0123456789abcdef\xc3\xa9", true},
  };
  for (const Case& c : cases) EXPECT_EQ(valid_utf8(c.in), c.valid) << testing::PrintToString(c.in);
}

// Every 2- and 3-byte sequence, and every 4-byte one with the lead bytes that
// bound the valid range, against the reference decoder.
TEST(Utf8, SequenceLengthMatchesReference) {
  unsigned char b[4];
  for (unsigned c0 = 0x80; c0 < 0x100; ++c0) {
    b[0] = static_cast<unsigned char>(c0);
    for (unsigned c1 = 0; c1 < 0x100; ++c1) {
      b[1] = static_cast<unsigned char>(c1);
      ASSERT_EQ(utf8_sequence_length(b, 2), reference_length(b, 2)) << c0 << " " << c1;
      ASSERT_EQ(utf8_sequence_length(b, 1), 0u);
      if (c0 < 0xe0 || c0 > 0xef) continue;
      for (unsigned c2 = 0; c2 < 0x100; ++c2) {
        b[2] = static_cast<unsigned char>(c2);
        ASSERT_EQ(utf8_sequence_length(b, 3), reference_length(b, 3)) << c0 << " " << c1;
      }
    }
  }
  for (unsigned c0 : {0xf0u, 0xf4u, 0xf5u, 0xf7u}) {
    b[0] = static_cast<unsigned char>(c0);
    for (unsigned c1 = 0x70; c1 < 0xd0; ++c1) {
      b[1] = static_cast<unsigned char>(c1);
      for (unsigned c2 : {0x7fu, 0x80u, 0xbfu, 0xc0u}) {
        b[2] = static_cast<unsigned char>(c2);
        for (unsigned c3 : {0x7fu, 0x80u, 0xbfu, 0xc0u}) {
          b[3] = static_cast<unsigned char>(c3);
          ASSERT_EQ(utf8_sequence_length(b, 4), reference_length(b, 4)) << c0 << " " << c1;
          ASSERT_EQ(utf8_sequence_length(b, 3), reference_length(b, 3)) << c0 << " " << c1;
        }
      }
    }
  }
}

// One bad or good sequence at every offset of ASCII text of every length up to
// 40: exercises the word-at-a-time paths and their tails.
TEST(Utf8, SequenceAtEveryOffset) {
  const std::string seqs[] = {"\xc3\xa9", "\xe2\x9c\x93", "\xf0\x9d\x84\x9e",
                              "\xff",     "\xed\xa0\x80", "\xc3"};
  for (const std::string& seq : seqs) {
    const bool valid = reference_length(reinterpret_cast<const unsigned char*>(seq.data()),
                                        seq.size()) == seq.size();
    for (size_t len = 0; len <= 40; ++len) {
      for (size_t at = 0; at <= len; ++at) {
        std::string s(len, 'a');
        s.insert(at, seq);
        ASSERT_EQ(valid_utf8(s), valid) << testing::PrintToString(s);
      }
    }
  }
}

}  // namespace
}  // namespace promlite::model
