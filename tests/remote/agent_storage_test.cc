#include "tsdb/agent/agent_storage.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <thread>

#include "remote/queue_manager.h"
#include "tests/remote/fake_receiver.h"
#include "tsdb/agent/agent_checkpoint.h"
#include "tsdb/wal/reader.h"
#include "tsdb/wal/records.h"
#include "tsdb/wal/segment.h"

namespace promlite::tsdb::agent {
namespace {

namespace fs = std::filesystem;

model::Labels series_labels(int i) {
  return model::Labels::from_pairs({{"__name__", "up"}, {"instance", "host" + std::to_string(i)}});
}

class AgentStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("agent_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override {
    st_.reset();
    fs::remove_all(dir_);
  }

  AgentOptions options() {
    AgentOptions o;
    o.dir = dir_.string();
    o.truncate_frequency = std::chrono::milliseconds(0);  // truncate() by hand
    o.wal_sync_interval = std::chrono::milliseconds(0);
    o.now_ms = [this] { return now_; };
    return o;
  }
  void open() {
    st_.reset();
    auto s = AgentStorage::open(options());
    ASSERT_TRUE(s.is_ok()) << s.status().message();
    st_ = std::move(s).value();
  }

  // Appends one sample per series [first, first+n) at time t; returns the refs.
  std::vector<SeriesRef> scrape(int first, int n, int64_t t) {
    auto app = st_->appender();
    std::vector<SeriesRef> refs;
    for (int i = first; i < first + n; ++i) {
      auto r = app->append(0, series_labels(i), t, static_cast<double>(i));
      EXPECT_TRUE(r.is_ok()) << r.status().message();
      refs.push_back(r.is_ok() ? *r : 0);
    }
    EXPECT_TRUE(app->commit().is_ok());
    return refs;
  }

  // Every series and sample record of the WAL from `first_segment`.
  void read_wal(std::vector<wal::SeriesRecord>* series, std::vector<wal::RefSample>* samples,
                uint64_t first_segment = 0) {
    auto r = wal::Reader::open(st_->wal_dir(), first_segment);
    ASSERT_TRUE(r.is_ok());
    while ((*r)->next()) {
      auto type = wal::record_type((*r)->record());
      ASSERT_TRUE(type.is_ok());
      if (*type == wal::RecordType::kSeries) {
        ASSERT_TRUE(wal::decode_series((*r)->record(), *series).is_ok());
      } else if (*type == wal::RecordType::kSamples) {
        ASSERT_TRUE(wal::decode_samples((*r)->record(), *samples).is_ok());
      }
    }
    ASSERT_TRUE((*r)->status().is_ok());
  }

  std::set<uint64_t> checkpoint_ids() {
    auto cp = latest_agent_checkpoint(dir_.string());
    EXPECT_TRUE(cp.is_ok());
    std::set<uint64_t> ids;
    if (!cp.is_ok()) return ids;
    auto n = load_agent_checkpoint(cp->path, [&](const SnapshotEntry& e) {
      ids.insert(e.id);
      return Status::ok();
    });
    EXPECT_TRUE(n.is_ok());
    return ids;
  }

  fs::path dir_;
  int64_t now_ = 10 * 3600 * 1000;
  std::unique_ptr<AgentStorage> st_;
};

TEST_F(AgentStorageTest, CommitLogsSeriesOnceThenSamples) {
  open();
  auto refs = scrape(0, 3, 1000);
  scrape(0, 3, 2000);
  std::vector<wal::SeriesRecord> series;
  std::vector<wal::RefSample> samples;
  read_wal(&series, &samples);
  ASSERT_EQ(series.size(), 3u);  // logged with the first commit only
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(series[i].id, refs[i]);
    EXPECT_EQ(series[i].labels, series_labels(i));
  }
  ASSERT_EQ(samples.size(), 6u);
  EXPECT_EQ(samples[3].id, refs[0]);
  EXPECT_EQ(samples[3].t, 2000);
  EXPECT_EQ(st_->stats().samples_appended, 6u);
  EXPECT_EQ(st_->stats().active_series, 3u);
  // No store, no querying.
  EXPECT_FALSE(fs::exists(dir_ / "store"));
  auto q = st_->querier(0, 1);
  ASSERT_FALSE(q.is_ok());
  EXPECT_EQ(q.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(q.status().message(), kUnsupportedMessage);
}

TEST_F(AgentStorageTest, RefsOutOfOrderAndRollback) {
  open();
  SeriesRef ref = scrape(0, 1, 1000)[0];
  struct Case {
    const char* name;
    SeriesRef ref;
    bool with_labels;
    int64_t t;
    StatusCode want;
  };
  const Case cases[] = {
      {"live ref without labels", ref, false, 2000, StatusCode::kOk},
      {"stale ref without labels", ref + 100, false, 3000, StatusCode::kInvalidArgument},
      {"no ref, no labels", 0, false, 3000, StatusCode::kInvalidArgument},
      {"stale ref with labels falls back", ref + 100, true, 3000, StatusCode::kOk},
      {"equal timestamp", ref, false, 3000, StatusCode::kOutOfOrder},
      {"older timestamp", ref, true, 500, StatusCode::kOutOfOrder},
  };
  for (const Case& c : cases) {
    auto app = st_->appender();
    auto r = app->append(c.ref, c.with_labels ? series_labels(0) : model::Labels(), c.t, 1);
    EXPECT_EQ(r.status().code(), c.want) << c.name << ": " << r.status().message();
    if (r.is_ok()) {
      EXPECT_EQ(*r, ref) << c.name;
    }
    EXPECT_TRUE(app->commit().is_ok());
  }
  // A rolled-back batch logs nothing and leaves the newest time alone.
  uint64_t before = st_->stats().wal.records;
  {
    auto app = st_->appender();
    ASSERT_TRUE(app->append(0, series_labels(7), 9000, 1).is_ok());
    ASSERT_TRUE(app->append(ref, {}, 9000, 1).is_ok());
    app->rollback();
  }
  {
    auto dropped = st_->appender();
    ASSERT_TRUE(dropped->append(ref, {}, 8000, 1).is_ok());
  }
  EXPECT_EQ(st_->stats().wal.records, before);
  auto app = st_->appender();
  EXPECT_TRUE(app->append(ref, {}, 4000, 1).is_ok());
  EXPECT_TRUE(app->commit().is_ok());
  EXPECT_EQ(st_->stats().out_of_order, 2u);
}

// A second sample of a series in the same uncommitted batch must be newer
// than the first (Prometheus's agent compares with the series' newest time,
// which its appender raises at append): equal or older ones are refused as
// out of order and the rest of the batch still commits.
TEST_F(AgentStorageTest, SameBatchSamplesMustBeNewer) {
  open();
  const SeriesRef ref = scrape(0, 1, 1000)[0];
  auto app = st_->appender();
  ASSERT_TRUE(app->append(ref, {}, 2000, 1).is_ok());
  auto fresh = app->append(0, series_labels(1), 5000, 1);
  ASSERT_TRUE(fresh.is_ok());
  struct Case {
    const char* name;
    SeriesRef ref;
    int series;  // labels passed: series_labels(series), or none when -1
    int64_t t;
    StatusCode want;
    std::string message;  // when refused
  };
  const std::string l0 = series_labels(0).to_string(), l1 = series_labels(1).to_string();
  const Case cases[] = {
      {"equal to the pending time, by ref", ref, -1, 2000, StatusCode::kOutOfOrder,
       "out of order sample for " + l0 + " at 2000 (newest 2000)"},
      {"older than the pending time, by labels", 0, 0, 1500, StatusCode::kOutOfOrder,
       "out of order sample for " + l0 + " at 1500 (newest 2000)"},
      {"new series, equal time", 0, 1, 5000, StatusCode::kOutOfOrder,
       "out of order sample for " + l1 + " at 5000 (newest 5000)"},
      {"new series, older time by ref", *fresh, -1, 4000, StatusCode::kOutOfOrder,
       "out of order sample for " + l1 + " at 4000 (newest 5000)"},
      {"newer than the pending time", ref, -1, 3000, StatusCode::kOk, ""},
      {"newer again, after the third", 0, 0, 3500, StatusCode::kOk, ""},
  };
  for (const Case& c : cases) {
    auto r = app->append(c.ref, c.series < 0 ? model::Labels() : series_labels(c.series), c.t, 2);
    EXPECT_EQ(r.status().code(), c.want) << c.name << ": " << r.status().message();
    if (!r.is_ok()) {
      EXPECT_EQ(r.status().message(), c.message) << c.name;
    }
  }
  ASSERT_TRUE(app->commit().is_ok());
  std::vector<wal::SeriesRecord> series;
  std::vector<wal::RefSample> samples;
  read_wal(&series, &samples);
  std::vector<std::pair<uint64_t, int64_t>> got;
  for (const auto& s : samples) got.emplace_back(s.id, s.t);
  const std::vector<std::pair<uint64_t, int64_t>> want = {
      {ref, 1000}, {ref, 2000}, {*fresh, 5000}, {ref, 3000}, {ref, 3500}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(st_->stats().out_of_order, 4u);
  EXPECT_EQ(st_->stats().samples_appended, 5u);

  // A rolled-back batch leaves no newer time behind: the next batch may go
  // back below what the rolled-back one had pending.
  {
    auto rolled = st_->appender();
    ASSERT_TRUE(rolled->append(ref, {}, 9000, 1).is_ok());
    ASSERT_TRUE(rolled->append(ref, {}, 9500, 1).is_ok());
    rolled->rollback();
  }
  auto next = st_->appender();
  EXPECT_TRUE(next->append(ref, {}, 4000, 1).is_ok());
  EXPECT_EQ(next->append(ref, {}, 4000, 1).status().code(), StatusCode::kOutOfOrder);
  EXPECT_TRUE(next->commit().is_ok());
  EXPECT_EQ(st_->stats().out_of_order, 5u);
}

// A series created (or found) by an open batch is not idle, whatever its
// committed time says: a truncation in between must leave it in memory, or
// the commit would log samples of a series the map no longer has and the
// next batch would create it again under a new ref.
TEST_F(AgentStorageTest, TruncationKeepsTheSeriesOfAnOpenBatch) {
  open();
  const SeriesRef old = scrape(0, 1, 1000)[0];
  auto app = st_->appender();
  auto fresh = app->append(0, series_labels(1), 2000, 1);  // created, not logged yet
  ASSERT_TRUE(fresh.is_ok());
  ASSERT_TRUE(app->append(old, {}, 2000, 1).is_ok());  // idle by its committed time
  ASSERT_TRUE(st_->truncate(INT64_MAX).is_ok());
  EXPECT_EQ(st_->stats().active_series, 2u);
  ASSERT_TRUE(app->commit().is_ok());
  app.reset();

  auto refs = scrape(0, 2, 3000);
  EXPECT_EQ(refs, (std::vector<SeriesRef>{old, *fresh}));
  EXPECT_EQ(st_->stats().series_created, 2u);
  std::vector<wal::SeriesRecord> series;
  std::vector<wal::RefSample> samples;
  auto cp = latest_agent_checkpoint(dir_.string());
  ASSERT_TRUE(cp.is_ok());
  read_wal(&series, &samples, cp->segment);
  EXPECT_EQ(series.size(), 1u);  // series 1 only: series 0 is in the checkpoint
  EXPECT_EQ(checkpoint_ids(), std::set<uint64_t>{old});

  // Once no batch holds them, idle series go; so does one that a rolled-back
  // batch created and never logged.
  {
    auto rolled = st_->appender();
    ASSERT_TRUE(rolled->append(0, series_labels(2), 4000, 1).is_ok());
    rolled->rollback();
  }
  EXPECT_EQ(st_->stats().active_series, 3u);
  ASSERT_TRUE(st_->truncate(2500).is_ok());
  EXPECT_EQ(st_->stats().active_series, 2u);
  ASSERT_TRUE(st_->truncate(INT64_MAX).is_ok());
  EXPECT_EQ(st_->stats().active_series, 0u);
}

TEST_F(AgentStorageTest, RestartKeepsRefsAndNewestTimes) {
  open();
  auto refs = scrape(0, 50, 1000);
  ASSERT_TRUE(st_->truncate(0).is_ok());  // a checkpoint, then more WAL
  auto more = scrape(50, 10, 2000);
  open();
  EXPECT_EQ(st_->stats().active_series, 60u);
  auto app = st_->appender();
  for (int i = 0; i < 60; ++i) {
    SeriesRef want = i < 50 ? refs[i] : more[i - 50];
    auto r = app->append(0, series_labels(i), 3000, 1);
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(*r, want) << i;
  }
  // Known times survive: an older sample is out of order.
  EXPECT_EQ(app->append(more[0], {}, 2000, 1).status().code(), StatusCode::kOutOfOrder);
  auto fresh = app->append(0, series_labels(1000), 3000, 1);
  ASSERT_TRUE(fresh.is_ok());
  EXPECT_GT(*fresh, more.back());  // ids are never reused
  ASSERT_TRUE(app->commit().is_ok());
}

TEST_F(AgentStorageTest, TruncateDropsIdleSeriesAndOldSegments) {
  open();
  auto refs = scrape(0, 10, 1000);
  scrape(0, 5, 5000);  // series 5..9 go idle
  ASSERT_TRUE(st_->truncate(3000).is_ok());
  EXPECT_EQ(st_->stats().active_series, 5u);
  EXPECT_EQ(st_->stats().deleted_series, 0u);  // no segment before the checkpoint is kept
  auto range = wal::segment_range(st_->wal_dir());
  ASSERT_TRUE(range.is_ok());
  EXPECT_EQ(range->first, range->second);  // only the new segment
  EXPECT_EQ(checkpoint_ids(), std::set<uint64_t>(refs.begin(), refs.begin() + 5));
  // A dropped series comes back under a new id.
  auto again = scrape(9, 1, 6000);
  EXPECT_GT(again[0], refs.back());
  open();
  EXPECT_EQ(st_->stats().active_series, 6u);
}

TEST_F(AgentStorageTest, HeldSegmentsKeepDroppedSeriesInCheckpoints) {
  open();
  auto refs = scrape(0, 4, 1000);
  scrape(0, 2, 5000);
  std::optional<uint64_t> hold = 0;
  st_->set_wal_hold([&] { return hold; }, 0);
  ASSERT_TRUE(st_->truncate(3000).is_ok());
  EXPECT_EQ(st_->stats().active_series, 2u);
  EXPECT_EQ(st_->stats().deleted_series, 2u);
  EXPECT_TRUE(fs::exists(wal::segment_path(st_->wal_dir(), 0)));
  // The sender may still read segment 0, which refers to series 2 and 3.
  EXPECT_EQ(checkpoint_ids(), std::set<uint64_t>(refs.begin(), refs.end()));
  hold.reset();
  ASSERT_TRUE(st_->truncate(3000).is_ok());
  EXPECT_FALSE(fs::exists(wal::segment_path(st_->wal_dir(), 0)));
  EXPECT_EQ(st_->stats().deleted_series, 0u);
  EXPECT_EQ(checkpoint_ids(), std::set<uint64_t>(refs.begin(), refs.begin() + 2));
  // The byte limit wins over the hold.
  hold = 0;
  st_->set_wal_hold([&] { return hold; }, 1);
  scrape(0, 2, 6000);
  ASSERT_TRUE(st_->truncate(3000).is_ok());
  auto range = wal::segment_range(st_->wal_dir());
  ASSERT_TRUE(range.is_ok());
  EXPECT_EQ(range->first, range->second);
}

TEST_F(AgentStorageTest, CutoffFollowsPrometheusRetentionTimes) {
  open();
  scrape(0, 1, now_ - 10 * 60 * 1000);  // 10 min ago: older than min-time (5m)
  scrape(1, 1, now_ - 60 * 1000);       // 1 min ago
  ASSERT_TRUE(st_->truncate().is_ok());
  EXPECT_EQ(st_->stats().active_series, 1u);
  // A queue holding an old segment moves the cut-off back, up to max-time (4h).
  scrape(2, 1, now_ - 3 * 3600 * 1000);
  scrape(3, 1, now_ - 5 * 3600 * 1000);
  auto range = wal::segment_range(st_->wal_dir());
  ASSERT_TRUE(range.is_ok());
  std::optional<uint64_t> hold = range->second;
  st_->set_wal_hold([&] { return hold; }, 0);
  ASSERT_TRUE(st_->truncate().is_ok());
  // Kept: the 1-minute and 3-hour series; the 5-hour one is past max-time.
  EXPECT_EQ(st_->stats().active_series, 2u);
}

TEST_F(AgentStorageTest, SecondOpenIsRefused) {
  open();
  auto again = AgentStorage::open(options());
  ASSERT_FALSE(again.is_ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
}

TEST_F(AgentStorageTest, TornWalTailIsCutAtOpen) {
  open();
  scrape(0, 3, 1000);
  scrape(0, 3, 2000);
  std::string seg = wal::segment_path(st_->wal_dir(), 0);
  st_.reset();
  fs::resize_file(seg, fs::file_size(seg) - 3);
  open();
  EXPECT_EQ(st_->stats().wal_corruptions, 1u);
  EXPECT_EQ(st_->stats().active_series, 3u);
  // The lost batch's times are free again.
  auto app = st_->appender();
  EXPECT_TRUE(app->append(0, series_labels(0), 2000, 1).is_ok());
  EXPECT_TRUE(app->commit().is_ok());
}

TEST_F(AgentStorageTest, ConcurrentAppendersAndTruncation) {
  AgentOptions o = options();
  o.wal_sync_interval = std::chrono::milliseconds(1000);
  auto opened = AgentStorage::open(o);
  ASSERT_TRUE(opened.is_ok());
  st_ = std::move(opened).value();
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  std::atomic<uint64_t> committed{0};
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      std::vector<SeriesRef> refs(200, 0);
      for (int64_t t = 1; !stop.load(); ++t) {
        auto app = st_->appender();
        uint64_t n = 0;
        for (int i = 0; i < 200; ++i) {
          // Writers share half of their series; the other half churns.
          int id = i < 100 ? i : 1000 * (w + 1) + i + static_cast<int>(t % 7) * 200;
          auto r = app->append(i < 100 ? refs[i] : 0, series_labels(id), t * 10 + w, 1);
          if (r.is_ok()) {
            if (i < 100) refs[i] = *r;
            ++n;
          }
        }
        if (app->commit().is_ok()) committed += n;
      }
    });
  }
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(st_->truncate(INT64_MAX).is_ok());  // drops everything not being written
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (auto& t : writers) t.join();
  EXPECT_EQ(st_->stats().samples_appended, committed.load());
  // Every sample in the kept WAL belongs to a series its reader can resolve.
  auto cp = latest_agent_checkpoint(dir_.string());
  ASSERT_TRUE(cp.is_ok());
  std::set<uint64_t> known = checkpoint_ids();
  std::vector<wal::SeriesRecord> series;
  std::vector<wal::RefSample> samples;
  read_wal(&series, &samples, cp->segment);
  for (const auto& s : series) known.insert(s.id);
  for (const auto& s : samples) ASSERT_TRUE(known.count(s.id)) << s.id;
}

// The remote-write sender reads the agent's WAL and checkpoints: every
// sample arrives once, also across a truncation and a restart of both.
TEST_F(AgentStorageTest, SenderForwardsAcrossTruncationAndRestart) {
  remote::testing::FakeReceiver rx([](int) { return 200; });
  auto start_queue = [&] {
    remote::QueueOptions o;
    o.cfg.url = rx.url();
    o.cfg.remote_timeout = 2000;
    o.cfg.queue_config.batch_send_deadline = 20;
    o.queue_name = "agent";
    o.wal_dir = st_->wal_dir();
    o.position_file = (dir_ / "remote" / "agent.pos").string();
    o.poll_interval = std::chrono::milliseconds(5);
    o.save_interval = std::chrono::milliseconds(20);
    auto q = remote::QueueManager::start(std::move(o));
    EXPECT_TRUE(q.is_ok());
    for (int i = 0; i < 1000 && !(*q)->caught_up(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return std::move(q).value();
  };
  open();
  auto q = start_queue();
  st_->set_wal_hold([&q] { return q->oldest_needed_segment(); }, 0);
  for (int t = 1; t <= 10; ++t) scrape(0, 20, t * 1000);
  ASSERT_TRUE(rx.wait_for_samples(200));
  ASSERT_TRUE(st_->truncate(0).is_ok());
  for (int t = 11; t <= 20; ++t) scrape(0, 20, t * 1000);
  ASSERT_TRUE(rx.wait_for_samples(400));
  q->stop();
  st_->set_wal_hold(nullptr, 0);
  open();
  // Written while the sender is down; it resumes from its saved position and
  // learns the series from the checkpoint.
  for (int t = 21; t <= 30; ++t) scrape(0, 20, t * 1000);
  q = start_queue();
  st_->set_wal_hold([&q] { return q->oldest_needed_segment(); }, 0);
  ASSERT_TRUE(st_->truncate(0).is_ok());  // keeps what the queue has not sent
  for (int t = 31; t <= 40; ++t) scrape(0, 20, t * 1000);
  ASSERT_TRUE(rx.wait_for_samples(800));
  q->stop();
  std::set<std::pair<std::string, int64_t>> seen;
  for (const auto& s : rx.samples()) {
    EXPECT_TRUE(seen.insert({s.labels, s.t}).second) << "duplicate " << s.labels << " @" << s.t;
  }
  EXPECT_EQ(seen.size(), 800u);
  EXPECT_EQ(q->stats().samples_dropped, 0u);
}

// Memory per series stays small: byte accounting at 100k series.
TEST_F(AgentStorageTest, MemoryPerSeries) {
  open();
  constexpr int kSeries = 100'000;
  auto app = st_->appender();
  for (int i = 0; i < kSeries; ++i) {
    auto ls = model::Labels::from_pairs({{"__name__", "node_cpu_seconds_total"},
                                         {"cpu", std::to_string(i % 64)},
                                         {"instance", "10.0.0." + std::to_string(i / 64) + ":9100"},
                                         {"job", "node"},
                                         {"mode", "user"}});
    ASSERT_TRUE(app->append(0, ls, 1000, 1).is_ok());
  }
  ASSERT_TRUE(app->commit().is_ok());
  auto stats = st_->stats();
  double per_series = static_cast<double>(stats.memory_bytes) / kSeries;
  std::printf("agent memory: %.1f bytes/series at %d series\n", per_series, kSeries);
  EXPECT_LT(per_series, 200.0);
}

}  // namespace
}  // namespace promlite::tsdb::agent
