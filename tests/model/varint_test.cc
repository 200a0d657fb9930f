#include "model/varint.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace promlite::model {
namespace {

TEST(Varint, KnownEncodings) {
  struct Case {
    uint64_t v;
    std::string bytes;
  };
  const Case cases[] = {
      {0, std::string("\x00", 1)},
      {1, "\x01"},
      {127, "\x7f"},
      {128, "\x80\x01"},
      {300, "\xac\x02"},
      {16383, "\xff\x7f"},
      {16384, "\x80\x80\x01"},
      {std::numeric_limits<uint64_t>::max(), "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"},
  };
  for (const Case& c : cases) {
    std::string out = "x";  // appends after what is there
    put_uvarint(out, c.v);
    EXPECT_EQ(out, "x" + c.bytes) << c.v;
    EXPECT_EQ(uvarint_size(c.v), c.bytes.size()) << c.v;

    char raw[kMaxVarintBytes];
    char* end = put_uvarint(raw, c.v);
    EXPECT_EQ(std::string(raw, end), c.bytes) << c.v;

    // All three decoder forms agree and consume exactly the encoding.
    std::string in = c.bytes + "tail";
    const auto* u = reinterpret_cast<const uint8_t*>(in.data());
    uint64_t got = 0;
    ASSERT_TRUE(get_uvarint(&u, u + in.size(), &got)) << c.v;
    EXPECT_EQ(got, c.v);
    EXPECT_EQ(reinterpret_cast<const char*>(u), in.data() + c.bytes.size());

    const char* p = in.data();
    got = 0;
    ASSERT_TRUE(get_uvarint(&p, in.data() + in.size(), &got)) << c.v;
    EXPECT_EQ(got, c.v);
    EXPECT_EQ(p, in.data() + c.bytes.size());

    size_t pos = 0;
    got = 0;
    ASSERT_TRUE(get_uvarint(std::string_view(in), &pos, &got)) << c.v;
    EXPECT_EQ(got, c.v);
    EXPECT_EQ(pos, c.bytes.size());
  }
}

TEST(Varint, RejectsTruncatedAndOverflowingInput) {
  const std::string bad[] = {
      "",                                                  // empty
      "\x80",                                              // cut short
      "\xff\xff",                                          // cut short
      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02",          // 10th byte > 1: over 64 bits
      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x01",      // an 11th byte
      "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01",  // longer still
  };
  for (const std::string& b : bad) {
    const char* p = b.data();
    uint64_t got = 7;
    EXPECT_FALSE(get_uvarint(&p, b.data() + b.size(), &got)) << b.size();
    EXPECT_EQ(p, b.data()) << "position moved on failure";
    EXPECT_EQ(got, 7u) << "output written on failure";
  }
  // A position past the end is refused, not read.
  size_t pos = 5;
  uint64_t got = 0;
  EXPECT_FALSE(get_uvarint(std::string_view("ab"), &pos, &got));
  EXPECT_EQ(pos, 5u);
}

TEST(Varint, ZigzagAndSignedRoundTrip) {
  EXPECT_EQ(zigzag_encode(0), 0u);
  EXPECT_EQ(zigzag_encode(-1), 1u);
  EXPECT_EQ(zigzag_encode(1), 2u);
  EXPECT_EQ(zigzag_encode(-2), 3u);
  const int64_t values[] = {0,
                            1,
                            -1,
                            63,
                            -64,
                            64,
                            -65,
                            1'700'000'000'000,
                            std::numeric_limits<int64_t>::min(),
                            std::numeric_limits<int64_t>::max()};
  for (int64_t v : values) {
    EXPECT_EQ(zigzag_decode(zigzag_encode(v)), v);
    std::string out;
    put_varint(out, v);
    EXPECT_EQ(out.size(), uvarint_size(zigzag_encode(v)));
    const auto* p = reinterpret_cast<const uint8_t*>(out.data());
    int64_t got = 0;
    ASSERT_TRUE(get_varint(&p, p + out.size(), &got)) << v;
    EXPECT_EQ(got, v);
  }
}

TEST(Varint, Fixed64IsLittleEndian) {
  std::string out;
  put_fixed64(out, 0x0102030405060708ULL);
  EXPECT_EQ(out, "\x08\x07\x06\x05\x04\x03\x02\x01");
  const auto* p = reinterpret_cast<const uint8_t*>(out.data());
  uint64_t got = 0;
  ASSERT_TRUE(get_fixed64(&p, p + out.size(), &got));
  EXPECT_EQ(got, 0x0102030405060708ULL);
  EXPECT_EQ(reinterpret_cast<const char*>(p), out.data() + 8);

  p = reinterpret_cast<const uint8_t*>(out.data());
  EXPECT_FALSE(get_fixed64(&p, p + 7, &got));  // one byte short
  EXPECT_EQ(reinterpret_cast<const char*>(p), out.data());
}

TEST(ByteCursor, ReadsFieldsAndStopsAtTheFirstShortRead) {
  std::string rec;
  rec.push_back(16);
  put_uvarint(rec, 300);
  put_varint(rec, -5);
  put_fixed64(rec, 0x1122334455667788ULL);
  put_uvarint(rec, 3);
  rec += "abc";

  ByteCursor c(rec);
  EXPECT_EQ(c.byte(), 16);
  EXPECT_EQ(c.uvarint(), 300u);
  EXPECT_EQ(c.varint(), -5);
  EXPECT_EQ(c.fixed64(), 0x1122334455667788ULL);
  EXPECT_EQ(c.bytes(c.uvarint()), "abc");
  EXPECT_TRUE(c.ok());
  EXPECT_TRUE(c.done());
  EXPECT_EQ(c.remaining(), 0u);

  // Every read past the end fails, and stays failed.
  struct Case {
    const char* name;
    size_t cut;  // bytes of `rec` given
  };
  const Case cuts[] = {
      {"empty", 0}, {"in uvarint", 2}, {"in fixed64", 8}, {"in bytes", rec.size() - 1}};
  for (const Case& k : cuts) {
    ByteCursor d(std::string_view(rec).substr(0, k.cut));
    d.byte();
    d.uvarint();
    d.varint();
    d.fixed64();
    std::string_view b = d.bytes(d.uvarint());
    EXPECT_FALSE(d.ok()) << k.name;
    EXPECT_FALSE(d.done()) << k.name;
    EXPECT_TRUE(b.empty()) << k.name;
    EXPECT_EQ(d.uvarint(), 0u) << k.name;
    EXPECT_EQ(d.byte(), 0) << k.name;
  }

  // A length beyond what is left fails.
  ByteCursor e(
      "\x05"
      "ab");
  EXPECT_TRUE(e.bytes(e.uvarint()).empty());
  EXPECT_FALSE(e.ok());
}

}  // namespace
}  // namespace promlite::model
