#include "remote/queue_manager.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "remote/queue_metrics.h"
#include "remote/storage.h"
#include "tests/remote/fake_receiver.h"
#include "tests/remote/wal_scrape_log.h"
#include "tsdb/wal/records.h"
#include "tsdb/wal/writer.h"

namespace promlite::remote {
namespace {

namespace fs = std::filesystem;
namespace wal = tsdb::wal;
using testing::FakeReceiver;

class QueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("remote_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    open_writer();
  }
  void TearDown() override {
    writer_.reset();
    fs::remove_all(dir_);
  }
  void open_writer() {
    wal::WriterOptions o;
    o.sync_interval = std::chrono::milliseconds(0);
    o.segment_bytes = 4096;  // several segments in the longer tests
    auto w = wal::Writer::open(wal_dir(), o);
    ASSERT_TRUE(w.is_ok());
    writer_ = std::move(w).value();
  }
  std::string wal_dir() const { return (dir_ / "wal").string(); }
  // A RemoteStorage over this test's WAL and data directory.
  RemoteStorageOptions storage_options(prometheus::Registry* reg) const {
    RemoteStorageOptions ro;
    ro.wal_dir = wal_dir();
    ro.data_dir = dir_.string();
    ro.registry = reg;
    return ro;
  }

  // Logs `n_series` series (ids from `first_id`, on first use) and one sample
  // per series at time t, value t.
  void log_scrape(uint64_t first_id, int n_series, int64_t t) {
    ASSERT_TRUE(scrapes_.log(*writer_, first_id, n_series, t).is_ok());
  }

  QueueOptions options(const std::string& url) {
    QueueOptions o;
    o.cfg.url = url;
    o.cfg.remote_timeout = 2000;
    o.cfg.queue_config.max_samples_per_send = 100;
    o.cfg.queue_config.batch_send_deadline = 20;
    o.cfg.queue_config.min_backoff = 5;
    o.cfg.queue_config.max_backoff = 20;
    o.cfg.queue_config.max_shards = 4;
    o.queue_name = "test";
    o.wal_dir = wal_dir();
    o.position_file = (dir_ / "remote" / "test.pos").string();
    o.poll_interval = std::chrono::milliseconds(5);
    o.save_interval = std::chrono::milliseconds(50);
    return o;
  }

  static std::unique_ptr<QueueManager> start(QueueOptions o) {
    auto q = QueueManager::start(std::move(o));
    EXPECT_TRUE(q.is_ok()) << q.status().message();
    for (int i = 0; i < 1000 && !(*q)->caught_up(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return std::move(q).value();
  }

  static bool wait_until(const std::function<bool()>& f, int ms = 5000) {
    for (int i = 0; i < ms / 5; ++i) {
      if (f()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return f();
  }

  // Every (labels, t) pair exactly once.
  static void expect_each_once(const std::vector<testing::ReceivedSample>& got, size_t want) {
    std::set<std::pair<std::string, int64_t>> seen;
    for (const auto& s : got) {
      EXPECT_TRUE(seen.insert({s.labels, s.t}).second) << "duplicate " << s.labels << " @" << s.t;
    }
    EXPECT_EQ(seen.size(), want);
  }

  fs::path dir_;
  std::unique_ptr<wal::Writer> writer_;
  WalScrapeLog scrapes_;
};

TEST_F(QueueTest, BatchesWithHeadersExternalLabelsAndRelabeling) {
  FakeReceiver rx([](int) { return 204; });
  auto o = options(rx.url());
  o.external_labels = model::Labels::from_pairs({{"replica", "a"}, {"i", "ignored"}});
  config::RelabelConfig drop;
  o.cfg.write_relabel_configs.push_back(drop);
  // The callback stands in for the scraper's relabeler: drop series i=3.
  o.relabel = [](const model::Labels& ls, const config::RelabelConfigs&, bool* keep) {
    *keep = ls.get("i") != "3";
    return ls;
  };
  auto q = start(o);
  for (int t = 1; t <= 30; ++t) log_scrape(1, 10, t * 1000);
  ASSERT_TRUE(rx.wait_for_samples(270));
  ASSERT_TRUE(wait_until([&] { return q->stats().samples_dropped == 30; }));
  q->stop();
  auto got = rx.samples();
  expect_each_once(got, 270);
  for (size_t n : rx.batch_sizes()) EXPECT_LE(n, 100u);
  // External labels are added, but never override a series' own label.
  EXPECT_EQ(got[0].labels.find("__name__=m,"), 0u) << got[0].labels;
  EXPECT_NE(got[0].labels.find(",replica=a"), std::string::npos) << got[0].labels;
  EXPECT_EQ(got[0].labels.find("i=ignored"), std::string::npos);
  auto h = rx.last_headers();
  EXPECT_EQ(h["Content-Encoding"], "snappy");
  EXPECT_EQ(h["Content-Type"], "application/x-protobuf");
  EXPECT_EQ(h["X-Prometheus-Remote-Write-Version"], "0.1.0");
  EXPECT_EQ(q->stats().samples_sent, 270u);
  EXPECT_EQ(q->stats().samples_failed, 0u);
}

TEST_F(QueueTest, RetriesServerErrorsAndTooManyRequests) {
  for (int code : {500, 503, 429}) {
    SCOPED_TRACE(code);
    FakeReceiver rx([code](int n) { return n < 3 ? code : 200; });
    auto o = options(rx.url());
    o.cfg.queue_config.retry_on_http_429 = true;  // 429 is final by default, as in Prometheus
    auto q = start(o);
    log_scrape(static_cast<uint64_t>(code) * 100, 50, 1000);
    ASSERT_TRUE(rx.wait_for_samples(50));
    EXPECT_GE(q->stats().samples_retried, 150u);
    q->stop();
    expect_each_once(rx.samples(), 50);
    EXPECT_EQ(q->stats().samples_failed, 0u);
    fs::remove_all(dir_ / "remote");
  }
}

TEST_F(QueueTest, DropsOnlyTheBatchAnsweredWith400) {
  FakeReceiver rx([](int n) { return n == 0 ? 400 : 200; });
  auto o = options(rx.url());
  o.cfg.queue_config.batch_send_deadline = 1000;  // full batches only
  auto q = start(o);
  log_scrape(1, 100, 1000);
  log_scrape(1, 100, 2000);
  ASSERT_TRUE(rx.wait_for_samples(100));
  ASSERT_TRUE(wait_until([&] { return q->stats().samples_failed == 100; }));
  q->stop();
  EXPECT_EQ(q->stats().batches_failed, 1u);
  expect_each_once(rx.samples(), 100);
}

TEST_F(QueueTest, ResumesAfterRestartWithoutDuplicates) {
  FakeReceiver rx([](int) { return 200; });
  {
    auto q = start(options(rx.url()));
    for (int t = 1; t <= 20; ++t) log_scrape(1, 20, t * 1000);
    ASSERT_TRUE(rx.wait_for_samples(400));
    q->stop();
  }
  // Written while no sender runs: the restart must send exactly these.
  for (int t = 21; t <= 40; ++t) log_scrape(1, 20, t * 1000);
  auto q = start(options(rx.url()));
  ASSERT_TRUE(rx.wait_for_samples(800));
  q->stop();
  expect_each_once(rx.samples(), 800);
}

TEST_F(QueueTest, CatchesUpAfterReceiverWasDown) {
  uint16_t port;
  {
    FakeReceiver probe([](int) { return 200; });
    port = probe.port();
  }
  auto o = options("http://127.0.0.1:" + std::to_string(port) + "/api/v1/write");
  auto q = start(o);
  for (int t = 1; t <= 50; ++t) log_scrape(1, 20, t * 1000);
  ASSERT_TRUE(wait_until([&] { return q->stats().samples_retried > 0; }));
  EXPECT_EQ(q->oldest_needed_segment().value_or(99), 0u);  // the WAL holds the backlog
  FakeReceiver rx([](int) { return 200; }, port);
  ASSERT_TRUE(rx.wait_for_samples(1000, 10000));
  q->stop();
  expect_each_once(rx.samples(), 1000);
}

TEST_F(QueueTest, RestartLearnsSeriesFromEarlierSegments) {
  FakeReceiver rx([](int) { return 200; });
  {
    auto q = start(options(rx.url()));
    log_scrape(1, 5, 1000);
    ASSERT_TRUE(rx.wait_for_samples(5));
    q->stop();
  }
  ASSERT_TRUE(writer_->rotate().is_ok());
  log_scrape(1, 5, 2000);  // no series record in this segment: ids from before
  auto q = start(options(rx.url()));
  ASSERT_TRUE(rx.wait_for_samples(10));
  q->stop();
  auto got = rx.samples();
  expect_each_once(got, 10);
  EXPECT_EQ(q->stats().samples_dropped, 0u);
}

// A new queue (no position file) skips what the WAL held when start()
// returned, but sends every record logged after that, even while its reader
// is still scanning the old records. (It used to take the live end as "where
// the first scan ends", so scrapes logged during that scan were never sent.)
TEST_F(QueueTest, NewQueueSendsEverythingLoggedAfterStartReturns) {
  for (int t = 1; t <= 300; ++t) log_scrape(1, 20, t * 1000);  // the old backlog
  FakeReceiver rx([](int) { return 200; });
  auto q = QueueManager::start(options(rx.url()));
  ASSERT_TRUE(q.is_ok());
  // No wait for caught_up(): the reader is still busy with the old records.
  for (int t = 301; t <= 305; ++t) log_scrape(1, 20, t * 1000);
  ASSERT_TRUE(rx.wait_for_samples(100)) << rx.samples().size();
  (*q)->stop();
  auto got = rx.samples();
  expect_each_once(got, 100);
  for (const auto& s : got) EXPECT_GT(s.t, 300000) << s.labels;
}

std::string render(const prometheus::Registry& reg) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, reg.Collect());
  return out.str();
}

// While the destination is down the reader stops at capacity x shards queued
// samples (the backlog stays in the WAL) and keeps the self-metrics current.
TEST_F(QueueTest, MemoryBoundedWhileDestinationDown) {
  uint16_t port;
  {
    FakeReceiver probe([](int) { return 200; });
    port = probe.port();
  }
  prometheus::Registry reg;
  auto o = options("http://127.0.0.1:" + std::to_string(port) + "/api/v1/write");
  o.cfg.queue_config.capacity = 100;
  o.cfg.queue_config.max_samples_per_send = 50;
  o.cfg.queue_config.max_shards = 1;
  o.registry = &reg;
  auto q = start(o);
  for (int t = 1; t <= 100; ++t) log_scrape(1, 20, t * 1000);  // 2000 samples
  ASSERT_TRUE(wait_until([&] { return q->stats().enqueue_retries > 0; }));
  // The queue (below capacity before a record's 20 go in), the batch being
  // retried, and the record the reader is waiting to queue.
  EXPECT_LE(q->stats().samples_pending, 100 + 20 + 50 + 20);
  EXPECT_LE(q->stats().samples_in, 100u + 20 + 50 + 20);
  // Published while the reader waits for room.
  ASSERT_TRUE(wait_until(
      [&] {
        return render(reg).find("prometheus_remote_storage_samples_pending{remote_name=\"test\"") !=
               std::string::npos;
      },
      3000));
  EXPECT_EQ(q->oldest_needed_segment().value_or(99), 0u);
  FakeReceiver rx([](int) { return 200; }, port);
  ASSERT_TRUE(rx.wait_for_samples(2000, 10000));
  q->stop();
  expect_each_once(rx.samples(), 2000);
  EXPECT_EQ(q->stats().samples_pending, 0);
}

TEST_F(QueueTest, SelfMetricsAreNamedAsPrometheus) {
  FakeReceiver rx([](int n) { return n == 0 ? 400 : 200; });
  prometheus::Registry reg;
  auto o = options(rx.url());
  o.registry = &reg;
  o.cfg.queue_config.batch_send_deadline = 1000;  // full batches of 100
  config::RelabelConfig drop;
  o.cfg.write_relabel_configs.push_back(drop);
  o.relabel = [](const model::Labels& ls, const config::RelabelConfigs&, bool* keep) {
    *keep = ls.get("i") != "1";
    return ls;
  };
  auto q = start(o);
  log_scrape(1, 101, 1000);  // 100 kept, the first batch refused
  log_scrape(1, 101, 2000);
  ASSERT_TRUE(rx.wait_for_samples(100));
  q->stop();  // publishes the final values
  const std::string text = render(reg);
  const std::string l = "{remote_name=\"test\",url=\"" + rx.url() + "\"";
  for (const std::string& want : std::vector<std::string>{
           "prometheus_remote_storage_samples_total" + l + "} 100",
           "prometheus_remote_storage_samples_failed_total" + l + "} 100",
           "prometheus_remote_storage_samples_retried_total" + l + "} 0",
           "prometheus_remote_storage_samples_dropped_total{reason=\"dropped_series\"," +
               l.substr(1) + "} 2",
           "prometheus_remote_storage_samples_dropped_total{reason=\"too_old\"," + l.substr(1) +
               "} 0",
           "prometheus_remote_storage_samples_pending" + l + "} 0",
           "prometheus_remote_storage_shards" + l + "} 1",
           "prometheus_remote_storage_shards_desired" + l + "} 1",
           "prometheus_remote_storage_shards_max" + l + "} 4",
           "prometheus_remote_storage_shard_capacity" + l + "} 10000",
           "prometheus_remote_storage_max_samples_per_send" + l + "} 100",
           "prometheus_remote_storage_queue_highest_timestamp_seconds" + l + "} 2",
           "prometheus_remote_storage_queue_highest_sent_timestamp_seconds" + l + "} 2",
           // Prometheus's one gauge for all queues: no labels.
           "\nprometheus_remote_storage_highest_timestamp_in_seconds 2",
           "prometheus_remote_storage_sent_batch_duration_seconds_count" + l + "} 2",
           "prometheus_wal_watcher_records_read_total{consumer=\"test\",type=\"samples\"} 2",
       }) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
  EXPECT_NE(text.find("prometheus_remote_storage_bytes_total" + l + "} "), std::string::npos);
  EXPECT_EQ(text.find("prometheus_remote_storage_samples_in_total{"), std::string::npos);
}

TEST_F(QueueTest, TooManyRequestsIsFinalUnlessRetryOn429) {
  FakeReceiver rx([](int n) { return n == 0 ? 429 : 200; });
  auto o = options(rx.url());
  ASSERT_FALSE(o.cfg.queue_config.retry_on_http_429);  // Prometheus's default
  auto q = start(o);
  log_scrape(1, 10, 1000);
  ASSERT_TRUE(wait_until([&] { return q->stats().samples_failed == 10; }));
  log_scrape(1, 10, 2000);
  ASSERT_TRUE(rx.wait_for_samples(10));
  q->stop();
  EXPECT_EQ(q->stats().samples_retried, 0u);
}

TEST_F(QueueTest, SampleAgeLimitDropsOldSamples) {
  FakeReceiver rx([](int n) { return n < 2 ? 503 : 200; });
  auto o = options(rx.url());
  o.cfg.queue_config.sample_age_limit = 200;
  o.cfg.queue_config.min_backoff = 150;  // the retried batch grows too old
  o.cfg.queue_config.max_backoff = 150;
  auto q = start(o);
  const int64_t now = model::now_ms();
  log_scrape(1, 10, now - 60000);  // too old when read
  log_scrape(1, 10, now);          // too old after two retries
  ASSERT_TRUE(wait_until([&] { return q->stats().dropped_too_old == 20; }));
  log_scrape(1, 10, model::now_ms());
  ASSERT_TRUE(rx.wait_for_samples(10));
  q->stop();
  EXPECT_EQ(rx.samples().size(), 10u);
  EXPECT_EQ(q->stats().samples_pending, 0);
}

// After a checkpoint that no longer lists a series, the reader forgets it.
TEST_F(QueueTest, ForgetsSeriesDroppedByACheckpoint) {
  FakeReceiver rx([](int) { return 200; });
  auto q = start(options(rx.url()));
  log_scrape(1, 10, 1000);  // series 1..10
  ASSERT_TRUE(rx.wait_for_samples(10));
  EXPECT_EQ(q->stats().series, 10u);
  // checkpoint.00000005 keeps series 1..4 (type-16 snapshots: id, labels).
  {
    wal::WriterOptions wo;
    wo.sync_interval = std::chrono::milliseconds(0);
    auto cp = wal::Writer::open((dir_ / "checkpoint.00000005").string(), wo);
    ASSERT_TRUE(cp.is_ok());
    for (uint64_t id = 1; id <= 4; ++id) {
      auto ls = model::Labels::from_pairs({{"__name__", "m"}, {"i", std::to_string(id)}});
      std::string rec(1, char(16));
      rec.push_back(static_cast<char>(id));
      rec.push_back(static_cast<char>(ls.data().size()));
      rec += ls.data();
      ASSERT_TRUE((*cp)->log(rec).is_ok());
    }
  }
  while (writer_->stats().current_segment < 5) ASSERT_TRUE(writer_->rotate().is_ok());
  log_scrape(1, 4, 2000);
  ASSERT_TRUE(rx.wait_for_samples(14));
  ASSERT_TRUE(wait_until([&] { return q->stats().series == 4; }));
  q->stop();
  expect_each_once(rx.samples(), 14);
}

// A sample waits at most batch_send_deadline from when it entered its shard,
// also when the shard was busy sending then: taking a full batch must not
// restart the wait of the samples left behind (Prometheus sends what is
// pending every deadline).
TEST_F(QueueTest, DeadlineRunsFromTheOldestPendingSample) {
  using std::chrono::milliseconds;
  std::mutex mu;
  std::vector<std::chrono::steady_clock::time_point> arrived;  // per request
  FakeReceiver rx([&](int n) {
    {
      std::lock_guard lk(mu);
      arrived.push_back(std::chrono::steady_clock::now());
    }
    if (n == 0) std::this_thread::sleep_for(milliseconds(600));  // a slow answer
    return 200;
  });
  auto o = options(rx.url());
  o.cfg.queue_config.max_samples_per_send = 10;
  o.cfg.queue_config.batch_send_deadline = 400;
  o.cfg.queue_config.max_shards = 1;
  auto q = start(o);
  log_scrape(1, 10, 1000);  // a full batch: sent at once, answered after 600 ms
  ASSERT_TRUE(wait_until([&] { return rx.requests() >= 1; }));
  log_scrape(1, 11, 2000);  // queued while the shard waits for that answer
  ASSERT_TRUE(rx.wait_for_samples(21));
  q->stop();
  // After the answer: a full batch, then the one sample left over, whose
  // deadline passed during the slow send: sent right away, not 400 ms later.
  EXPECT_EQ(rx.batch_sizes(), (std::vector<size_t>{10, 10, 1}));
  std::lock_guard lk(mu);
  ASSERT_EQ(arrived.size(), 3u);
  EXPECT_LT(arrived[2] - arrived[1], milliseconds(200))
      << std::chrono::duration_cast<milliseconds>(arrived[2] - arrived[1]).count() << " ms";
}

// A remote_write queue removed by a reload takes its metric series with it;
// the other queues' and the unlabelled global gauge stay.
TEST_F(QueueTest, RemovedQueueLeavesNoMetricSeries) {
  FakeReceiver rx([](int n) { return n == 0 ? 400 : 200; });
  prometheus::Registry reg;
  RemoteStorage rs(storage_options(&reg));
  config::Config cfg;
  config::RemoteWriteConfig gone, kept;
  gone.url = rx.url();
  gone.name = "gone";
  gone.queue_config.batch_send_deadline = 10;
  kept = gone;
  kept.name = "kept";
  cfg.remote_write = {gone, kept};
  ASSERT_TRUE(rs.apply_config(cfg).is_ok());
  log_scrape(1, 5, 1000);
  log_scrape(1, 5, 2000);
  // 20 sent, the first batch (5 or 10 samples) refused.
  ASSERT_TRUE(rx.wait_for_samples(10));
  // Published about once a second by each reader.
  ASSERT_TRUE(wait_until([&] {
    std::string text = render(reg);
    return text.find("prometheus_remote_storage_samples_total{remote_name=\"gone\"") !=
               std::string::npos &&
           text.find("prometheus_remote_storage_samples_total{remote_name=\"kept\"") !=
               std::string::npos &&
           text.find("promlite_remote_storage_failed_batches_total{reason=\"http_400\"") !=
               std::string::npos;
  }));
  cfg.remote_write = {kept};
  ASSERT_TRUE(rs.apply_config(cfg).is_ok());
  const std::string text = render(reg);
  EXPECT_EQ(text.find("\"gone\""), std::string::npos) << text;
  for (const char* want : {
           "prometheus_remote_storage_samples_total{remote_name=\"kept\"",
           "prometheus_remote_storage_samples_dropped_total{reason=\"too_old\",remote_name="
           "\"kept\"",
           "prometheus_remote_storage_shards{remote_name=\"kept\"",
           "prometheus_remote_storage_sent_batch_duration_seconds_count{remote_name=\"kept\"",
           "prometheus_wal_watcher_current_segment{consumer=\"kept\"}",
           "\nprometheus_remote_storage_highest_timestamp_in_seconds ",
       }) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
  // Back in the configuration: registered again, from zero.
  cfg.remote_write = {kept, gone};
  ASSERT_TRUE(rs.apply_config(cfg).is_ok());
  EXPECT_NE(render(reg).find("prometheus_remote_storage_samples_total{remote_name=\"gone\",url=\"" +
                             rx.url() + "\"} 0"),
            std::string::npos);
  rs.stop();
}

// Two unnamed remote_writes to one URL have series of their own (by their
// remote_name); a reload that removes one takes only its series away.
TEST_F(QueueTest, UnnamedQueuesToOneUrlHaveTheirOwnSeries) {
  FakeReceiver rx([](int) { return 200; });
  prometheus::Registry reg;
  RemoteStorage rs(storage_options(&reg));
  config::Config cfg;
  config::RemoteWriteConfig a;
  a.url = rx.url();
  a.queue_config.batch_send_deadline = 10;
  auto b = a;
  b.headers["X-Tenant"] = "b";
  cfg.remote_write = {a, b};
  ASSERT_TRUE(rs.apply_config(cfg).is_ok());
  auto series_of = [&](const config::RemoteWriteConfig& rw) {
    return "prometheus_remote_storage_samples_total{remote_name=\"" + queue_name(rw) + "\",url=\"" +
           rx.url() + "\"}";
  };
  log_scrape(1, 5, 1000);
  ASSERT_TRUE(rx.wait_for_samples(10));
  ASSERT_TRUE(wait_until([&] {
    const std::string text = render(reg);
    return text.find(series_of(a) + " 5") != std::string::npos &&
           text.find(series_of(b) + " 5") != std::string::npos;
  })) << render(reg);
  cfg.remote_write = {b};
  ASSERT_TRUE(rs.apply_config(cfg).is_ok());
  const std::string text = render(reg);
  EXPECT_EQ(text.find(series_of(a)), std::string::npos) << text;
  EXPECT_NE(text.find(series_of(b) + " 5"), std::string::npos) << text;
  rs.stop();
}

TEST(RemoteStorageTest, HoldsTheBacklogAfterStop) {
  auto dir = fs::temp_directory_path() / ("remote_hold_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "remote");
  std::ofstream(dir / "remote" / "down.pos") << "3 100\n";
  RemoteStorageOptions ro;
  ro.wal_dir = (dir / "wal").string();
  ro.data_dir = dir.string();
  RemoteStorage rs(ro);
  config::Config cfg;
  config::RemoteWriteConfig rw;
  rw.url = "http://127.0.0.1:1/api/v1/write";
  rw.name = "down";
  cfg.remote_write.push_back(rw);
  ASSERT_TRUE(rs.apply_config(cfg).is_ok());
  EXPECT_EQ(rs.oldest_needed_segment().value_or(99), 3u);
  rs.stop();
  EXPECT_EQ(rs.queues(), 0u);
  // Still held for the DB's final checkpoint.
  EXPECT_EQ(rs.oldest_needed_segment().value_or(99), 3u);
  fs::remove_all(dir);
}

TEST(RemoteStorageTest, NamesQueuesAndRejectsBadUrls) {
  config::RemoteWriteConfig a;
  a.url = "http://x/api";
  EXPECT_EQ(queue_name(a).size(), 6u);
  // Pinned: a change renames every unnamed queue of existing installs, which
  // then lose their saved positions (see RemoteStorage::apply_config).
  EXPECT_EQ(queue_name(a), "694c13");
  EXPECT_EQ(legacy_queue_name(a.url), "42cfda");
  a.name = "mimir";
  EXPECT_EQ(queue_name(a), "mimir");
  QueueOptions o;
  o.cfg.url = "ftp://x";
  EXPECT_FALSE(QueueManager::start(o).is_ok());
}

}  // namespace
}  // namespace promlite::remote
