// DB: the head with its WAL, checkpoints and the partition store, reopened.
#include "tsdb/db.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>

#include "tests/testutil/process.h"
#include "tests/tsdb/head_test_util.h"
#include "tsdb/db_querier.h"
#include "tsdb/wal/segment.h"

namespace promlite::tsdb {
namespace {

namespace fs = std::filesystem;
using testing::matcher;
using testing::read_all;
using testing::SeriesSamples;

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDay = 24 * kHour;

struct Clock {
  std::atomic<int64_t> now{10 * kDay};
};

DbOptions options(const std::string& dir, Clock* clock) {
  DbOptions o;
  o.dir = dir;
  o.maintenance_interval = std::chrono::milliseconds(0);  // tests drive maintenance()
  o.wal_sync_interval = std::chrono::milliseconds(1000);
  o.wal_segment_bytes = 64 << 10;  // many segments
  o.now_ms = [clock] { return clock->now.load(); };
  return o;
}

std::unique_ptr<DB> open_db(const DbOptions& o) {
  auto db = DB::open(o);
  EXPECT_TRUE(db.is_ok()) << db.status().to_string();
  return db.is_ok() ? std::move(*db) : nullptr;
}

model::Labels series_labels(int i) {
  return model::Labels{{"__name__", "flink_taskmanager_job_task_operator_numRecordsIn"},
                       {"job", "flink"},
                       {"task_name", "Source: Kafka -> Map -> Filter " + std::to_string(i % 7)},
                       {"subtask", std::to_string(i)}};
}

// Writes `n` series x [from, to) samples every 15 s, one commit per timestamp,
// and records what was written in `expect`.
void write(DB& db, int n, int64_t from, int64_t to, std::map<std::string, SeriesSamples>& expect) {
  std::vector<SeriesRef> refs(static_cast<size_t>(n), 0);
  for (int64_t t = from; t < to; t += 15000) {
    auto app = db.appender();
    for (int i = 0; i < n; ++i) {
      double v = (i % 3 == 0) ? static_cast<double>(t / 1000 * (i + 1))
                              : std::sin(static_cast<double>(t) / 1e6 + i) * 100;
      auto ref = app->append(refs[static_cast<size_t>(i)], series_labels(i), t, v);
      ASSERT_TRUE(ref.is_ok()) << ref.status().to_string();
      refs[static_cast<size_t>(i)] = *ref;
      auto& e = expect[series_labels(i).to_string()];
      e.labels = series_labels(i);
      e.samples.push_back({t, v});
    }
    ASSERT_TRUE(app->commit().is_ok());
  }
}

std::vector<SeriesSamples> expected(const std::map<std::string, SeriesSamples>& m,
                                    int64_t mint = INT64_MIN, int64_t maxt = INT64_MAX) {
  std::vector<SeriesSamples> out;
  for (const auto& [k, s] : m) {
    SeriesSamples c{s.labels, {}};
    for (const auto& smp : s.samples) {
      if (smp.t >= mint && smp.t <= maxt) c.samples.push_back(smp);
    }
    if (!c.samples.empty()) out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(),
            [](const SeriesSamples& a, const SeriesSamples& b) { return a.labels < b.labels; });
  return out;
}

model::Matchers all_flink() { return {matcher(model::MatchType::kEqual, "job", "flink")}; }

// Copies a live data directory, as a kill -9 would leave it (minus the lock).
std::string crash_copy(const std::string& dir) {
  std::string copy = testutil::make_temp_dir("promlite-db-crash");
  fs::remove_all(copy);
  fs::copy(dir, copy, fs::copy_options::recursive);
  return copy;
}

// The newest WAL segment file of the data directory `dir` (empty if none).
fs::path last_wal_segment(const std::string& dir) {
  auto range = wal::segment_range(dir + "/wal");
  if (!range.is_ok()) return {};
  char name[16];
  std::snprintf(name, sizeof name, "%08llu", static_cast<unsigned long long>(range->second));
  return fs::path(dir) / "wal" / name;
}

// A different series with a sample at `t`: moves the head's time forward, so
// series silent since long before count as idle.
void keep_head_time_moving(DB& db, int64_t t) {
  auto app = db.appender();
  ASSERT_TRUE(app->append(0, model::Labels{{"__name__", "up"}, {"job", "x"}}, t, 1).is_ok());
  ASSERT_TRUE(app->commit().is_ok());
}

// Samples a select returns, read through reused iterators.
size_t count_samples(SeriesSet& set) {
  size_t n = 0;
  std::unique_ptr<SampleIterator> it;
  while (set.next()) {
    it = set.at().iterator(std::move(it));
    while (it->next()) ++n;
  }
  return n;
}

size_t count_samples(const std::vector<SeriesSamples>& want) {
  size_t n = 0;
  for (const auto& s : want) n += s.samples.size();
  return n;
}

// Sealed chunks in the head: all of them, and those written to the store.
std::pair<size_t, size_t> sealed_and_written(const DB& db) {
  size_t sealed = 0, written = 0;
  db.head().for_each_series([&](const head::SeriesPtr& s) {
    std::lock_guard<head::SpinLock> lock(s->lock);
    sealed += s->sealed().size();
    written += s->flushed();
  });
  return {sealed, written};
}

class DbTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testutil::make_temp_dir("promlite-db"); }
  void TearDown() override {
    for (const auto& d : cleanup_) fs::remove_all(d);
    fs::remove_all(dir_);
  }
  std::string dir_;
  std::vector<std::string> cleanup_;
  Clock clock_;
};

TEST_F(DbTest, CleanRestartKeepsEverything) {
  std::map<std::string, SeriesSamples> expect;
  const int64_t start = clock_.now - 3 * kHour;
  {
    auto db = open_db(options(dir_, &clock_));
    write(*db, 50, start, start + 3 * kHour, expect);  // crosses chunk boundaries
    ASSERT_TRUE(db->maintenance().is_ok());
    EXPECT_EQ(read_all(*db, INT64_MIN, INT64_MAX, all_flink()), expected(expect));
  }
  auto db = open_db(options(dir_, &clock_));
  EXPECT_EQ(read_all(*db, INT64_MIN, INT64_MAX, all_flink()), expected(expect));
  EXPECT_EQ(read_all(*db, start + kHour, start + 2 * kHour, all_flink()),
            expected(expect, start + kHour, start + 2 * kHour));
  // Appends go on after the restart, in order, with the same series.
  write(*db, 50, start + 3 * kHour, start + 3 * kHour + 60000, expect);
  EXPECT_EQ(read_all(*db, INT64_MIN, INT64_MAX, all_flink()), expected(expect));
  EXPECT_EQ(db->head().num_series(), 50u);
}

TEST_F(DbTest, CrashWithoutCheckpointReplaysTheWal) {
  std::map<std::string, SeriesSamples> expect;
  const int64_t start = clock_.now - kHour;
  auto db = open_db(options(dir_, &clock_));
  write(*db, 30, start, start + kHour, expect);
  std::string copy = crash_copy(dir_);
  cleanup_.push_back(copy);
  auto reopened = open_db(options(copy, &clock_));
  EXPECT_EQ(read_all(*reopened, INT64_MIN, INT64_MAX, all_flink()), expected(expect));
  EXPECT_GT(reopened->stats().replayed_samples, 0u);
}

TEST_F(DbTest, CrashAfterCheckpointUsesSnapshotPlusWal) {
  std::map<std::string, SeriesSamples> expect;
  const int64_t start = clock_.now - 2 * kHour;
  auto db = open_db(options(dir_, &clock_));
  write(*db, 30, start, start + kHour, expect);
  ASSERT_TRUE(db->maintenance(/*force_checkpoint=*/true).is_ok());
  EXPECT_EQ(db->stats().checkpoints, 1u);
  write(*db, 30, start + kHour, start + 2 * kHour, expect);
  std::string copy = crash_copy(dir_);
  cleanup_.push_back(copy);
  auto reopened = open_db(options(copy, &clock_));
  EXPECT_EQ(read_all(*reopened, INT64_MIN, INT64_MAX, all_flink()), expected(expect));
}

TEST_F(DbTest, TornWalTailIsCutAndTheRestKept) {
  std::map<std::string, SeriesSamples> expect;
  const int64_t start = clock_.now - kHour;
  auto db = open_db(options(dir_, &clock_));
  write(*db, 10, start, start + 30 * 60000, expect);
  std::string copy = crash_copy(dir_);
  cleanup_.push_back(copy);
  fs::path last = last_wal_segment(copy);
  ASSERT_FALSE(last.empty());
  auto size = fs::file_size(last);
  ASSERT_GT(size, 10u);
  fs::resize_file(last, size - 7);  // a torn final write
  auto reopened = open_db(options(copy, &clock_));
  EXPECT_EQ(reopened->stats().wal_corruptions, 1u);
  // Everything but the last commit (10 samples at the last timestamp).
  auto got = read_all(*reopened, INT64_MIN, INT64_MAX, all_flink());
  auto want = expected(expect, INT64_MIN, start + 30 * 60000 - 15001);
  EXPECT_EQ(got, want);
  // Appending continues after the repair.
  std::map<std::string, SeriesSamples> more;
  write(*reopened, 10, start + 30 * 60000, start + 31 * 60000, more);
}

TEST_F(DbTest, FlushedChunksLeaveMemoryButStayQueryable) {
  std::map<std::string, SeriesSamples> expect;
  const int64_t start = clock_.now - 4 * kHour;
  DbOptions o = options(dir_, &clock_);
  o.head_cache_bytes = 0;  // no cache of written chunks
  auto db = open_db(o);
  write(*db, 20, start, start + 4 * kHour, expect);
  auto sealed_in_head = [&db] { return sealed_and_written(*db).first; };
  size_t before = sealed_in_head();
  EXPECT_GT(before, 20u * 4);
  size_t bytes_before = db->head().memory_bytes();
  // A querier open across the flush keeps the chunks in memory until closed.
  auto q = db->querier(INT64_MIN, INT64_MAX);
  ASSERT_TRUE(q.is_ok());
  ASSERT_TRUE(db->maintenance().is_ok());
  EXPECT_GT(db->stats().chunks_flushed, 0u);
  auto set = (*q)->select(false, nullptr, all_flink());
  EXPECT_EQ(count_samples(*set), 20u * 4 * 240);
  set.reset();
  q->reset();
  EXPECT_EQ(sealed_in_head(), before);  // kept while the querier was open
  ASSERT_TRUE(db->maintenance().is_ok());
  EXPECT_EQ(sealed_in_head(), 0u);
  EXPECT_LT(db->head().memory_bytes(), bytes_before) << bytes_before;
  EXPECT_EQ(read_all(*db, INT64_MIN, INT64_MAX, all_flink()), expected(expect));
  EXPECT_EQ(read_all(*db, start + 90 * 60000, start + 150 * 60000, all_flink()),
            expected(expect, start + 90 * 60000, start + 150 * 60000));
  // Label look-ups see both sides.
  auto names = (*db->querier(INT64_MIN, INT64_MAX))->label_values("subtask", {});
  ASSERT_TRUE(names.is_ok());
  EXPECT_EQ(names->size(), 20u);
}

// Store selects leave out the series the head holds from the querier's mint
// on (HeadHolds); every window must still read every sample, including for a
// querier opened before chunks were flushed and dropped.
TEST_F(DbTest, WindowsAcrossTheHeadAndStoreBoundaryReadEverything) {
  std::map<std::string, SeriesSamples> expect;
  const int64_t start = clock_.now - 4 * kHour;
  auto db = open_db(options(dir_, &clock_));
  write(*db, 20, start, start + 4 * kHour, expect);
  ASSERT_TRUE(db->maintenance().is_ok());  // sealed chunks to the store, then dropped
  ASSERT_TRUE(db->maintenance().is_ok());
  // Open chunks: from their min_t on, the head answers alone.
  int64_t open_from = INT64_MAX;
  db->head().for_each_series([&](const head::SeriesPtr& s) {
    std::lock_guard<head::SpinLock> lock(s->lock);
    open_from = std::min(open_from, s->kept_min_t());
  });
  ASSERT_LT(open_from, start + 4 * kHour);
  ASSERT_GT(open_from, start);
  const int64_t end = start + 4 * kHour;
  for (int64_t mint : {open_from - 2 * 15000, open_from - 1, open_from, open_from + 1,
                       open_from + 15000, end - 5 * 60000, start, INT64_MIN}) {
    EXPECT_EQ(read_all(*db, mint, INT64_MAX, all_flink()), expected(expect, mint)) << mint;
  }
  // More data: sealed chunks not yet flushed. Querier `a`, open across their
  // flush, keeps them in memory; querier `b`, opened after it, reads them from
  // its store snapshot and must not count on the head's copy, which goes
  // as soon as `a` closes.
  write(*db, 20, end, end + kHour, expect);
  auto a = db->querier(INT64_MIN, INT64_MAX);
  ASSERT_TRUE(a.is_ok());
  ASSERT_TRUE(db->maintenance().is_ok());
  const int64_t mint = end + 10 * 60000;
  auto b = db->querier(mint, INT64_MAX);
  ASSERT_TRUE(b.is_ok());
  auto set = (*b)->select(false, nullptr, all_flink());
  a->reset();
  ASSERT_TRUE(db->maintenance().is_ok());  // drops the flushed chunks
  EXPECT_EQ(count_samples(*set), count_samples(expected(expect, mint)));
}

// Written chunks whose newest sample is within head_cache_ms of the head's
// newest stay in memory; the head then answers alone for windows from there
// on. Older ones leave; so do these once the head's time moves past them.
TEST_F(DbTest, RecentWrittenChunksStayCachedInTheHead) {
  std::map<std::string, SeriesSamples> expect;
  const int64_t start = clock_.now - 4 * kHour;
  DbOptions o = options(dir_, &clock_);
  o.head_cache_ms = kHour + 10 * 60000;
  auto db = open_db(o);
  write(*db, 20, start, start + 4 * kHour, expect);
  const int64_t newest = start + 4 * kHour - 15000;
  ASSERT_TRUE(db->maintenance().is_ok());
  ASSERT_TRUE(db->maintenance().is_ok());
  auto [sealed, written] = sealed_and_written(*db);
  EXPECT_GT(written, 0u);
  EXPECT_EQ(sealed, written);  // 120-sample chunks: every sealed one is written
  int64_t cached_from = INT64_MAX;
  db->head().for_each_series([&](const head::SeriesPtr& s) {
    std::lock_guard<head::SpinLock> lock(s->lock);
    for (const auto& c : s->sealed()) EXPECT_GT(c->max_t, newest - o.head_cache_ms);
    cached_from = std::min(cached_from, s->kept_min_t());
  });
  // The oldest cached chunk ends within the hour and starts before it.
  EXPECT_LT(cached_from, newest - kHour);
  for (int64_t mint :
       {cached_from - 1, cached_from, cached_from + 1, newest - 5 * 60000, start, INT64_MIN}) {
    EXPECT_EQ(read_all(*db, mint, INT64_MAX, all_flink()), expected(expect, mint)) << mint;
  }
  // Series created since the start that lost no chunk: the head answers
  // alone for any window; once chunks left, only from kept_min_t() on.
  HeadHolds holds(&db->head());
  auto holding = [&](int64_t mint) {
    size_t n = 0;
    db->head().for_each_series(
        [&](const head::SeriesPtr& s) { n += holds.holds_from(s->id(), mint); });
    return n;
  };
  EXPECT_EQ(holding(cached_from), 20u);
  EXPECT_EQ(holding(INT64_MIN), 0u);  // the oldest chunks left
  // The head's time moves on: the cached chunks leave.
  clock_.now += 3 * kHour;
  keep_head_time_moving(*db, clock_.now);
  ASSERT_TRUE(db->maintenance().is_ok());
  EXPECT_EQ(sealed_and_written(*db).first, 0u);
  EXPECT_EQ(read_all(*db, INT64_MIN, INT64_MAX, all_flink()), expected(expect));
}

TEST_F(DbTest, NewSeriesWithAllTheirChunksAreHeldForAnyWindow) {
  std::map<std::string, SeriesSamples> expect;
  const int64_t start = clock_.now - 90 * 60000;
  auto db = open_db(options(dir_, &clock_));
  write(*db, 20, start, clock_.now, expect);
  ASSERT_TRUE(db->maintenance().is_ok());
  ASSERT_GT(sealed_and_written(*db).second, 0u);  // written and cached
  HeadHolds holds(&db->head());
  size_t n = 0;
  db->head().for_each_series(
      [&](const head::SeriesPtr& s) { n += holds.holds_from(s->id(), INT64_MIN); });
  EXPECT_EQ(n, 20u);
  EXPECT_EQ(read_all(*db, INT64_MIN, INT64_MAX, all_flink()), expected(expect));
  // Restored series: their ids may have samples only the store has.
  db.reset();
  db = open_db(options(dir_, &clock_));
  HeadHolds restored(&db->head());
  n = 0;
  db->head().for_each_series(
      [&](const head::SeriesPtr& s) { n += restored.holds_from(s->id(), INT64_MIN); });
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(read_all(*db, INT64_MIN, INT64_MAX, all_flink()), expected(expect));
}

// The cache keeps the newest chunks that fit in head_cache_bytes.
TEST_F(DbTest, CachedChunksStayWithinTheirByteBudget) {
  std::map<std::string, SeriesSamples> expect;
  const int64_t start = clock_.now - 4 * kHour;
  const int64_t newest = start + 4 * kHour - 15000;
  DbOptions o = options(dir_, &clock_);
  // Bytes the 2 h window holds, as the cache counts them: measured on a
  // scratch DB with the same data, then the budget is set below it.
  auto window_bytes = [&](DB& db) {
    size_t bytes = 0;
    db.head().for_each_series([&](const head::SeriesPtr& s) {
      std::lock_guard<head::SpinLock> lock(s->lock);
      for (size_t i = 0; i < s->flushed(); ++i) {
        const auto& c = s->sealed()[i];
        if (c->max_t > newest - o.head_cache_ms) {
          bytes += c->data.capacity() + sizeof(head::SealedChunk) + 16;
        }
      }
    });
    return bytes;
  };
  {
    std::string scratch = testutil::make_temp_dir("promlite-db-scratch");
    cleanup_.push_back(scratch);
    std::map<std::string, SeriesSamples> ignored;
    auto db = open_db(options(scratch, &clock_));
    write(*db, 50, start, start + 4 * kHour, ignored);
    ASSERT_TRUE(db->maintenance().is_ok());
    o.head_cache_bytes = window_bytes(*db) * 3 / 5;
  }
  auto db = open_db(o);
  write(*db, 50, start, start + 4 * kHour, expect);
  ASSERT_TRUE(db->maintenance().is_ok());  // measures, then keeps what fits
  size_t cached = 0, chunks = 0;
  int64_t oldest = INT64_MAX;
  db->head().for_each_series([&](const head::SeriesPtr& s) {
    std::lock_guard<head::SpinLock> lock(s->lock);
    for (size_t i = 0; i < s->flushed(); ++i) {
      oldest = std::min(oldest, s->sealed()[i]->max_t);
      ++chunks;
    }
  });
  cached = window_bytes(*db);
  EXPECT_GT(chunks, 0u);
  EXPECT_LE(cached, o.head_cache_bytes);
  EXPECT_GT(oldest, newest - o.head_cache_ms + kHour);  // the newest stayed, not the oldest
  EXPECT_EQ(read_all(*db, INT64_MIN, INT64_MAX, all_flink()), expected(expect));
}

// A querier that counted on cached chunks (the store select left their
// series out) reads them even when they are scheduled to leave meanwhile;
// they leave once it closes.
TEST_F(DbTest, QuerierOpenAcrossTheCachesEvictionReadsEverything) {
  std::map<std::string, SeriesSamples> expect;
  const int64_t start = clock_.now - 3 * kHour;
  DbOptions o = options(dir_, &clock_);
  auto db = open_db(o);
  write(*db, 20, start, start + 3 * kHour, expect);
  ASSERT_TRUE(db->maintenance().is_ok());
  const int64_t mint = start + 2 * kHour;  // inside the cached window
  auto q = db->querier(mint, INT64_MAX);
  ASSERT_TRUE(q.is_ok());
  auto set = (*q)->select(false, nullptr, all_flink());
  clock_.now += 4 * kHour;
  keep_head_time_moving(*db, clock_.now);
  ASSERT_TRUE(db->maintenance().is_ok());        // schedules every cached chunk to leave
  EXPECT_GT(sealed_and_written(*db).first, 0u);  // kept for `q`
  EXPECT_EQ(count_samples(*set), count_samples(expected(expect, mint)));
  set.reset();
  q->reset();
  ASSERT_TRUE(db->maintenance().is_ok());
  EXPECT_EQ(sealed_and_written(*db).first, 0u);
}

// A querier opened after chunks were scheduled to leave, but before they
// left (an older querier held them), must not count on them: once they go it
// reads them from the store.
TEST_F(DbTest, QuerierOpenedBetweenScheduleAndDropReadsTheStore) {
  std::map<std::string, SeriesSamples> expect;
  const int64_t start = clock_.now - 90 * 60000;  // all inside the cache window
  auto db = open_db(options(dir_, &clock_));
  write(*db, 20, start, clock_.now, expect);
  ASSERT_TRUE(db->maintenance().is_ok());  // written and cached
  auto older = db->querier(INT64_MIN, INT64_MAX);
  ASSERT_TRUE(older.is_ok());
  clock_.now += 4 * kHour;
  keep_head_time_moving(*db, clock_.now);
  ASSERT_TRUE(db->maintenance().is_ok());  // scheduled to leave; `older` holds them
  auto q = db->querier(INT64_MIN, INT64_MAX);
  ASSERT_TRUE(q.is_ok());
  auto set = (*q)->select(false, nullptr, all_flink());
  older->reset();
  ASSERT_TRUE(db->maintenance().is_ok());  // they leave
  EXPECT_EQ(sealed_and_written(*db).first, 0u);
  EXPECT_EQ(count_samples(*set), count_samples(expected(expect)));
}

// After a crash the WAL may lack samples the store already has (here: the
// end of its last segment is lost after the chunks were flushed). The head's restored
// chunks are then not complete, and the store must still be read for them.
TEST_F(DbTest, StoreSamplesMissingFromTheReplayedWalStayVisible) {
  std::map<std::string, SeriesSamples> expect;
  const int64_t start = clock_.now - 3 * kHour;
  auto db = open_db(options(dir_, &clock_));
  write(*db, 10, start, start + 40 * 60000, expect);  // then silent
  keep_head_time_moving(*db, clock_.now);
  ASSERT_TRUE(db->maintenance().is_ok());  // idle: every chunk cut and flushed
  std::string copy = crash_copy(dir_);
  cleanup_.push_back(copy);
  fs::path last = last_wal_segment(copy);
  ASSERT_FALSE(last.empty());
  fs::resize_file(last, fs::file_size(last) * 3 / 4);  // the WAL's last quarter is lost
  auto reopened = open_db(options(copy, &clock_));
  for (int64_t mint : {start + 35 * 60000, start + 39 * 60000, INT64_MIN}) {
    EXPECT_EQ(read_all(*reopened, mint, INT64_MAX, all_flink()), expected(expect, mint)) << mint;
  }
}

TEST_F(DbTest, IdleSeriesLeaveTheHeadAndStayQueryable) {
  std::map<std::string, SeriesSamples> expect;
  const int64_t start = clock_.now - 3 * kHour;
  auto db = open_db(options(dir_, &clock_));
  write(*db, 10, start, start + 10 * 60000, expect);  // then silent
  // A different series keeps going, moving the head's time forward.
  keep_head_time_moving(*db, clock_.now);
  ASSERT_TRUE(db->maintenance().is_ok());
  ASSERT_TRUE(db->maintenance().is_ok());
  EXPECT_EQ(db->head().num_series(), 1u);
  EXPECT_EQ(read_all(*db, INT64_MIN, INT64_MAX, all_flink()), expected(expect));
  db.reset();
  auto reopened = open_db(options(dir_, &clock_));
  EXPECT_EQ(read_all(*reopened, INT64_MIN, INT64_MAX, all_flink()), expected(expect));
}

// Series that left the head keep their ids in the store; after a restart
// (the checkpoint no longer names them) new series must get other ids, or
// the store would mix two label sets under one id.
TEST_F(DbTest, IdsOfSeriesGoneFromTheHeadAreNotReused) {
  std::map<std::string, SeriesSamples> expect;
  const int64_t start = clock_.now - 3 * kHour;
  auto db = open_db(options(dir_, &clock_));
  keep_head_time_moving(*db, start);                  // the lowest id: the series that stays
  write(*db, 10, start, start + 10 * 60000, expect);  // then silent
  keep_head_time_moving(*db, clock_.now);
  ASSERT_TRUE(db->maintenance().is_ok());
  ASSERT_TRUE(db->maintenance(/*force_checkpoint=*/true).is_ok());
  ASSERT_EQ(db->head().num_series(), 1u);
  db.reset();
  db = open_db(options(dir_, &clock_));
  // New series, written and flushed to the same partition.
  std::map<std::string, SeriesSamples> others;
  std::vector<SeriesRef> refs(10, 0);
  for (int64_t t = start + 20 * 60000; t < start + 60 * 60000; t += 15000) {
    auto app = db->appender();
    for (size_t i = 0; i < refs.size(); ++i) {
      model::Labels l{{"__name__", "other"}, {"job", "other"}, {"i", std::to_string(i)}};
      auto ref = app->append(refs[i], l, t, static_cast<double>(t));
      ASSERT_TRUE(ref.is_ok());
      refs[i] = *ref;
      others[l.to_string()].labels = l;
      others[l.to_string()].samples.push_back({t, static_cast<double>(t)});
    }
    ASSERT_TRUE(app->commit().is_ok());
  }
  keep_head_time_moving(*db, clock_.now + 2 * kHour);
  clock_.now += 2 * kHour;
  ASSERT_TRUE(db->maintenance().is_ok());
  ASSERT_TRUE(db->maintenance().is_ok());
  const model::Matchers other{matcher(model::MatchType::kEqual, "job", "other")};
  EXPECT_EQ(read_all(*db, INT64_MIN, INT64_MAX, all_flink()), expected(expect));
  EXPECT_EQ(read_all(*db, INT64_MIN, INT64_MAX, other), expected(others));
  db.reset();
  db = open_db(options(dir_, &clock_));
  EXPECT_EQ(read_all(*db, INT64_MIN, INT64_MAX, all_flink()), expected(expect));
  EXPECT_EQ(read_all(*db, INT64_MIN, INT64_MAX, other), expected(others));
}

TEST_F(DbTest, RetentionDropsWholeOldPartitions) {
  std::map<std::string, SeriesSamples> old_data, new_data;
  auto o = options(dir_, &clock_);
  o.retention_ms = 2 * kDay;
  auto db = open_db(o);
  const int64_t old_start = (clock_.now / kDay - 5) * kDay;
  write(*db, 5, old_start, old_start + kHour, old_data);
  write(*db, 5, clock_.now - kHour, clock_.now, new_data);
  ASSERT_TRUE(db->maintenance().is_ok());
  EXPECT_GE(db->stats().partitions_dropped, 1u);
  EXPECT_TRUE(read_all(*db, old_start, old_start + kHour, all_flink()).empty());
  EXPECT_EQ(read_all(*db, clock_.now - kHour, clock_.now, all_flink()), expected(new_data));
}

TEST_F(DbTest, SecondOpenOfTheSameDirectoryIsRefused) {
  auto db = open_db(options(dir_, &clock_));
  auto again = DB::open(options(dir_, &clock_));
  ASSERT_FALSE(again.is_ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
}

TEST_F(DbTest, OutOfOrderAndDuplicatesRejectedPerSample) {
  auto db = open_db(options(dir_, &clock_));
  model::Labels l{{"__name__", "m"}};
  auto app = db->appender();
  ASSERT_TRUE(app->append(0, l, 1000, 1).is_ok());
  ASSERT_TRUE(app->commit().is_ok());
  app = db->appender();
  EXPECT_EQ(app->append(0, l, 500, 2).status().code(), StatusCode::kOutOfOrder);
  EXPECT_EQ(app->append(0, l, 1000, 3).status().code(), StatusCode::kDuplicateSample);
  EXPECT_TRUE(app->append(0, l, 2000, 4).is_ok());
  ASSERT_TRUE(app->commit().is_ok());
  db.reset();
  auto reopened = open_db(options(dir_, &clock_));
  auto got = read_all(*reopened, INT64_MIN, INT64_MAX,
                      {matcher(model::MatchType::kEqual, "__name__", "m")});
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].samples.size(), 2u);
  EXPECT_EQ(got[0].samples[1].v, 4);
}

TEST_F(DbTest, StalenessMarkerSurvivesRestart) {
  auto db = open_db(options(dir_, &clock_));
  model::Labels l{{"__name__", "m"}};
  auto app = db->appender();
  ASSERT_TRUE(app->append(0, l, 1000, 1).is_ok());
  ASSERT_TRUE(app->append(0, l, 2000, model::stale_nan()).is_ok());
  ASSERT_TRUE(app->commit().is_ok());
  db.reset();
  auto reopened = open_db(options(dir_, &clock_));
  auto got = read_all(*reopened, INT64_MIN, INT64_MAX,
                      {matcher(model::MatchType::kEqual, "__name__", "m")});
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].samples.size(), 2u);
  EXPECT_TRUE(model::is_stale_nan(got[0].samples[1].v));
}

}  // namespace
}  // namespace promlite::tsdb
