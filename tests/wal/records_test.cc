#include "tsdb/wal/records.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "model/sample.h"

namespace promlite::tsdb::wal {
namespace {

using model::bits_to_float;
using model::float_bits;

constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();
constexpr int64_t kMinI64 = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxI64 = std::numeric_limits<int64_t>::max();

bool same(const RefSample& a, const RefSample& b) {
  return a.id == b.id && a.t == b.t && float_bits(a.v) == float_bits(b.v);
}

struct SamplesCase {
  std::string name;
  std::vector<RefSample> samples;
};

std::vector<SamplesCase> samples_cases() {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<RefSample> scrape;
  for (uint64_t i = 0; i < 1000; ++i) {
    scrape.push_back({1000 + i, 1'700'000'000'000, static_cast<double>(i) * 0.25});
  }
  return {
      {"empty", {}},
      {"one", {{1, 1000, 1.5}}},
      {"specials",
       {{1, 5, model::stale_nan()},
        {2, 5, -0.0},
        {3, 5, inf},
        {4, 5, -inf},
        {5, 5, bits_to_float(0x7ff8000000000001ULL)},  // quiet NaN with a payload
        {6, 5, bits_to_float(0xfff0000000000badULL)},  // negative signalling NaN
        {7, 5, std::numeric_limits<double>::denorm_min()},
        {8, 5, std::numeric_limits<double>::max()}}},
      {"huge ids", {{kMaxU64, 0, 1}, {0, 0, 2}, {kMaxU64 - 1, 0, 3}, {1ULL << 63, 0, 4}}},
      {"negative and extreme t",
       {{1, -1, 1}, {2, kMinI64, 2}, {3, kMaxI64, 3}, {4, 0, 4}, {5, -86'400'000, 5}}},
      {"extreme base t", {{9, kMinI64, 1}, {9, kMaxI64, 1}}},
      {"descending ids", {{100, 10, 1}, {50, 20, 2}, {1, 30, 3}, {0, 40, 4}}},
      {"scrape of 1000", scrape},
  };
}

TEST(WalRecords, SamplesRoundTrip) {
  for (const auto& c : samples_cases()) {
    SCOPED_TRACE(c.name);
    std::string rec = "prefix";  // encoders append
    encode_samples(c.samples, rec);
    ASSERT_EQ(rec.substr(0, 6), "prefix");
    rec.erase(0, 6);
    auto type = record_type(rec);
    ASSERT_TRUE(type.is_ok());
    EXPECT_EQ(*type, RecordType::kSamples);
    std::vector<RefSample> got = {{77, 77, 77}};  // decoders append
    ASSERT_TRUE(decode_samples(rec, got).is_ok()) << decode_samples(rec, got).message();
    ASSERT_EQ(got.size(), c.samples.size() + 1);
    EXPECT_EQ(got[0].id, 77u);
    for (size_t i = 0; i < c.samples.size(); ++i) EXPECT_TRUE(same(got[i + 1], c.samples[i])) << i;
  }
}

TEST(WalRecords, ScrapeBatchIsCompact) {
  auto c = samples_cases().back();
  std::string rec;
  encode_samples(c.samples, rec);
  // 1 byte id delta, 1 byte t delta, 8 value bytes per sample.
  EXPECT_LE(rec.size(), 10 * c.samples.size() + 16);
}

TEST(WalRecords, SeriesRoundTrip) {
  std::vector<std::vector<SeriesRecord>> cases = {
      {},
      {{1, model::Labels{{"__name__", "up"}, {"job", "node"}}}},
      {{kMaxU64, model::Labels{{"a", std::string(300, 'x')}}},
       {0, model::Labels{}},
       {42, model::Labels{{"__name__", "http_requests_total"}, {"code", "200"}, {"é", "ü"}}}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    std::string rec;
    encode_series(cases[i], rec);
    auto type = record_type(rec);
    ASSERT_TRUE(type.is_ok());
    EXPECT_EQ(*type, RecordType::kSeries);
    std::vector<SeriesRecord> got;
    ASSERT_TRUE(decode_series(rec, got).is_ok());
    EXPECT_EQ(got, cases[i]);
  }
}

TEST(WalRecords, RecordTypes) {
  struct Case {
    std::string rec;
    bool ok;
  };
  std::vector<Case> cases = {
      {"", false},     {std::string(1, '\0'), false},
      {"\x01", true},  {"\x02", true},
      {"\x03", false}, {"\x0f", false},
      {"\x10", true},  {"\x1f", true},
      {"\x20", false}, {"\xff", false},
  };
  for (const auto& c : cases) {
    auto t = record_type(c.rec);
    EXPECT_EQ(t.is_ok(), c.ok) << (c.rec.empty() ? -1 : static_cast<uint8_t>(c.rec[0]));
    if (!t.is_ok()) {
      EXPECT_EQ(t.status().code(), StatusCode::kCorruption);
    }
  }
}

TEST(WalRecords, DecodersRejectTheOtherTypes) {
  std::string series, samples;
  encode_series(std::vector<SeriesRecord>{{1, model::Labels{{"a", "b"}}}}, series);
  encode_samples(std::vector<RefSample>{{1, 2, 3}}, samples);
  std::vector<SeriesRecord> s;
  std::vector<RefSample> r;
  EXPECT_EQ(decode_series(samples, s).code(), StatusCode::kCorruption);
  EXPECT_EQ(decode_samples(series, r).code(), StatusCode::kCorruption);
  EXPECT_EQ(decode_samples("\x10\x00", r).code(), StatusCode::kCorruption);
  EXPECT_EQ(decode_series("", s).code(), StatusCode::kCorruption);
}

// Every strict prefix of a valid record, and the record plus a trailing byte,
// are corrupt; none may read out of bounds (ASan checks that).
TEST(WalRecords, TruncatedAndTrailingBytesAreCorrupt) {
  std::string series, samples;
  encode_series(std::vector<SeriesRecord>{{300, model::Labels{{"__name__", "up"}, {"x", "y"}}},
                                          {1ULL << 40, model::Labels{{"a", "b"}}}},
                series);
  encode_samples(samples_cases()[2].samples, samples);
  for (size_t n = 0; n < series.size(); ++n) {
    std::vector<SeriesRecord> out;
    EXPECT_EQ(decode_series(std::string(series, 0, n), out).code(), StatusCode::kCorruption) << n;
  }
  for (size_t n = 0; n < samples.size(); ++n) {
    std::vector<RefSample> out;
    EXPECT_EQ(decode_samples(std::string(samples, 0, n), out).code(), StatusCode::kCorruption) << n;
  }
  std::vector<SeriesRecord> s;
  std::vector<RefSample> r;
  EXPECT_EQ(decode_series(series + "x", s).code(), StatusCode::kCorruption);
  EXPECT_EQ(decode_samples(samples + "x", r).code(), StatusCode::kCorruption);
}

TEST(WalRecords, InvalidInputs) {
  struct Case {
    std::string name;
    std::string rec;
  };
  std::vector<Case> series_cases = {
      {"count larger than the record", std::string("\x01\xff\xff\xff\x0f\x01\x00", 7)},
      {"labels length past the end", std::string("\x01\x01\x05\x09\x01", 5)},
      {"unsorted labels", std::string("\x01\x01\x07\x08\x01"
                                      "b\x01"
                                      "1\x01"
                                      "a\x01"
                                      "2",
                                      12)},
      {"empty label value", std::string("\x01\x01\x07\x03\x01"
                                        "a\x00",
                                        7)},
      {"varint over 64 bits",
       std::string("\x01\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f\x00", 13)},
  };
  for (const auto& c : series_cases) {
    std::vector<SeriesRecord> out;
    EXPECT_EQ(decode_series(c.rec, out).code(), StatusCode::kCorruption) << c.name;
  }
  std::vector<Case> samples_cases = {
      {"count larger than the record", std::string("\x02\x80\x80\x80\x80\x10\x01\x00", 8)},
      {"no base", std::string("\x02\x01", 2)},
      {"short value", std::string("\x02\x01\x01\x00\x00\x00\x01\x02\x03\x04\x05\x06\x07", 13)},
  };
  for (const auto& c : samples_cases) {
    std::vector<RefSample> out;
    EXPECT_EQ(decode_samples(c.rec, out).code(), StatusCode::kCorruption) << c.name;
  }
}

}  // namespace
}  // namespace promlite::tsdb::wal
