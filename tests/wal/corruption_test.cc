// Torn, corrupt and zero-filled segment tails: the Reader stops exactly at the
// bad frame, repair() cuts there, and the good prefix then reads cleanly.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/testutil/process.h"
#include "tsdb/wal/reader.h"
#include "tsdb/wal/segment.h"
#include "tsdb/wal/writer.h"

namespace promlite::tsdb::wal {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

struct ReadResult {
  std::vector<std::string> records;
  Status status;
  uint64_t segment = 0;
  uint64_t offset = 0;
};

ReadResult drain(Reader& r) {
  ReadResult out;
  while (r.next()) out.records.emplace_back(r.record());
  out.status = r.status();
  out.segment = r.segment();
  out.offset = r.offset();
  return out;
}

ReadResult read_dir(const std::string& dir) {
  auto r = Reader::open(dir, 0);
  EXPECT_TRUE(r.is_ok());
  return r ? drain(**r) : ReadResult{};
}

ReadResult read_memory(const std::string& segment) {
  return drain(*Reader::from_memory({segment}));
}

const std::vector<std::string> kRecords = {"alpha", std::string(300, 'b'), "gamma-record"};

std::string frames(const std::vector<std::string>& recs) {
  std::string out;
  for (const auto& r : recs) append_frame(r, out);
  return out;
}

class CorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testutil::make_temp_dir("wal-corrupt");
    dir_ = root_ + "/wal";
    auto w = Writer::open(dir_, {}, 3);
    ASSERT_TRUE(w.is_ok());
    for (const auto& r : kRecords) ASSERT_TRUE((*w)->log(r).is_ok());
    path_ = segment_path(dir_, 3);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string root_, dir_, path_;
};

TEST_F(CorruptionTest, SegmentBytesAreTheDocumentedFraming) {
  EXPECT_EQ(read_file(path_), frames(kRecords));
}

// Cut the file at every byte inside the last frame: the reader returns the
// first records, then reports corruption at exactly the last frame's start.
TEST_F(CorruptionTest, TornTailAtEveryOffset) {
  const std::string full = read_file(path_);
  const uint64_t last_start = full.size() - kFrameHeaderBytes - kRecords.back().size();
  const std::vector<std::string> prefix(kRecords.begin(), kRecords.end() - 1);
  for (uint64_t cut = last_start + 1; cut < full.size(); ++cut) {
    SCOPED_TRACE(cut);
    write_file(path_, full.substr(0, cut));
    auto got = read_dir(dir_);
    EXPECT_EQ(got.records, prefix);
    EXPECT_EQ(got.status.code(), StatusCode::kCorruption);
    EXPECT_EQ(got.segment, 3u);
    EXPECT_EQ(got.offset, last_start);
    EXPECT_EQ(
        got.status.message().rfind("segment 3 offset " + std::to_string(last_start) + ": ", 0), 0u)
        << got.status.message();
    ASSERT_TRUE(repair(dir_, got.segment, got.offset).is_ok());
    EXPECT_EQ(std::filesystem::file_size(path_), last_start);
    auto again = read_dir(dir_);
    EXPECT_TRUE(again.status.is_ok());
    EXPECT_EQ(again.records, prefix);
  }
}

// Every single-bit flip anywhere in the segment is detected: the reader never
// returns a wrong record, only a prefix of the right ones and an error.
TEST_F(CorruptionTest, EveryBitFlipIsDetected) {
  const std::string full = read_file(path_);
  for (size_t bit = 0; bit < full.size() * 8; ++bit) {
    std::string bad = full;
    bad[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    auto got = read_memory(bad);
    ASSERT_EQ(got.status.code(), StatusCode::kCorruption) << bit;
    ASSERT_LT(got.records.size(), kRecords.size()) << bit;
    for (size_t i = 0; i < got.records.size(); ++i) ASSERT_EQ(got.records[i], kRecords[i]) << bit;
  }
  // And through a file, once.
  std::string bad = full;
  bad[kFrameHeaderBytes + 2] ^= 0x10;  // inside the first payload
  write_file(path_, bad);
  auto got = read_dir(dir_);
  EXPECT_EQ(got.status.code(), StatusCode::kCorruption);
  EXPECT_NE(got.status.message().find("CRC mismatch"), std::string::npos);
  EXPECT_EQ(got.offset, 0u);
}

TEST_F(CorruptionTest, ZeroFilledTail) {
  const std::string full = read_file(path_);
  for (size_t zeros : {1u, 7u, 8u, 4096u}) {
    SCOPED_TRACE(zeros);
    write_file(path_, full + std::string(zeros, '\0'));
    auto got = read_dir(dir_);
    EXPECT_EQ(got.records, kRecords);
    EXPECT_EQ(got.status.code(), StatusCode::kCorruption);
    EXPECT_EQ(got.offset, full.size());
    if (zeros >= kFrameHeaderBytes) {
      EXPECT_NE(got.status.message().find("zero-filled"), std::string::npos);
    }
    ASSERT_TRUE(repair(dir_, got.segment, got.offset).is_ok());
    EXPECT_EQ(read_file(path_), full);
  }
}

TEST_F(CorruptionTest, OversizedLengthIsCorruptNotAnAllocation) {
  std::string bad = frames(kRecords);
  bad += std::string("\xff\xff\xff\xff\x00\x00\x00\x00", 8);
  auto got = read_memory(bad);
  EXPECT_EQ(got.records, kRecords);
  EXPECT_EQ(got.status.code(), StatusCode::kCorruption);
  EXPECT_NE(got.status.message().find("exceeds"), std::string::npos);
}

TEST_F(CorruptionTest, RepairDeletesLaterSegments) {
  {
    auto w = Writer::open(dir_);  // segment 4
    ASSERT_TRUE(w.is_ok());
    ASSERT_TRUE((*w)->log("in-4").is_ok());
    ASSERT_TRUE((*w)->rotate().is_ok());  // segment 5
    ASSERT_TRUE((*w)->log("in-5").is_ok());
  }
  // Damage the middle record of segment 3.
  std::string bad = read_file(path_);
  bad[kFrameHeaderBytes + kRecords[0].size() + kFrameHeaderBytes + 10] ^= 1;
  write_file(path_, bad);
  auto got = read_dir(dir_);
  EXPECT_EQ(got.records, std::vector<std::string>{kRecords[0]});
  EXPECT_EQ(got.segment, 3u);
  EXPECT_EQ(got.offset, kFrameHeaderBytes + kRecords[0].size());
  ASSERT_TRUE(repair(dir_, got.segment, got.offset).is_ok());
  auto range = segment_range(dir_);
  ASSERT_TRUE(range.is_ok());
  EXPECT_EQ(*range, (std::pair<uint64_t, uint64_t>(3, 3)));
  auto again = read_dir(dir_);
  EXPECT_TRUE(again.status.is_ok());
  EXPECT_EQ(again.records, std::vector<std::string>{kRecords[0]});
  // A new writer continues after the repaired segment.
  auto w = Writer::open(dir_);
  ASSERT_TRUE(w.is_ok());
  EXPECT_EQ((*w)->current_segment(), 4u);
}

TEST_F(CorruptionTest, RepairPastTheEndIsRejected) {
  uint64_t size = std::filesystem::file_size(path_);
  EXPECT_EQ(repair(dir_, 3, size + 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(std::filesystem::file_size(path_), size);
}

TEST(WalMemoryReader, SeveralSegments) {
  std::string a = frames({"1", "2"}), b, c = frames({"3"});
  auto got = drain(*Reader::from_memory({a, b, c}, 10));
  EXPECT_TRUE(got.status.is_ok());
  EXPECT_EQ(got.records, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(got.segment, 12u);
}

}  // namespace
}  // namespace promlite::tsdb::wal
