// The agent's series snapshot records: its own round trip, and reading the
// head's snapshot layout (with an open chunk and sealed chunks) as well.
#include "tsdb/agent/agent_checkpoint.h"

#include <gtest/gtest.h>

#include <string>

#include "model/labels.h"
#include "model/varint.h"
#include "tsdb/wal/checkpoint_dir.h"

namespace promlite::tsdb::agent {
namespace {

TEST(AgentSnapshot, RoundTrip) {
  model::Labels ls{{"__name__", "up"}, {"job", "node"}};
  SnapshotEntry in{42, ls.data(), -1'700'000'000'000};
  std::string rec;
  encode_snapshot(in, rec);
  ASSERT_EQ(static_cast<uint8_t>(rec[0]), wal::kSnapshotRecordType);

  SnapshotEntry out;
  ASSERT_TRUE(decode_snapshot(rec, &out).is_ok());
  EXPECT_EQ(out.id, 42u);
  EXPECT_EQ(out.encoded_labels, ls.data());
  EXPECT_EQ(out.last_t, in.last_t);

  // Every cut, and one byte too many, is refused.
  for (size_t cut = 0; cut < rec.size(); ++cut) {
    EXPECT_EQ(decode_snapshot(rec.substr(0, cut), &out).code(), StatusCode::kCorruption) << cut;
  }
  EXPECT_EQ(decode_snapshot(rec + "x", &out).code(), StatusCode::kCorruption);
  std::string other = rec;
  other[0] = static_cast<char>(wal::kCompressedSnapshotsRecordType);
  EXPECT_EQ(decode_snapshot(other, &out).code(), StatusCode::kCorruption);
}

// A head checkpoint's snapshot carries an open chunk (five fixed64 fields,
// three state bytes, the chunk bytes) and sealed chunks: skipped.
TEST(AgentSnapshot, SkipsTheHeadsChunks) {
  model::Labels ls{{"__name__", "up"}};
  std::string rec;
  rec.push_back(static_cast<char>(wal::kSnapshotRecordType));
  model::put_uvarint(rec, 7);
  model::put_uvarint(rec, ls.data().size());
  rec += ls.data();
  model::put_fixed64(rec, 1000);  // last_t
  model::put_fixed64(rec, 0);     // last value
  model::put_uvarint(rec, 3);     // samples in the open chunk
  for (int i = 0; i < 5; ++i) model::put_fixed64(rec, 1);
  rec += "abc";  // appender state bytes
  model::put_uvarint(rec, 4);
  rec += "open";
  model::put_uvarint(rec, 2);  // sealed chunks
  model::put_uvarint(rec, 1);
  rec += "s";
  model::put_uvarint(rec, 0);

  SnapshotEntry out;
  ASSERT_TRUE(decode_snapshot(rec, &out).is_ok());
  EXPECT_EQ(out.id, 7u);
  EXPECT_EQ(out.encoded_labels, ls.data());
  EXPECT_EQ(out.last_t, 1000);
  EXPECT_EQ(decode_snapshot(rec.substr(0, rec.size() - 1), &out).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace promlite::tsdb::agent
