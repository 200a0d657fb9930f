// DB admin operations: delete_series (tombstones over head and store),
// clean_tombstones, snapshot; each checked across restarts.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>

#include "tests/testutil/process.h"
#include "tests/tsdb/head_test_util.h"
#include "tsdb/db.h"

namespace promlite::tsdb {
namespace {

namespace fs = std::filesystem;
using testing::matcher;
using testing::read_all;
using testing::SeriesSamples;

constexpr int64_t kMin = -9223309901257974000LL;  // the API's defaults
constexpr int64_t kMax = 9223309901257974999LL;
constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int kSeries = 4;

struct Clock {
  std::atomic<int64_t> now{10 * kDay};
};

DbOptions options(const std::string& dir, Clock* clock) {
  DbOptions o;
  o.dir = dir;
  o.maintenance_interval = std::chrono::milliseconds(0);
  o.wal_segment_bytes = 64 << 10;
  o.now_ms = [clock] { return clock->now.load(); };
  return o;
}

std::unique_ptr<DB> open_db(const DbOptions& o) {
  auto db = DB::open(o);
  EXPECT_TRUE(db.is_ok()) << db.status().to_string();
  return db.is_ok() ? std::move(*db) : nullptr;
}

model::Labels labels_of(int i) {
  return model::Labels{
      {"__name__", "records_in"}, {"job", "flink"}, {"subtask", std::to_string(i)}};
}

using Data = std::map<model::Labels, std::vector<model::Sample>>;

// kSeries series x [from, to) every 15 s (integer and float values).
void write(DB& db, int64_t from, int64_t to, Data& data) {
  for (int64_t t = from; t < to; t += 15000) {
    auto app = db.appender();
    for (int i = 0; i < kSeries; ++i) {
      double v = i % 2 == 0 ? static_cast<double>(t / 1000) : std::sin(static_cast<double>(t)) + i;
      ASSERT_TRUE(app->append(0, labels_of(i), t, v).is_ok());
      data[labels_of(i)].push_back({t, v});
    }
    ASSERT_TRUE(app->commit().is_ok());
  }
}

std::vector<SeriesSamples> expected(const Data& data, int64_t mint = INT64_MIN,
                                    int64_t maxt = INT64_MAX) {
  std::vector<SeriesSamples> out;
  for (const auto& [l, samples] : data) {
    SeriesSamples s{l, {}};
    for (const auto& x : samples) {
      if (x.t >= mint && x.t <= maxt) s.samples.push_back(x);
    }
    if (!s.samples.empty()) out.push_back(std::move(s));
  }
  return out;
}

void apply_delete(Data& data, const model::Matchers& sel, int64_t mint, int64_t maxt) {
  for (auto& [l, samples] : data) {
    bool match = true;
    for (const auto& m : sel) match = match && m.matches(l.get(m.name()));
    if (!match) continue;
    std::erase_if(samples, [&](const model::Sample& s) { return s.t >= mint && s.t <= maxt; });
  }
}

model::Matchers job() { return {matcher(model::MatchType::kEqual, "job", "flink")}; }
model::Matchers subtask(const std::string& re) {
  return {matcher(model::MatchType::kEqual, "__name__", "records_in"),
          matcher(model::MatchType::kRegex, "subtask", re)};
}

std::vector<std::string> subtasks(DB& db, int64_t mint, int64_t maxt) {
  auto q = db.querier(mint, maxt);
  EXPECT_TRUE(q.is_ok());
  auto v = (*q)->label_values("subtask", job());
  EXPECT_TRUE(v.is_ok());
  // Without matchers the store answers from its postings alone.
  auto all = (*q)->label_values("subtask", {});
  EXPECT_TRUE(all.is_ok());
  if (!v.is_ok() || !all.is_ok()) return {};
  EXPECT_EQ(*v, *all);
  // A label only the deleted series carry goes with them.
  auto names = (*q)->label_names({});
  EXPECT_TRUE(names.is_ok());
  if (names.is_ok()) {
    bool has = std::find(names->begin(), names->end(), "subtask") != names->end();
    EXPECT_EQ(has, !v->empty());
  }
  return *v;
}

std::vector<std::string> expected_subtasks(const Data& data, int64_t mint, int64_t maxt) {
  std::vector<std::string> out;
  for (const auto& s : expected(data, mint, maxt)) out.emplace_back(s.labels.get("subtask"));
  std::sort(out.begin(), out.end());
  return out;
}

class DbDeleteTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testutil::make_temp_dir("promlite-db-delete"); }
  void TearDown() override {
    for (const auto& d : cleanup_) fs::remove_all(d);
    fs::remove_all(dir_);
  }
  void clean_while_a_querier_holds_chunks(int64_t cache_ms);
  // 3 h of data: the older chunks in the store, the newest in the head.
  std::unique_ptr<DB> open_with_data(Data& data) {
    auto db = open_db(options(dir_, &clock_));
    start_ = clock_.now - 3 * kHour;
    write(*db, start_, clock_.now.load(), data);
    EXPECT_TRUE(db->maintenance().is_ok());
    EXPECT_GT(db->stats().chunks_flushed, 0u);
    return db;
  }
  // Every read of `db` agrees with `data`. Label look-ups over a part of a
  // partition are checked only while tombstones exist: the store answers
  // them per partition (as Prometheus's blocks do), so once cleaned a series
  // with samples elsewhere in the partition is still named there.
  void check(DB& db, const Data& data, const std::string& what) {
    const bool exact_labels = db.tombstones() != nullptr;
    EXPECT_EQ(read_all(db, INT64_MIN, INT64_MAX, job()), expected(data)) << what;
    EXPECT_EQ(read_all(db, INT64_MIN, INT64_MAX, job(), false), expected(data)) << what;
    for (int64_t from = start_; from < clock_.now; from += 40 * kMinute) {
      int64_t to = from + 25 * kMinute;
      EXPECT_EQ(read_all(db, from, to, job()), expected(data, from, to)) << what << " @" << from;
      if (exact_labels) {
        EXPECT_EQ(subtasks(db, from, to), expected_subtasks(data, from, to))
            << what << " @" << from;
      }
    }
    EXPECT_EQ(subtasks(db, INT64_MIN, INT64_MAX), expected_subtasks(data, INT64_MIN, INT64_MAX))
        << what;
  }

  std::string dir_;
  std::vector<std::string> cleanup_;
  Clock clock_;
  int64_t start_ = 0;
};

struct Deletion {
  model::Matchers sel;
  int64_t mint_offset;  // from the start of the data (kMin / kMax kept as is)
  int64_t maxt_offset;
};

struct DeleteCase {
  const char* name;
  std::vector<Deletion> deletions;
  bool crash = false;  // also check crash copies (costly: kept to a few cases)
};

std::vector<DeleteCase> delete_cases() {
  return {
      {"middle", {{subtask("1"), 70 * kMinute, 130 * kMinute}}, true},
      {"prefix", {{subtask("1"), kMin, 47 * kMinute + 15000}}},
      {"suffix", {{subtask("2"), 170 * kMinute, kMax}}},
      {"whole series", {{subtask("1"), kMin, kMax}}},
      {"overlapping, and several series at once",
       {{subtask("1"), 60 * kMinute, 90 * kMinute},
        {subtask("1"), 75 * kMinute, 120 * kMinute},
        {subtask("1|3"), 100 * kMinute, 100 * kMinute + 30000},
        {subtask("0"), 0, 10 * kMinute},
        {job(), 20 * kMinute, 41 * kMinute},
        {subtask("3"), 150 * kMinute, 150 * kMinute}},  // one sample
       true},
  };
}

TEST_F(DbDeleteTest, DeletesSurviveRestartAndClean) {
  for (const DeleteCase& c : delete_cases()) {
    SCOPED_TRACE(c.name);
    fs::remove_all(dir_);
    Data data;
    auto db = open_with_data(data);
    for (const Deletion& d : c.deletions) {
      int64_t mint = d.mint_offset == kMin ? kMin : start_ + d.mint_offset;
      int64_t maxt = d.maxt_offset == kMax ? kMax : start_ + d.maxt_offset;
      ASSERT_TRUE(db->delete_series(mint, maxt, {d.sel}).is_ok());
      apply_delete(data, d.sel, mint, maxt);
    }
    ASSERT_NE(db->tombstones(), nullptr);
    check(*db, data, "after delete");

    // Crash (no final checkpoint or flush): the tombstones are on disk.
    std::string copy = testutil::make_temp_dir("promlite-db-delete-crash");
    cleanup_.push_back(copy);
    fs::remove_all(copy);
    if (c.crash) fs::copy(dir_, copy, fs::copy_options::recursive);
    if (c.crash) {
      auto crashed = open_db(options(copy, &clock_));
      ASSERT_NE(crashed, nullptr);
      check(*crashed, data, "after crash");
    }

    db.reset();
    db = open_db(options(dir_, &clock_));
    ASSERT_NE(db->tombstones(), nullptr);
    check(*db, data, "after restart");

    ASSERT_TRUE(db->clean_tombstones().is_ok());
    EXPECT_EQ(db->tombstones(), nullptr);
    check(*db, data, "after clean");
    ASSERT_TRUE(db->maintenance(true).is_ok());
    check(*db, data, "after clean and maintenance");

    // A crash right after the clean must not bring samples back from the WAL.
    fs::remove_all(copy);
    if (c.crash) fs::copy(dir_, copy, fs::copy_options::recursive);
    if (c.crash) {
      auto crashed = open_db(options(copy, &clock_));
      ASSERT_NE(crashed, nullptr);
      EXPECT_EQ(crashed->tombstones(), nullptr);
      check(*crashed, data, "crash after clean");
    }
    db.reset();
    db = open_db(options(dir_, &clock_));
    EXPECT_EQ(db->tombstones(), nullptr);
    check(*db, data, "restart after clean");
  }
}

TEST_F(DbDeleteTest, LaterAppendsStayVisible) {
  Data data;
  auto db = open_with_data(data);
  // The default end (far future) is clamped to each series' newest sample.
  ASSERT_TRUE(db->delete_series(kMin, kMax, {subtask("1")}).is_ok());
  apply_delete(data, subtask("1"), kMin, kMax);
  EXPECT_EQ(subtasks(*db, INT64_MIN, INT64_MAX), (std::vector<std::string>{"0", "2", "3"}));
  clock_.now += kHour;
  write(*db, clock_.now - kHour, clock_.now.load(), data);
  check(*db, data, "after appends");
  EXPECT_EQ(subtasks(*db, INT64_MIN, INT64_MAX), (std::vector<std::string>{"0", "1", "2", "3"}));
  db.reset();
  db = open_db(options(dir_, &clock_));
  check(*db, data, "after restart");
  ASSERT_TRUE(db->clean_tombstones().is_ok());
  check(*db, data, "after clean");
}

TEST_F(DbDeleteTest, NothingMatchedLeavesNoTombstone) {
  Data data;
  auto db = open_with_data(data);
  ASSERT_TRUE(db->delete_series(kMin, kMax, {subtask("9")}).is_ok());
  ASSERT_TRUE(db->delete_series(start_ - kDay, start_ - 1, {job()}).is_ok());  // before the data
  ASSERT_TRUE(db->delete_series(start_ + kHour, start_, {job()}).is_ok());     // empty range
  EXPECT_EQ(db->tombstones(), nullptr);
  check(*db, data, "unchanged");
  EXPECT_TRUE(db->clean_tombstones().is_ok());
}

// Cleans tombstones while a querier holds chunks the maintenance round
// scheduled to leave the head; with `cache_ms` > 0 the newest written chunks
// stay cached in the head instead (DbOptions::head_cache_ms).
void DbDeleteTest::clean_while_a_querier_holds_chunks(int64_t cache_ms) {
  Data data;
  DbOptions o = options(dir_, &clock_);
  o.head_cache_ms = cache_ms;
  o.head_cache_bytes = cache_ms > 0 ? 64 << 20 : 0;
  auto db = open_db(o);
  start_ = clock_.now - 3 * kHour;
  write(*db, start_, clock_.now.load(), data);
  // Chunks flushed while a querier is open stay in the head as well.
  auto q = db->querier(INT64_MIN, INT64_MAX);
  ASSERT_TRUE(q.is_ok());
  ASSERT_TRUE(db->maintenance().is_ok());
  ASSERT_TRUE(db->delete_series(kMin, kMax, {subtask("0")}).is_ok());
  ASSERT_TRUE(
      db->delete_series(start_ + 10 * kMinute, start_ + 100 * kMinute, {subtask("2")}).is_ok());
  apply_delete(data, subtask("0"), kMin, kMax);
  apply_delete(data, subtask("2"), start_ + 10 * kMinute, start_ + 100 * kMinute);
  ASSERT_TRUE(db->clean_tombstones().is_ok());
  check(*db, data, "querier open");
  q->reset();
  ASSERT_TRUE(db->maintenance().is_ok());
  check(*db, data, "querier closed");
  size_t sealed = 0, cached = 0;
  const int64_t newest = clock_.now - 15000;
  db->head().for_each_series([&](const head::SeriesPtr& s) {
    std::lock_guard<head::SpinLock> lock(s->lock);
    for (size_t i = 0; i < s->sealed().size(); ++i) {
      ++sealed;
      if (i < s->flushed() && s->sealed()[i]->max_t > newest - cache_ms) ++cached;
    }
  });
  // Every written chunk outside the cache left memory, none twice.
  EXPECT_EQ(sealed, cached);
  if (cache_ms > 0) {
    EXPECT_GT(cached, 0u);
  }
  db.reset();
  db = open_db(options(dir_, &clock_));
  check(*db, data, "restart");
}

TEST_F(DbDeleteTest, CleanWhileAQuerierHoldsFlushedChunks) {
  clean_while_a_querier_holds_chunks(0);
}

TEST_F(DbDeleteTest, CleanWhileAQuerierHoldsFlushedChunksAndOthersAreCached) {
  clean_while_a_querier_holds_chunks(45 * kMinute);
}

TEST_F(DbDeleteTest, SnapshotOpensWithTheSameAnswers) {
  for (bool with_head : {true, false}) {
    SCOPED_TRACE(with_head ? "with head" : "skip head");
    fs::remove_all(dir_);
    Data data;
    auto db = open_with_data(data);
    ASSERT_TRUE(
        db->delete_series(start_ + 30 * kMinute, start_ + 50 * kMinute, {subtask("2")}).is_ok());
    apply_delete(data, subtask("2"), start_ + 30 * kMinute, start_ + 50 * kMinute);
    auto name = db->snapshot(with_head);
    ASSERT_TRUE(name.is_ok()) << name.status().to_string();
    // 20060102T150405Z-<16 hex digits>
    ASSERT_EQ(name->size(), 33u) << *name;
    EXPECT_EQ((*name)[8], 'T');
    EXPECT_EQ((*name)[15], 'Z');
    EXPECT_EQ((*name)[16], '-');
    EXPECT_EQ(name->find_first_not_of("0123456789abcdef", 17), std::string::npos) << *name;
    const fs::path snap = fs::path(dir_) / "snapshots" / *name;
    ASSERT_TRUE(fs::is_directory(snap));
    // Writes after the snapshot are not in it.
    Data later = data;
    write(*db, clock_.now.load(), clock_.now + 5 * kMinute, later);

    std::string copy = testutil::make_temp_dir("promlite-db-snapshot");
    cleanup_.push_back(copy);
    fs::remove_all(copy);
    fs::copy(snap, copy, fs::copy_options::recursive);
    auto restored = open_db(options(copy, &clock_));
    ASSERT_NE(restored, nullptr);
    if (with_head) {
      check(*restored, data, "snapshot");
    } else {
      // Only what the store held: everything older than the head's chunks.
      auto all = read_all(*restored, INT64_MIN, INT64_MAX, job());
      ASSERT_EQ(all.size(), static_cast<size_t>(kSeries));
      for (const auto& s : all) {
        ASSERT_FALSE(s.samples.empty());
        auto want = expected(data, INT64_MIN, s.samples.back().t);
        auto it = std::find_if(want.begin(), want.end(),
                               [&](const SeriesSamples& w) { return w.labels == s.labels; });
        ASSERT_NE(it, want.end());
        EXPECT_EQ(s, *it);
        EXPECT_LT(s.samples.back().t, clock_.now - 10 * kMinute);
      }
    }
    restored.reset();
    // Snapshots are not part of the data: the live DB still answers as before.
    check(*db, later, "live");
  }
}

}  // namespace
}  // namespace promlite::tsdb
