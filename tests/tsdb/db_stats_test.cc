// DB as the API's StatsProvider and AdminProvider: status/tsdb from the head,
// the WAL replay range of the last open, and the admin operations' answers.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testutil/process.h"
#include "tsdb/checkpoint.h"
#include "tsdb/db.h"
#include "tsdb/wal/segment.h"

namespace promlite::tsdb {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kNow = 10LL * 24 * 3600 * 1000;

DbOptions options(const std::string& dir) {
  DbOptions o;
  o.dir = dir;
  o.maintenance_interval = std::chrono::milliseconds(0);
  o.wal_segment_bytes = 4 << 10;  // several segments from a little data
  o.now_ms = [] { return kNow; };
  return o;
}

std::unique_ptr<DB> open_db(const std::string& dir) {
  auto db = DB::open(options(dir));
  EXPECT_TRUE(db.is_ok()) << db.status().to_string();
  return db.is_ok() ? std::move(*db) : nullptr;
}

// `n` series of two metrics, `points` samples each, one commit per timestamp.
void write(DB& db, int n, int points, int64_t start) {
  for (int p = 0; p < points; ++p) {
    auto app = db.appender();
    for (int i = 0; i < n; ++i) {
      model::Labels l{{"__name__", i % 4 == 0 ? "fluss_log_size" : "flink_records_in"},
                      {"job", "flink"},
                      {"subtask_index", std::to_string(i)}};
      ASSERT_TRUE(app->append(0, l, start + p * 15000, p).is_ok());
    }
    ASSERT_TRUE(app->commit().is_ok());
  }
}

// A copy of a live directory, as a kill -9 leaves it (no final checkpoint).
std::string crash_copy(const std::string& dir) {
  std::string copy = testutil::make_temp_dir("promlite-dbstats-crash");
  fs::remove_all(copy);
  fs::copy(dir, copy, fs::copy_options::recursive);
  return copy;
}

class DbStatsTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testutil::make_temp_dir("promlite-dbstats"); }
  void TearDown() override {
    for (const auto& d : cleanup_) fs::remove_all(d);
    fs::remove_all(dir_);
  }
  std::string dir_;
  std::vector<std::string> cleanup_;
};

TEST_F(DbStatsTest, TsdbStatusIsTheHeads) {
  auto db = open_db(dir_);
  ASSERT_TRUE(db);
  const StatsProvider& stats = *db;
  write(*db, 8, 3, kNow - 60000);
  auto st = stats.tsdb_status(1);
  ASSERT_TRUE(st.is_ok());
  EXPECT_EQ(st->head.num_series, 8u);
  EXPECT_EQ(st->head.min_time, kNow - 60000);
  EXPECT_EQ(st->head.max_time, kNow - 60000 + 2 * 15000);
  ASSERT_EQ(st->series_count_by_metric_name.size(), 1u);  // the limit
  EXPECT_EQ(st->series_count_by_metric_name[0], (CardinalityStat{"flink_records_in", 6}));
  auto all = stats.tsdb_status(10);
  ASSERT_TRUE(all.is_ok());
  EXPECT_EQ(all->series_count_by_metric_name,
            (std::vector<CardinalityStat>{{"flink_records_in", 6}, {"fluss_log_size", 2}}));
}

TEST_F(DbStatsTest, FreshDirectoryReplaysNothing) {
  auto db = open_db(dir_);
  ASSERT_TRUE(db);
  WalReplayStatus st = db->wal_replay_status();
  EXPECT_EQ(st.min, 0);
  EXPECT_EQ(st.max, 0);
  EXPECT_EQ(st.current, 0);
}

TEST_F(DbStatsTest, ReplayStatusNamesTheSegmentsReplayed) {
  auto db = open_db(dir_);
  ASSERT_TRUE(db);
  write(*db, 40, 60, kNow - 3600 * 1000);
  std::string copy = crash_copy(dir_);
  cleanup_.push_back(copy);
  auto segments = wal::list_segments(copy + "/wal");
  ASSERT_TRUE(segments.is_ok());
  ASSERT_GE(segments->size(), 3u);  // the test needs a range, not one segment
  auto reopened = open_db(copy);
  ASSERT_TRUE(reopened);
  WalReplayStatus st = reopened->wal_replay_status();
  EXPECT_EQ(st.min, static_cast<int64_t>(segments->front()));
  EXPECT_EQ(st.max, static_cast<int64_t>(segments->back()));
  EXPECT_EQ(st.current, st.max);  // open() returns once replay is done
}

TEST_F(DbStatsTest, ReplayAfterCheckpointStartsAtItsSegment) {
  {
    auto db = open_db(dir_);
    ASSERT_TRUE(db);
    write(*db, 40, 60, kNow - 3600 * 1000);
    ASSERT_TRUE(db->checkpoint().is_ok());
    write(*db, 40, 20, kNow - 60 * 1000);
    std::string copy = crash_copy(dir_);
    cleanup_.push_back(copy);
    auto cp = latest_checkpoint(copy);
    ASSERT_TRUE(cp.is_ok());
    auto segments = wal::list_segments(copy + "/wal");
    ASSERT_TRUE(segments.is_ok());
    auto reopened = open_db(copy);
    ASSERT_TRUE(reopened);
    WalReplayStatus st = reopened->wal_replay_status();
    EXPECT_EQ(st.min, static_cast<int64_t>(cp->segment));  // older segments: in the checkpoint
    EXPECT_EQ(st.max, static_cast<int64_t>(segments->back()));
    EXPECT_GT(st.max, st.min);
    EXPECT_EQ(st.current, st.max);
  }
}

TEST_F(DbStatsTest, AdminOperations) {
  auto db = open_db(dir_);
  ASSERT_TRUE(db);
  write(*db, 4, 2, kNow - 60000);
  AdminProvider& admin = *db;
  // Through the API's interface: the deletion hides the series (db_delete_test
  // covers the details), cleaning drops the tombstones, the snapshot is a
  // directory under <data>/snapshots named as Prometheus names them.
  auto m = model::Matcher::make(model::MatchType::kEqual, "job", "flink");
  ASSERT_TRUE(m.is_ok());
  ASSERT_TRUE(admin.delete_series(INT64_MIN, INT64_MAX, {{*m}}).is_ok());
  auto q = db->querier(INT64_MIN, INT64_MAX);
  ASSERT_TRUE(q.is_ok());
  EXPECT_FALSE((*q)->select(false, nullptr, {*m})->next());
  q->reset();
  EXPECT_NE(db->tombstones(), nullptr);
  EXPECT_TRUE(admin.clean_tombstones().is_ok());
  EXPECT_EQ(db->tombstones(), nullptr);
  auto snap = admin.snapshot(true);
  ASSERT_TRUE(snap.is_ok()) << snap.status().to_string();
  EXPECT_TRUE(fs::is_directory(fs::path(dir_) / "snapshots" / *snap / "store"));
}

}  // namespace
}  // namespace promlite::tsdb
