// The fuzz seed corpus was written by an independent encoder of the layout in
// tsdb/FORMAT.md ("WAL"); reading it back checks the code against the document.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "model/sample.h"
#include "tsdb/wal/reader.h"
#include "tsdb/wal/records.h"
#include "tsdb/wal/segment.h"

namespace promlite::tsdb::wal {
namespace {

std::string corpus(const std::string& name) {
  std::ifstream in(std::string(PROMLITE_SOURCE_DIR) + "/tests/fuzz/corpus/wal_reader_fuzz/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(WalFormat, DocumentedLayoutDecodes) {
  std::string seg = corpus("scrape_batch");
  auto r = Reader::from_memory({seg});
  ASSERT_TRUE(r->next());
  std::vector<SeriesRecord> series;
  ASSERT_TRUE(decode_series(r->record(), series).is_ok());
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[0].id, 1u);
  EXPECT_EQ(series[0].labels,
            (model::Labels{{"__name__", "up"}, {"job", "node"}, {"instance", "a:9100"}}));
  EXPECT_EQ(series[1].labels, (model::Labels{{"__name__", "x"}, {"le", "+Inf"}}));
  ASSERT_TRUE(r->next());
  std::vector<RefSample> samples;
  ASSERT_TRUE(decode_samples(r->record(), samples).is_ok());
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[1].id, 2u);
  EXPECT_EQ(samples[2].t, 1'700'000'000'000);
  EXPECT_TRUE(model::is_stale_nan(samples[1].v));
  EXPECT_EQ(model::float_bits(samples[2].v), 0x8000000000000000ULL);
  EXPECT_FALSE(r->next());
  EXPECT_TRUE(r->status().is_ok());

  // Our encoders produce the same bytes.
  std::string again;
  std::string rec;
  encode_series(series, rec);
  append_frame(rec, again);
  rec.clear();
  encode_samples(samples, rec);
  append_frame(rec, again);
  EXPECT_EQ(again, seg);
}

TEST(WalFormat, ExtremeSamplesDecode) {
  std::string seg = corpus("extreme_samples");
  auto r = Reader::from_memory({seg});
  ASSERT_TRUE(r->next());
  std::vector<RefSample> s;
  ASSERT_TRUE(decode_samples(r->record(), s).is_ok());
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].id, ~uint64_t{0});
  EXPECT_EQ(s[0].t, INT64_MIN);
  EXPECT_EQ(s[1].t, INT64_MAX);
  EXPECT_EQ(model::float_bits(s[1].v), 0x7ff8000000000001ULL);
  EXPECT_EQ(s[2].t, -1);
}

}  // namespace
}  // namespace promlite::tsdb::wal
