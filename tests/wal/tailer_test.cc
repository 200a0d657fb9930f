// Tailer: following a live WAL without mistaking the growing tail for damage.
#include "tsdb/wal/tailer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/testutil/process.h"
#include "tsdb/wal/segment.h"
#include "tsdb/wal/writer.h"

namespace promlite::tsdb::wal {
namespace {

using namespace std::chrono_literals;

void append_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::string frame(std::string_view rec) {
  std::string out;
  append_frame(rec, out);
  return out;
}

// Reads until caught up (or an error); returns what was read.
std::vector<std::string> drain(Tailer& t, Tailer::Next* last = nullptr) {
  std::vector<std::string> out;
  Tailer::Next n;
  while ((n = t.next()) == Tailer::Next::kRecord) out.emplace_back(t.record());
  if (last) *last = n;
  return out;
}

class TailerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testutil::make_temp_dir("wal-tail");
    dir_ = root_ + "/wal";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string root_, dir_;
};

TEST_F(TailerTest, WaitsForTheDirectoryAndSegments) {
  auto t = Tailer::open(dir_, 0);
  Tailer::Next last;
  EXPECT_TRUE(drain(*t, &last).empty());
  EXPECT_EQ(last, Tailer::Next::kCaughtUp);
  std::filesystem::create_directories(dir_);
  append_file(segment_path(dir_, 0), frame("a"));
  EXPECT_EQ(drain(*t, &last), std::vector<std::string>{"a"});
  EXPECT_EQ(last, Tailer::Next::kCaughtUp);
}

TEST_F(TailerTest, PartialFrameAtTheLiveTailIsNotAnError) {
  std::filesystem::create_directories(dir_);
  std::string seg0 = segment_path(dir_, 0);
  std::string f = frame("second-record");
  append_file(seg0, frame("first"));
  auto t = Tailer::open(dir_, 0);
  Tailer::Next last;
  EXPECT_EQ(drain(*t, &last), std::vector<std::string>{"first"});
  // Feed the next frame a few bytes at a time: header split, payload split.
  size_t written = 0;
  for (size_t at : {3u, 8u, 12u}) {
    append_file(seg0, f.substr(written, at - written));
    written = at;
    EXPECT_TRUE(drain(*t, &last).empty());
    EXPECT_EQ(last, Tailer::Next::kCaughtUp) << t->status().to_string();
  }
  append_file(seg0, f.substr(12));
  EXPECT_EQ(drain(*t, &last), std::vector<std::string>{"second-record"});
  EXPECT_EQ(last, Tailer::Next::kCaughtUp);
  // The next segment appears: the tailer finishes this one and moves on.
  append_file(seg0, frame("last-in-0"));
  append_file(segment_path(dir_, 1), frame("in-1"));
  EXPECT_EQ(drain(*t, &last), (std::vector<std::string>{"last-in-0", "in-1"}));
  EXPECT_EQ(last, Tailer::Next::kCaughtUp);
  EXPECT_EQ(t->segment(), 1u);
}

TEST_F(TailerTest, TornFrameInAFinishedSegmentIsCorruption) {
  std::filesystem::create_directories(dir_);
  std::string f = frame("record");
  append_file(segment_path(dir_, 0), frame("ok") + f.substr(0, 5));
  auto t = Tailer::open(dir_, 0);
  Tailer::Next last;
  EXPECT_EQ(drain(*t, &last), std::vector<std::string>{"ok"});
  EXPECT_EQ(last, Tailer::Next::kCaughtUp);
  append_file(segment_path(dir_, 1), frame("next"));
  EXPECT_TRUE(drain(*t, &last).empty());
  EXPECT_EQ(last, Tailer::Next::kError);
  EXPECT_EQ(t->status().code(), StatusCode::kCorruption);
  EXPECT_EQ(t->segment(), 0u);
  EXPECT_EQ(t->offset(), frame("ok").size());
}

TEST_F(TailerTest, CorruptFrameIsAnError) {
  std::filesystem::create_directories(dir_);
  std::string f = frame("payload");
  f.back() ^= 1;
  append_file(segment_path(dir_, 0), f);
  auto t = Tailer::open(dir_, 0);
  EXPECT_EQ(t->next(), Tailer::Next::kError);
  EXPECT_EQ(t->status().code(), StatusCode::kCorruption);
  EXPECT_NE(t->status().message().find("CRC"), std::string::npos);
}

TEST_F(TailerTest, SkipsDeletedSegments) {
  std::filesystem::create_directories(dir_);
  append_file(segment_path(dir_, 4), frame("four"));
  append_file(segment_path(dir_, 5), frame("five"));
  auto t = Tailer::open(dir_, 1);
  Tailer::Next last;
  EXPECT_EQ(drain(*t, &last), (std::vector<std::string>{"four", "five"}));
  EXPECT_EQ(t->skipped_segments(), 3u);
}

TEST_F(TailerTest, FollowsAWriterAcrossRotations) {
  WriterOptions opts;
  opts.segment_bytes = 2000;
  auto w = Writer::open(dir_, opts);
  ASSERT_TRUE(w.is_ok());
  constexpr int kRecords = 2000;
  std::thread writer([&] {
    for (int i = 0; i < kRecords; ++i) {
      ASSERT_TRUE((*w)->log("record-" + std::to_string(i)).is_ok());
      if (i % 200 == 0) std::this_thread::sleep_for(1ms);
    }
  });
  auto t = Tailer::open(dir_, 0);
  std::vector<std::string> got;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (got.size() < kRecords && std::chrono::steady_clock::now() < deadline) {
    Tailer::Next last;
    auto more = drain(*t, &last);
    ASSERT_NE(last, Tailer::Next::kError) << t->status().to_string();
    got.insert(got.end(), more.begin(), more.end());
    if (more.empty()) std::this_thread::sleep_for(100us);
  }
  writer.join();
  ASSERT_EQ(got.size(), size_t{kRecords});
  for (int i = 0; i < kRecords; ++i) ASSERT_EQ(got[i], "record-" + std::to_string(i));
  EXPECT_GT(t->segment(), 5u);
}

}  // namespace
}  // namespace promlite::tsdb::wal
