#include "tsdb/chunkenc/bit_stream.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "tsdb/chunkenc/varint.h"

namespace promlite::tsdb::chunkenc {
namespace {

TEST(BitStream, RoundTripRandomWidths) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::pair<uint64_t, unsigned>> fields;
    std::string buf;
    BitWriter w(buf);
    for (int i = 0; i < 200; ++i) {
      unsigned n = static_cast<unsigned>(rng() % 65);
      uint64_t v = rng() & low_mask(n);
      fields.emplace_back(v, n);
      w.write(v, n);
    }
    BitReader r(reinterpret_cast<const uint8_t*>(buf.data()), buf.size());
    for (auto [v, n] : fields) ASSERT_EQ(r.read(n), v) << "width " << n;
    EXPECT_TRUE(r.ok());
    EXPECT_LT(r.bits_left(), 8u);
  }
}

TEST(BitStream, LsbFirstLayout) {
  std::string buf;
  BitWriter w(buf);
  w.write(1, 1);     // bit 0
  w.write(0b10, 2);  // bits 1..2: 0 then 1
  w.write(0xAB, 8);  // bits 3..10
  ASSERT_EQ(buf.size(), 2u);
  EXPECT_EQ(static_cast<uint8_t>(buf[0]), 0b01011101);  // 1, 0, 1, then 0xAB's low 5 bits 01011
  EXPECT_EQ(static_cast<uint8_t>(buf[1]), 0b101);       // 0xAB's high 3 bits
}

TEST(BitStream, ResumesPartialByte) {
  std::string buf;
  BitWriter w1(buf);
  w1.write(0b101, 3);
  unsigned used = w1.used_bits();
  EXPECT_EQ(used, 3u);
  BitWriter w2(buf, used);
  w2.write(0x1FF, 9);
  w2.write(0xdeadbeefcafef00dULL, 64);
  BitReader r(reinterpret_cast<const uint8_t*>(buf.data()), buf.size());
  EXPECT_EQ(r.read(3), 0b101u);
  EXPECT_EQ(r.read(9), 0x1FFu);
  EXPECT_EQ(r.read(64), 0xdeadbeefcafef00dULL);
  EXPECT_TRUE(r.ok());
}

TEST(BitStream, ReadPastEndSetsOverflowAndStays) {
  const uint8_t data[3] = {0xff, 0xff, 0xff};
  BitReader r(data, sizeof data);
  EXPECT_EQ(r.read(20), 0xFFFFFu);
  EXPECT_EQ(r.peek(10), 0xFu);  // zero-filled beyond the end
  EXPECT_EQ(r.read(5), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.read(1), 0u);
  EXPECT_FALSE(r.ok());
  BitReader empty(nullptr, 0);
  EXPECT_EQ(empty.peek(5), 0u);
  EXPECT_EQ(empty.read(64), 0u);
  EXPECT_FALSE(empty.ok());
}

TEST(BitStream, PackUnpackEveryWidthAndLength) {
  std::mt19937_64 rng(3);
  for (unsigned w = 0; w <= 64; ++w) {
    for (size_t m : {0, 1, 2, 7, 8, 31, 32}) {
      std::vector<uint64_t> in(m);
      for (auto& x : in) x = rng() & low_mask(w);
      std::string out = "x";  // packing appends
      pack_bits(in.data(), m, w, out);
      ASSERT_EQ(out.size(), 1 + packed_bytes(m, w)) << w << " " << m;
      // Decode from an exact-size heap copy so ASan sees any over-read.
      std::vector<uint8_t> exact(out.begin() + 1, out.end());
      std::vector<uint64_t> got(m, 12345);
      unpack_bits(exact.data(), exact.data() + exact.size(), m, w, got.data());
      EXPECT_EQ(got, in) << "width " << w << " m " << m;
      // And with slack after the block (fast path).
      exact.resize(exact.size() + 16);
      std::fill(got.begin(), got.end(), 999);
      unpack_bits(exact.data(), exact.data() + exact.size(), m, w, got.data());
      EXPECT_EQ(got, in) << "fast path, width " << w << " m " << m;
    }
  }
}

TEST(Varint, RoundTripAndTruncation) {
  std::vector<int64_t> values = {0,
                                 1,
                                 -1,
                                 63,
                                 -64,
                                 64,
                                 1 << 20,
                                 -(int64_t{1} << 40),
                                 std::numeric_limits<int64_t>::max(),
                                 std::numeric_limits<int64_t>::min()};
  for (int64_t v : values) {
    std::string buf;
    put_varint(buf, v);
    EXPECT_EQ(buf.size(), uvarint_size(zigzag_encode(v)));
    const uint8_t* p = reinterpret_cast<const uint8_t*>(buf.data());
    int64_t got = 0;
    ASSERT_TRUE(get_varint(&p, p + buf.size(), &got));
    EXPECT_EQ(got, v);
    for (size_t cut = 0; cut < buf.size(); ++cut) {
      const uint8_t* q = reinterpret_cast<const uint8_t*>(buf.data());
      EXPECT_FALSE(get_varint(&q, q + cut, &got)) << v << " cut " << cut;
    }
  }
  // 11 continuation bytes, and a 10th byte with too many bits: both rejected.
  const uint8_t too_long[11] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  const uint8_t* p = too_long;
  uint64_t u;
  EXPECT_FALSE(get_uvarint(&p, too_long + 11, &u));
  const uint8_t overflow[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
  p = overflow;
  EXPECT_FALSE(get_uvarint(&p, overflow + 10, &u));
}

}  // namespace
}  // namespace promlite::tsdb::chunkenc
