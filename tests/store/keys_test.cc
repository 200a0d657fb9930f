#include "tsdb/store/keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "tsdb/store/id_set.h"

namespace promlite::tsdb::store {
namespace {

using namespace std::string_literals;

TEST(StoreKeys, EscapedRoundTrip) {
  for (std::string s : {""s, "a"s, "\0"s, "a\0b"s, "\0\0"s, "x\xff\0\x01y"s, "\x01"s}) {
    std::string enc;
    append_escaped(enc, s);
    enc += "tail";
    std::string_view in = enc;
    std::string out;
    ASSERT_TRUE(read_escaped(in, out)) << s;
    EXPECT_EQ(out, s);
    EXPECT_EQ(in, "tail");
  }
  std::string_view bad = "abc";  // no terminator
  std::string out;
  EXPECT_FALSE(read_escaped(bad, out));
}

TEST(StoreKeys, PostingsKeysSortByNameValueId) {
  // (name, value, id) tuples in the order their keys must sort.
  std::vector<std::tuple<std::string, std::string, uint64_t>> want = {
      {"a", "", 1},      {"a", "x", 1},    {"a", "x", 2},     {"a", "x\0"s, 0},
      {"a", "x\0y"s, 0}, {"a", "xa", 0},   {"a", "y", 0},     {"a\0"s, "x", 0},
      {"ab", "", 0},     {"b", "a", 0xff}, {"b", "a", 0x100},
  };
  std::vector<std::string> keys;
  for (auto& [n, v, id] : want) keys.push_back(postings_key(n, v, id));
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  // Every key of a pair starts with its value prefix and sorts below the skip key.
  for (size_t i = 0; i < want.size(); ++i) {
    auto& [n, v, id] = want[i];
    std::string vp = postings_value_prefix(n, v);
    EXPECT_TRUE(keys[i].starts_with(vp));
    EXPECT_LT(keys[i], skip_terminated(vp));
    EXPECT_LT(keys[i], skip_terminated(postings_name_prefix(n)));
    std::string value, name;
    uint64_t got_id;
    size_t plen;
    ASSERT_TRUE(parse_postings_name(keys[i], &name, &plen));
    EXPECT_EQ(name, n);
    ASSERT_TRUE(parse_postings_tail(keys[i], plen, &value, &got_id));
    EXPECT_EQ(value, v);
    EXPECT_EQ(got_id, id);
  }
  // The skip key of a value lands before the next value.
  EXPECT_LT(skip_terminated(postings_value_prefix("a", "x")), postings_key("a", "x\0"s, 0));
}

TEST(StoreKeys, ChunkKeysSortByIdThenTime) {
  std::vector<int64_t> times = {INT64_MIN, -86'400'000, -1, 0, 1, 1'700'000'000'000, INT64_MAX};
  std::vector<std::string> keys;
  for (uint64_t id : {1ull, 2ull, 300ull}) {
    for (int64_t t : times) keys.push_back(chunk_key(id, t));
  }
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  uint64_t id;
  int64_t t;
  ASSERT_TRUE(parse_chunk_key(chunk_key(300, -5), &id, &t));
  EXPECT_EQ(id, 300u);
  EXPECT_EQ(t, -5);
  EXPECT_TRUE(chunk_key(7, 0).starts_with(chunk_prefix(7)));
  EXPECT_FALSE(parse_chunk_key(series_key(7), &id, &t));
  ASSERT_TRUE(parse_series_key(series_key(1ull << 40), &id));
  EXPECT_EQ(id, 1ull << 40);
}

TEST(SeriesIdSet, MatchesStdSetUnderRandomInserts) {
  std::mt19937_64 rng(7);
  SeriesIdSet set;
  std::vector<uint64_t> ref;
  for (int i = 0; i < 20000; ++i) {
    // Mostly increasing ids, some out of order and repeated.
    uint64_t id = (i % 5 == 0) ? rng() % (i + 1) : static_cast<uint64_t>(i) * 3;
    set.insert(id);
    ref.push_back(id);
  }
  std::sort(ref.begin(), ref.end());
  ref.erase(std::unique(ref.begin(), ref.end()), ref.end());
  EXPECT_EQ(set.size(), ref.size());
  for (uint64_t id = 0; id < 60010; ++id) {
    ASSERT_EQ(set.contains(id), std::binary_search(ref.begin(), ref.end(), id)) << id;
  }
  EXPECT_LE(set.memory_bytes(), 2 * 8 * ref.size() + 8 * 4096);
}

}  // namespace
}  // namespace promlite::tsdb::store
