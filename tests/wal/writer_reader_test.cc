// Writer -> Reader round trips, rotation, concurrency, sync modes, reopening,
// segment removal and write-error rollback.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/testutil/process.h"
#include "tsdb/wal/reader.h"
#include "tsdb/wal/segment.h"
#include "tsdb/wal/writer.h"

namespace promlite::tsdb::wal {
namespace {

using namespace std::chrono_literals;

struct ReadResult {
  std::vector<std::string> records;
  Status status;
  uint64_t segment = 0;
  uint64_t offset = 0;
};

ReadResult read_all(const std::string& dir, uint64_t first = 0) {
  ReadResult out;
  auto r = Reader::open(dir, first);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  if (!r) return out;
  while ((*r)->next()) out.records.emplace_back((*r)->record());
  out.status = (*r)->status();
  out.segment = (*r)->segment();
  out.offset = (*r)->offset();
  return out;
}

uint64_t file_size(const std::string& path) { return std::filesystem::file_size(path); }

std::string record(int i) {
  // Records of varied sizes whose content identifies them.
  return "rec-" + std::to_string(i) + std::string(static_cast<size_t>(i % 97), 'a' + i % 26);
}

class WalTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testutil::make_temp_dir("wal-test") + "/wal"; }
  void TearDown() override {
    std::filesystem::remove_all(std::filesystem::path(dir_).parent_path());
  }

  std::unique_ptr<Writer> open_writer(WriterOptions opts = {}, uint64_t first = 0) {
    auto w = Writer::open(dir_, opts, first);
    EXPECT_TRUE(w.is_ok()) << w.status().to_string();
    return w ? std::move(*w) : nullptr;
  }

  std::string dir_;
};

TEST_F(WalTest, WriteThenRead) {
  std::vector<std::string> want;
  {
    auto w = open_writer();
    for (int i = 0; i < 300; ++i) {
      want.push_back(record(i));
      ASSERT_TRUE(w->log(want.back()).is_ok());
    }
    // A batch goes in whole, in order.
    std::vector<std::string_view> batch = {"batch-a", "batch-b", "batch-c"};
    ASSERT_TRUE(w->log(batch).is_ok());
    want.insert(want.end(), batch.begin(), batch.end());
    EXPECT_EQ(w->stats().records, want.size());
  }
  auto got = read_all(dir_);
  EXPECT_TRUE(got.status.is_ok()) << got.status.to_string();
  EXPECT_EQ(got.records, want);
}

TEST_F(WalTest, EmptyOrMissingDirectory) {
  auto got = read_all(dir_);  // does not exist
  EXPECT_TRUE(got.status.is_ok());
  EXPECT_TRUE(got.records.empty());
  EXPECT_EQ(segment_range(dir_).status().code(), StatusCode::kNotFound);
}

TEST_F(WalTest, RejectsEmptyRecords) {
  auto w = open_writer();
  EXPECT_EQ(w->log("").code(), StatusCode::kInvalidArgument);
  std::vector<std::string_view> batch = {"ok", ""};
  EXPECT_EQ(w->log(batch).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w->stats().bytes_written, 0u);
}

TEST_F(WalTest, RotatesAcrossSegments) {
  WriterOptions opts;
  opts.segment_bytes = 1000;
  std::vector<std::string> want;
  {
    auto w = open_writer(opts);
    for (int i = 0; i < 400; ++i) {
      want.push_back(record(i));
      ASSERT_TRUE(w->log(want.back()).is_ok());
    }
    std::string big(5000, 'B');  // larger than a segment: gets one to itself
    want.push_back(big);
    ASSERT_TRUE(w->log(big).is_ok());
    want.push_back("after-big");
    ASSERT_TRUE(w->log(want.back()).is_ok());
    EXPECT_EQ(w->stats().segments, w->current_segment() + 1);
  }
  auto range = segment_range(dir_);
  ASSERT_TRUE(range.is_ok());
  EXPECT_EQ(range->first, 0u);
  EXPECT_GT(range->second, 20u);
  for (uint64_t s = range->first; s <= range->second; ++s) {
    uint64_t size = file_size(segment_path(dir_, s));
    EXPECT_TRUE(size <= 1000 || size == 5000 + kFrameHeaderBytes) << s << ": " << size;
  }
  auto got = read_all(dir_);
  EXPECT_TRUE(got.status.is_ok()) << got.status.to_string();
  EXPECT_EQ(got.records, want);
  // Reading from a later segment starts there.
  auto tail = read_all(dir_, range->second);
  ASSERT_FALSE(tail.records.empty());
  EXPECT_EQ(tail.records.back(), "after-big");
}

TEST_F(WalTest, LargeRecordsThroughTheReadBuffer) {
  std::vector<std::string> want;
  {
    auto w = open_writer();
    for (size_t n : {1u << 20, 100u, 3u << 20, 7u}) {
      want.emplace_back(n, static_cast<char>('a' + want.size()));
      ASSERT_TRUE(w->log(want.back()).is_ok());
    }
  }
  auto got = read_all(dir_);
  EXPECT_TRUE(got.status.is_ok());
  EXPECT_EQ(got.records, want);
}

TEST_F(WalTest, ConcurrentLogKeepsBatchesWhole) {
  constexpr int kThreads = 4, kBatches = 300, kPerBatch = 3;
  WriterOptions opts;
  opts.segment_bytes = 16 << 10;  // rotate while threads race
  {
    auto w = open_writer(opts);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int b = 0; b < kBatches; ++b) {
          std::vector<std::string> recs;
          for (int k = 0; k < kPerBatch; ++k) {
            recs.push_back(std::to_string(t) + "/" + std::to_string(b) + "/" + std::to_string(k));
          }
          std::vector<std::string_view> views(recs.begin(), recs.end());
          ASSERT_TRUE(w->log(views).is_ok());
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(w->stats().records, uint64_t{kThreads * kBatches * kPerBatch});
  }
  auto got = read_all(dir_);
  ASSERT_TRUE(got.status.is_ok()) << got.status.to_string();
  ASSERT_EQ(got.records.size(), size_t{kThreads * kBatches * kPerBatch});
  std::vector<int> next_batch(kThreads, 0);
  for (size_t i = 0; i < got.records.size(); i += kPerBatch) {
    int t = std::stoi(got.records[i]);
    ASSERT_GE(t, 0);
    ASSERT_LT(t, kThreads);
    int b = next_batch[t]++;
    for (int k = 0; k < kPerBatch; ++k) {
      EXPECT_EQ(got.records[i + k],
                std::to_string(t) + "/" + std::to_string(b) + "/" + std::to_string(k));
    }
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next_batch[t], kBatches);
}

TEST_F(WalTest, SyncIntervalZeroSyncsEveryLog) {
  WriterOptions opts;
  opts.sync_interval = 0ms;
  auto w = open_writer(opts);
  uint64_t before = w->stats().fsyncs;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(w->log(record(i)).is_ok());
  auto st = w->stats();
  EXPECT_EQ(st.fsyncs - before, 5u);
  EXPECT_EQ(st.unsynced_bytes, 0u);
  EXPECT_EQ(st.fsync_errors, 0u);
  // A rotation with sync-every-log: the new file's directory entry is synced too.
  ASSERT_TRUE(w->rotate().is_ok());
  ASSERT_TRUE(w->log("x").is_ok());
  EXPECT_EQ(w->stats().unsynced_bytes, 0u);
}

TEST_F(WalTest, BackgroundSync) {
  WriterOptions opts;
  opts.sync_interval = 10ms;
  auto w = open_writer(opts);
  ASSERT_TRUE(w->log("hello").is_ok());
  uint64_t fsyncs = w->stats().fsyncs;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (w->stats().unsynced_bytes != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(2ms);
  }
  auto st = w->stats();
  EXPECT_EQ(st.unsynced_bytes, 0u);
  EXPECT_GT(st.fsyncs, fsyncs);
  EXPECT_GT(st.fsync_seconds, 0.0);
}

TEST_F(WalTest, ExplicitSyncAndStats) {
  WriterOptions opts;
  opts.sync_interval = 1h;  // nothing syncs behind the test's back
  auto w = open_writer(opts);
  ASSERT_TRUE(w->log("abc").is_ok());
  EXPECT_EQ(w->stats().unsynced_bytes, 3 + kFrameHeaderBytes);
  ASSERT_TRUE(w->sync().is_ok());
  auto st = w->stats();
  EXPECT_EQ(st.unsynced_bytes, 0u);
  EXPECT_EQ(st.bytes_written, 3 + kFrameHeaderBytes);
  EXPECT_EQ(st.disk_bytes, 3 + kFrameHeaderBytes);
  EXPECT_EQ(st.batches, 1u);
  EXPECT_EQ(st.segments, 1u);
}

TEST_F(WalTest, ReopenStartsANewSegmentAndKeepsTheOld) {
  {
    auto w = open_writer({}, 7);
    EXPECT_EQ(w->current_segment(), 7u);
    ASSERT_TRUE(w->log("first").is_ok());
  }
  uint64_t old_size = file_size(segment_path(dir_, 7));
  {
    auto w = open_writer({}, 0);  // first_segment only applies to an empty dir
    EXPECT_EQ(w->current_segment(), 8u);
    EXPECT_EQ(w->stats().disk_bytes, old_size);
    EXPECT_EQ(w->stats().segments, 2u);
    ASSERT_TRUE(w->log("second").is_ok());
  }
  EXPECT_EQ(file_size(segment_path(dir_, 7)), old_size);
  auto got = read_all(dir_);
  EXPECT_TRUE(got.status.is_ok());
  EXPECT_EQ(got.records, (std::vector<std::string>{"first", "second"}));
  auto range = segment_range(dir_);
  ASSERT_TRUE(range.is_ok());
  EXPECT_EQ(*range, (std::pair<uint64_t, uint64_t>(7, 8)));
}

TEST_F(WalTest, RotateAndRemoveSegmentsBefore) {
  auto w = open_writer();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(w->log(record(i)).is_ok());
    auto next = w->rotate();
    ASSERT_TRUE(next.is_ok());
    EXPECT_EQ(*next, uint64_t(i + 1));
  }
  EXPECT_EQ(w->current_segment(), 5u);
  EXPECT_EQ(w->remove_segments_before(6).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(w->remove_segments_before(3).is_ok());
  auto range = segment_range(dir_);
  ASSERT_TRUE(range.is_ok());
  EXPECT_EQ(*range, (std::pair<uint64_t, uint64_t>(3, 5)));
  auto st = w->stats();
  EXPECT_EQ(st.segments, 3u);
  EXPECT_EQ(st.disk_bytes, file_size(segment_path(dir_, 3)) + file_size(segment_path(dir_, 4)));
  auto got = read_all(dir_, 0);  // starts at the oldest remaining segment
  EXPECT_TRUE(got.status.is_ok());
  EXPECT_EQ(got.records, (std::vector<std::string>{record(3), record(4)}));
  ASSERT_TRUE(w->remove_segments_before(5).is_ok());
  EXPECT_EQ(segment_range(dir_)->first, 5u);
}

TEST_F(WalTest, MissingSegmentInTheMiddleIsCorruption) {
  {
    auto w = open_writer();
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(w->log(record(i)).is_ok());
      ASSERT_TRUE(w->rotate().is_ok());
    }
  }
  std::filesystem::remove(segment_path(dir_, 1));
  auto got = read_all(dir_);
  EXPECT_EQ(got.status.code(), StatusCode::kCorruption);
  EXPECT_EQ(got.segment, 1u);
  EXPECT_EQ(got.offset, 0u);
  EXPECT_EQ(got.records, std::vector<std::string>{record(0)});
  ASSERT_TRUE(repair(dir_, got.segment, got.offset).is_ok());
  got = read_all(dir_);
  EXPECT_TRUE(got.status.is_ok());
  EXPECT_EQ(got.records, std::vector<std::string>{record(0)});
}

// RLIMIT_FSIZE makes write(2) fail part-way (EFBIG), like a full disk would:
// the batch must be cut back out and later writes must work.
TEST_F(WalTest, WriteErrorRollsBackTheBatch) {
  auto w = open_writer();
  ASSERT_TRUE(w->log("kept-1").is_ok());
  std::string path = segment_path(dir_, w->current_segment());
  uint64_t good = file_size(path);

  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit old_limit;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  rlimit limit = old_limit;
  limit.rlim_cur = good + 100;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  std::string big(1000, 'x');
  std::vector<std::string_view> batch = {"lost-1", big, "lost-2"};
  Status st = w->log(batch);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old_limit), 0);
  std::signal(SIGXFSZ, old_handler);

  EXPECT_EQ(st.code(), StatusCode::kIOError) << st.to_string();
  EXPECT_EQ(file_size(path), good);
  EXPECT_EQ(w->stats().write_errors, 1u);
  ASSERT_TRUE(w->log("kept-2").is_ok());
  w.reset();
  auto got = read_all(dir_);
  EXPECT_TRUE(got.status.is_ok()) << got.status.to_string();
  EXPECT_EQ(got.records, (std::vector<std::string>{"kept-1", "kept-2"}));
}

// A child process logs records and acknowledges each one through a pipe once
// log() returned; it is killed with SIGKILL mid-stream. Every acknowledged
// record must be in the WAL, in order; at most the tail after them is torn.
TEST_F(WalTest, KillNineLosesNothingAcknowledged) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    WriterOptions opts;
    opts.segment_bytes = 32 << 10;  // rotations race with the kill too
    auto w = Writer::open(dir_, opts);
    if (!w) ::_exit(2);
    for (uint32_t i = 0;; ++i) {
      if (!(*w)->log(record(static_cast<int>(i))).is_ok()) ::_exit(3);
      if (::write(fds[1], &i, sizeof i) != sizeof i) ::_exit(4);
    }
  }
  ::close(fds[1]);
  uint32_t acked = 0, n = 0;
  bool any = false;
  auto read_ack = [&] {
    uint32_t v;
    if (::read(fds[0], &v, sizeof v) != sizeof v) return false;
    acked = v;
    any = true;
    return true;
  };
  while (n < 3000 && read_ack()) ++n;
  ::kill(pid, SIGKILL);
  while (read_ack()) {
  }
  ::close(fds[0]);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited with " << WEXITSTATUS(wstatus);
  ASSERT_TRUE(any);

  auto got = read_all(dir_);
  ASSERT_GT(got.records.size(), size_t{acked});
  for (uint32_t i = 0; i <= acked; ++i) ASSERT_EQ(got.records[i], record(static_cast<int>(i)));
  if (!got.status.is_ok()) {
    EXPECT_EQ(got.status.code(), StatusCode::kCorruption);
    EXPECT_EQ(got.segment, segment_range(dir_)->second);
    ASSERT_TRUE(repair(dir_, got.segment, got.offset).is_ok());
    auto again = read_all(dir_);
    EXPECT_TRUE(again.status.is_ok());
    EXPECT_EQ(again.records, got.records);
  }
}

}  // namespace
}  // namespace promlite::tsdb::wal
