// RemoteStorage::apply_config on reload: unchanged queues keep running,
// changed ones restart from their saved position, removed ones stop, new ones
// start.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

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

// What a test sees of one running queue.
struct QueueView {
  const QueueManager* queue = nullptr;  // identity; null: not running
  uint64_t sent = 0;
  bool caught_up = false;
};

QueueView view(const RemoteStorage& rs, const std::string& name) {
  QueueView v;
  rs.for_each_queue([&](const QueueManager& q) {
    if (q.name() != name) return;
    v.queue = &q;
    v.sent = q.stats().samples_sent.load();
    v.caught_up = q.caught_up();
  });
  return v;
}

bool wait_until(const std::function<bool()>& f, int ms = 5000) {
  for (int i = 0; i < ms / 5; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return f();
}

// Every (labels, t) pair exactly once.
void expect_each_once(const std::vector<testing::ReceivedSample>& got, size_t want) {
  std::set<std::pair<std::string, int64_t>> seen;
  for (const auto& s : got) {
    EXPECT_TRUE(seen.insert({s.labels, s.t}).second) << "duplicate " << s.labels << " @" << s.t;
  }
  EXPECT_EQ(seen.size(), want);
}

// A T (BasicAuth, Authorization) with one string field set.
template <typename T>
T with(std::string T::*field, std::string value) {
  T t;
  t.*field = std::move(value);
  return t;
}

config::RemoteWriteConfig remote(const std::string& url, const std::string& name) {
  config::RemoteWriteConfig rw;
  rw.url = url;
  rw.name = name;
  rw.remote_timeout = 2000;
  rw.queue_config.max_samples_per_send = 100;
  rw.queue_config.batch_send_deadline = 10;
  rw.queue_config.min_backoff = 5;
  rw.queue_config.max_backoff = 20;
  rw.metadata_config.send = false;
  return rw;
}

class StorageReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("storage_reload_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    wal::WriterOptions o;
    o.sync_interval = std::chrono::milliseconds(0);
    auto w = wal::Writer::open((dir_ / "wal").string(), o);
    ASSERT_TRUE(w.is_ok());
    writer_ = std::move(w).value();
    RemoteStorageOptions ro;
    ro.wal_dir = (dir_ / "wal").string();
    ro.data_dir = dir_.string();
    rs_ = std::make_unique<RemoteStorage>(ro);
  }
  void TearDown() override {
    rs_.reset();
    writer_.reset();
    fs::remove_all(dir_);
  }

  // Logs one sample for each of series 1..5 at time t (the series on first use).
  void log_scrape(int64_t t) { ASSERT_TRUE(scrapes_.log(*writer_, 1, 5, t).is_ok()); }

  // Applies `rws` (with `ext` external labels) and waits for every queue to
  // reach the live end of the WAL.
  Status apply(const std::vector<config::RemoteWriteConfig>& rws, model::Labels ext = {}) {
    config::Config cfg;
    cfg.remote_write = rws;
    cfg.global.external_labels = std::move(ext);
    Status s = rs_->apply_config(cfg);
    for (const auto& rw : rws) {
      EXPECT_TRUE(wait_until([&] {
        auto v = view(*rs_, queue_name(rw));
        return !v.queue || v.caught_up;
      }));
    }
    return s;
  }

  bool wait_sent(const std::string& name, uint64_t n) {
    return wait_until([&] { return view(*rs_, name).sent >= n; });
  }

  fs::path dir_;
  std::unique_ptr<wal::Writer> writer_;
  WalScrapeLog scrapes_;
  std::unique_ptr<RemoteStorage> rs_;
};

TEST_F(StorageReloadTest, UnchangedQueueKeepsRunningAndDoesNotResend) {
  FakeReceiver rx([](int) { return 200; });
  ASSERT_TRUE(apply({remote(rx.url(), "a")}).is_ok());
  log_scrape(1000);
  ASSERT_TRUE(wait_sent("a", 5));
  const QueueView before = view(*rs_, "a");

  // A fresh but equal configuration (as a reload of the same file gives).
  ASSERT_TRUE(apply({remote(rx.url(), "a")}).is_ok());
  const QueueView after = view(*rs_, "a");
  EXPECT_EQ(after.queue, before.queue);
  EXPECT_EQ(after.sent, 5u);  // a restarted queue counts from 0

  log_scrape(2000);
  ASSERT_TRUE(rx.wait_for_samples(10));
  ASSERT_TRUE(wait_sent("a", 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // nothing more may come
  expect_each_once(rx.samples(), 10);
  EXPECT_EQ(view(*rs_, "a").sent, 10u);
}

TEST_F(StorageReloadTest, ChangedQueueRestartsFromItsPosition) {
  FakeReceiver rx([](int) { return 200; });
  auto rw = remote(rx.url(), "a");
  rw.headers["X-Test"] = "1";
  ASSERT_TRUE(apply({rw}).is_ok());
  log_scrape(1000);
  ASSERT_TRUE(wait_sent("a", 5));
  EXPECT_EQ(rx.last_headers()["X-Test"], "1");

  rw.headers["X-Test"] = "2";
  ASSERT_TRUE(apply({rw}).is_ok());
  EXPECT_EQ(view(*rs_, "a").sent, 0u);  // a new queue
  log_scrape(2000);
  ASSERT_TRUE(rx.wait_for_samples(10));
  ASSERT_TRUE(wait_sent("a", 5));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  expect_each_once(rx.samples(), 10);  // resumed after what the old queue sent
  EXPECT_EQ(rx.last_headers()["X-Test"], "2");
}

TEST_F(StorageReloadTest, RemovedQueueStopsAndResumesWhenAddedBack) {
  FakeReceiver rx_a([](int) { return 200; });
  FakeReceiver rx_b([](int) { return 200; });
  const auto a = remote(rx_a.url(), "a"), b = remote(rx_b.url(), "b");
  ASSERT_TRUE(apply({a, b}).is_ok());
  log_scrape(1000);
  ASSERT_TRUE(wait_sent("a", 5));
  ASSERT_TRUE(wait_sent("b", 5));

  ASSERT_TRUE(apply({a}).is_ok());
  EXPECT_EQ(rs_->queues(), 1u);
  EXPECT_EQ(view(*rs_, "b").queue, nullptr);
  EXPECT_EQ(view(*rs_, "a").sent, 5u);                 // kept
  EXPECT_TRUE(fs::exists(dir_ / "remote" / "b.pos"));  // saved at stop
  log_scrape(2000);
  ASSERT_TRUE(wait_sent("a", 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rx_b.samples().size(), 5u);

  // Back: b resumes from its saved position and sends what it missed.
  ASSERT_TRUE(apply({a, b}).is_ok());
  ASSERT_TRUE(rx_b.wait_for_samples(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  expect_each_once(rx_b.samples(), 10);
  expect_each_once(rx_a.samples(), 10);
  EXPECT_EQ(view(*rs_, "a").sent, 10u);
}

TEST_F(StorageReloadTest, NewQueueStartsAtTheLiveEnd) {
  FakeReceiver rx_a([](int) { return 200; });
  FakeReceiver rx_c([](int) { return 200; });
  const auto a = remote(rx_a.url(), "a"), c = remote(rx_c.url(), "c");
  ASSERT_TRUE(apply({a}).is_ok());
  log_scrape(1000);
  ASSERT_TRUE(wait_sent("a", 5));
  const QueueView before = view(*rs_, "a");

  ASSERT_TRUE(apply({c, a}).is_ok());  // order does not matter
  EXPECT_EQ(rs_->queues(), 2u);
  EXPECT_EQ(view(*rs_, "a").queue, before.queue);
  ASSERT_NE(view(*rs_, "c").queue, nullptr);
  log_scrape(2000);
  ASSERT_TRUE(wait_sent("c", 5));
  ASSERT_TRUE(wait_sent("a", 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(rx_c.samples().size(), 5u);
  for (const auto& s : rx_c.samples()) EXPECT_EQ(s.t, 2000);
  expect_each_once(rx_a.samples(), 10);
}

TEST_F(StorageReloadTest, ExternalLabelsChangeRestartsTheQueue) {
  FakeReceiver rx([](int) { return 200; });
  const auto a = remote(rx.url(), "a");
  ASSERT_TRUE(apply({a}, {{"dc", "x"}}).is_ok());
  log_scrape(1000);
  ASSERT_TRUE(wait_sent("a", 5));
  ASSERT_TRUE(apply({a}, {{"dc", "x"}}).is_ok());
  EXPECT_EQ(view(*rs_, "a").sent, 5u);
  ASSERT_TRUE(apply({a}, {{"dc", "y"}}).is_ok());
  EXPECT_EQ(view(*rs_, "a").sent, 0u);
  log_scrape(2000);
  ASSERT_TRUE(rx.wait_for_samples(10));
  for (const auto& s : rx.samples()) {
    EXPECT_NE(s.labels.find(s.t == 1000 ? "dc=x" : "dc=y"), std::string::npos) << s.labels;
  }
}

// Prometheus re-creates the clients on every reload: a rotated password file
// takes effect at the next reload.
TEST_F(StorageReloadTest, RotatedCredentialFileRestartsTheQueue) {
  FakeReceiver rx([](int) { return 200; });
  const auto pass = dir_ / "password";
  std::ofstream(pass) << "one\n";
  auto a = remote(rx.url(), "a");
  a.http.basic_auth = with(&config::BasicAuth::password_file, pass.string());
  a.http.basic_auth->username = "u";
  ASSERT_TRUE(apply({a}).is_ok());
  log_scrape(1000);
  ASSERT_TRUE(wait_sent("a", 5));
  EXPECT_EQ(rx.last_headers()["Authorization"], "Basic dTpvbmU=");  // u:one

  std::ofstream(pass) << "two\n";
  ASSERT_TRUE(apply({a}).is_ok());
  EXPECT_EQ(view(*rs_, "a").sent, 0u);
  log_scrape(2000);
  ASSERT_TRUE(rx.wait_for_samples(10));
  EXPECT_EQ(rx.last_headers()["Authorization"], "Basic dTp0d28=");  // u:two
}

TEST_F(StorageReloadTest, ChangeThatCannotStartKeepsTheRunningQueue) {
  FakeReceiver rx([](int) { return 200; });
  auto a = remote(rx.url(), "a");
  ASSERT_TRUE(apply({a}).is_ok());
  log_scrape(1000);
  ASSERT_TRUE(wait_sent("a", 5));
  const QueueView before = view(*rs_, "a");

  auto broken = a;
  broken.http.basic_auth = with(&config::BasicAuth::password_file, (dir_ / "missing").string());
  Status s = apply({broken});
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("missing"), std::string::npos) << s.message();
  EXPECT_EQ(view(*rs_, "a").queue, before.queue);
  log_scrape(2000);
  ASSERT_TRUE(wait_sent("a", 10));

  // Fixed at the next reload: restarted with the new configuration.
  std::ofstream(dir_ / "missing") << "pw\n";
  ASSERT_TRUE(apply({broken}).is_ok());
  EXPECT_EQ(view(*rs_, "a").sent, 0u);
  log_scrape(3000);
  ASSERT_TRUE(rx.wait_for_samples(15));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  expect_each_once(rx.samples(), 15);
}

TEST_F(StorageReloadTest, DuplicateEntriesAreRefused) {
  FakeReceiver rx([](int) { return 200; });
  const auto a = remote(rx.url(), "");
  Status s = apply({a, a});
  EXPECT_EQ(s.message(),
            "duplicate remote write configs are not allowed, found duplicate for URL: " + rx.url());
  EXPECT_EQ(rs_->queues(), 1u);
}

// Two unnamed entries to one URL with different settings are two queues, each
// with a name, a position file and metric series of its own (they used to be
// named by the URL alone and resumed from each other's position).
TEST_F(StorageReloadTest, UnnamedQueuesToOneUrlHaveTheirOwnNames) {
  FakeReceiver rx([](int) { return 200; });
  auto a = remote(rx.url(), ""), b = a;
  config::RelabelConfig drop;
  drop.source_labels = {"i"};
  drop.regex = "1";
  drop.action = config::RelabelAction::kDrop;
  b.write_relabel_configs = {drop};
  ASSERT_NE(queue_name(a), queue_name(b));
  ASSERT_TRUE(apply({a, b}).is_ok());
  EXPECT_EQ(rs_->queues(), 2u);
  std::set<std::string> running;
  rs_->for_each_queue([&](const QueueManager& q) { running.insert(q.name()); });
  EXPECT_EQ(running, (std::set<std::string>{queue_name(a), queue_name(b)}));
  log_scrape(1000);
  ASSERT_TRUE(wait_sent(queue_name(a), 5));
  ASSERT_TRUE(wait_sent(queue_name(b), 5));
  rs_->stop();
  EXPECT_TRUE(fs::exists(dir_ / "remote" / (queue_name(a) + ".pos")));
  EXPECT_TRUE(fs::exists(dir_ / "remote" / (queue_name(b) + ".pos")));
  EXPECT_FALSE(fs::exists(dir_ / "remote" / (legacy_queue_name(rx.url()) + ".pos")));
}

// The name depends on the configuration only: equal configs loaded twice (a
// restart) name the queue alike, and it resumes from its position.
TEST_F(StorageReloadTest, UnnamedQueueKeepsItsNameAcrossRestarts) {
  FakeReceiver rx([](int) { return 200; });
  auto a = remote(rx.url(), "");
  a.headers["X-Team"] = "obs";
  const std::string name = queue_name(a);
  EXPECT_EQ(queue_name(remote(rx.url(), "")).size(), 6u);
  ASSERT_TRUE(apply({a}).is_ok());
  log_scrape(1000);
  ASSERT_TRUE(wait_sent(name, 5));
  rs_->stop();
  ASSERT_TRUE(fs::exists(dir_ / "remote" / (name + ".pos")));

  RemoteStorageOptions ro;
  ro.wal_dir = (dir_ / "wal").string();
  ro.data_dir = dir_.string();
  rs_ = std::make_unique<RemoteStorage>(ro);
  auto again = remote(rx.url(), "");  // a fresh load of the same file
  again.headers["X-Team"] = "obs";
  EXPECT_EQ(queue_name(again), name);
  log_scrape(2000);  // while "down": sent after the restart, from the position
  ASSERT_TRUE(apply({again}).is_ok());
  ASSERT_TRUE(rx.wait_for_samples(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  expect_each_once(rx.samples(), 10);
}

// An unnamed queue whose configuration changed gets a new name and carries
// its position over when the match is unambiguous; a changed inline secret
// keeps the name.
TEST_F(StorageReloadTest, ChangedUnnamedQueueResumesFromItsPredecessor) {
  FakeReceiver rx([](int) { return 200; });
  auto a = remote(rx.url(), "");
  a.headers["X-Test"] = "1";
  ASSERT_TRUE(apply({a}).is_ok());
  log_scrape(1000);
  ASSERT_TRUE(wait_sent(queue_name(a), 5));

  auto changed = a;
  changed.headers["X-Test"] = "2";
  ASSERT_NE(queue_name(changed), queue_name(a));
  ASSERT_TRUE(apply({changed}).is_ok());
  EXPECT_EQ(rs_->queues(), 1u);
  EXPECT_FALSE(fs::exists(dir_ / "remote" / (queue_name(a) + ".pos")));  // moved over
  log_scrape(2000);
  ASSERT_TRUE(rx.wait_for_samples(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  expect_each_once(rx.samples(), 10);
  EXPECT_EQ(rx.last_headers()["X-Test"], "2");

  auto secret = changed;
  secret.http.authorization = with(&config::Authorization::credentials, "one");
  auto rotated = secret;
  rotated.http.authorization->credentials = "two";
  EXPECT_EQ(queue_name(rotated), queue_name(secret));
  EXPECT_NE(queue_fingerprint(rotated, {}), queue_fingerprint(secret, {}));
}

// The same for an unnamed queue, whose name the broken change would change.
TEST_F(StorageReloadTest, UnnamedChangeThatCannotStartKeepsTheRunningQueue) {
  FakeReceiver rx([](int) { return 200; });
  const auto a = remote(rx.url(), "");
  ASSERT_TRUE(apply({a}).is_ok());
  const QueueView before = view(*rs_, queue_name(a));
  ASSERT_NE(before.queue, nullptr);
  auto broken = a;
  broken.http.basic_auth = with(&config::BasicAuth::password_file, (dir_ / "missing").string());
  ASSERT_NE(queue_name(broken), queue_name(a));
  EXPECT_FALSE(apply({broken}).is_ok());
  EXPECT_EQ(view(*rs_, queue_name(a)).queue, before.queue);
  EXPECT_EQ(rs_->queues(), 1u);
  // Fixed: the new queue (new name) takes the old one's position.
  log_scrape(1000);
  ASSERT_TRUE(wait_sent(queue_name(a), 5));
  std::ofstream(dir_ / "missing") << "pw\n";
  ASSERT_TRUE(apply({broken}).is_ok());
  EXPECT_EQ(view(*rs_, queue_name(a)).queue, nullptr);
  log_scrape(2000);
  ASSERT_TRUE(rx.wait_for_samples(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  expect_each_once(rx.samples(), 10);
}

TEST_F(StorageReloadTest, EntriesAlikeButForSecretsOrNamesAreRefused) {
  FakeReceiver rx([](int) { return 200; });
  auto a = remote(rx.url(), "");
  a.http.basic_auth = with(&config::BasicAuth::password, "one");
  auto b = a;
  b.http.basic_auth->password = "two";
  Status s = apply({a, b});
  EXPECT_EQ(s.message(),
            "duplicate remote write configs are not allowed, found duplicate for URL: " + rx.url());
  EXPECT_EQ(rs_->queues(), 1u);

  // A name that is another entry's hash: the position file would be shared.
  auto c = remote(rx.url(), queue_name(a));
  c.headers["X"] = "y";
  s = apply({a, c});
  EXPECT_EQ(s.message(), "found multiple remote write configs with queue name \"" + queue_name(a) +
                             "\" (set a distinct name)");
  EXPECT_EQ(rs_->queues(), 1u);
}

// Upgrade from a version that named unnamed queues by their URL: the only
// unnamed entry of that URL takes the old position file over.
TEST_F(StorageReloadTest, LegacyPositionFileIsTakenOver) {
  const std::string url = "http://127.0.0.1:1/api/v1/write";
  fs::create_directories(dir_ / "remote");
  const fs::path legacy = dir_ / "remote" / (legacy_queue_name(url) + ".pos");
  std::ofstream(legacy) << "3 100\n";

  // Ambiguous (two unnamed entries of the URL): left alone.
  auto a = remote(url, ""), b = a;
  b.headers["X"] = "y";
  config::Config cfg;
  cfg.remote_write = {a, b};
  ASSERT_TRUE(rs_->apply_config(cfg).is_ok());
  EXPECT_NE(rs_->oldest_needed_segment().value_or(99), 3u);  // at the live end
  EXPECT_TRUE(fs::exists(legacy));
  rs_->stop();
  fs::remove(dir_ / "remote" / (queue_name(a) + ".pos"));
  fs::remove(dir_ / "remote" / (queue_name(b) + ".pos"));

  RemoteStorageOptions ro;
  ro.wal_dir = (dir_ / "wal").string();
  ro.data_dir = dir_.string();
  rs_ = std::make_unique<RemoteStorage>(ro);
  cfg.remote_write = {a};
  ASSERT_TRUE(rs_->apply_config(cfg).is_ok());
  EXPECT_EQ(rs_->oldest_needed_segment().value_or(99), 3u);
  EXPECT_FALSE(fs::exists(legacy));
  std::ifstream in(dir_ / "remote" / (queue_name(a) + ".pos"));
  uint64_t seg = 0, off = 0;
  ASSERT_TRUE(in >> seg >> off);
  EXPECT_EQ(std::make_pair(seg, off), std::make_pair(uint64_t{3}, uint64_t{100}));
}

// A kept queue keeps its place in the WAL hold; a removed one no longer holds
// (its position stays on disk for when it comes back).
TEST_F(StorageReloadTest, HoldFollowsTheRunningQueues) {
  fs::create_directories(dir_ / "remote");
  std::ofstream(dir_ / "remote" / "down.pos") << "3 100\n";
  const auto down = remote("http://127.0.0.1:1/api/v1/write", "down");
  config::Config cfg;
  cfg.remote_write = {down};
  ASSERT_TRUE(rs_->apply_config(cfg).is_ok());
  const QueueView before = view(*rs_, "down");
  EXPECT_EQ(rs_->oldest_needed_segment().value_or(99), 3u);
  ASSERT_TRUE(rs_->apply_config(cfg).is_ok());
  EXPECT_EQ(view(*rs_, "down").queue, before.queue);
  EXPECT_EQ(rs_->oldest_needed_segment().value_or(99), 3u);
  cfg.remote_write.clear();
  ASSERT_TRUE(rs_->apply_config(cfg).is_ok());
  EXPECT_FALSE(rs_->oldest_needed_segment().has_value());
  std::ifstream in(dir_ / "remote" / "down.pos");
  uint64_t seg = 0, off = 0;
  ASSERT_TRUE(in >> seg >> off);
  EXPECT_EQ(std::make_pair(seg, off), std::make_pair(uint64_t{3}, uint64_t{100}));
}

// Every field that shapes a queue changes its fingerprint; nothing else does.
TEST(QueueFingerprintTest, EveryFieldCounts) {
  const auto dir = fs::temp_directory_path() / ("fingerprint_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string secret = (dir / "secret").string();
  std::ofstream(secret) << "s1";

  config::RemoteWriteConfig base = remote("http://127.0.0.1:9/w", "q");
  base.headers["A"] = "1";
  config::RelabelConfig rule;
  rule.source_labels = {"__name__"};
  rule.regex = "up";
  rule.action = config::RelabelAction::kKeep;
  base.write_relabel_configs = {rule};
  const model::Labels ext{{"dc", "x"}};
  const std::string fp = queue_fingerprint(base, ext);

  auto copy = base;
  ASSERT_TRUE(copy.write_relabel_configs[0].compile().is_ok());  // derived state only
  EXPECT_EQ(queue_fingerprint(copy, ext), fp);
  EXPECT_NE(queue_fingerprint(base, {{"dc", "y"}}), fp);
  EXPECT_NE(queue_fingerprint(base, {}), fp);

  using Edit = std::function<void(config::RemoteWriteConfig&)>;
  const std::vector<std::pair<const char*, Edit>> edits = {
      {"url", [](auto& c) { c.url += "x"; }},
      {"name", [](auto& c) { c.name = "r"; }},
      {"remote_timeout", [](auto& c) { c.remote_timeout += 1; }},
      {"header value", [](auto& c) { c.headers["A"] = "2"; }},
      {"header added", [](auto& c) { c.headers["B"] = "1"; }},
      {"header name",
       [](auto& c) {
         c.headers = {{"A1", ""}};
       }},
      {"relabel source", [](auto& c) { c.write_relabel_configs[0].source_labels.push_back("j"); }},
      {"relabel separator", [](auto& c) { c.write_relabel_configs[0].separator = ","; }},
      {"relabel regex", [](auto& c) { c.write_relabel_configs[0].regex = "down"; }},
      {"relabel modulus", [](auto& c) { c.write_relabel_configs[0].modulus = 2; }},
      {"relabel target", [](auto& c) { c.write_relabel_configs[0].target_label = "t"; }},
      {"relabel replacement", [](auto& c) { c.write_relabel_configs[0].replacement = "$2"; }},
      {"relabel action",
       [](auto& c) { c.write_relabel_configs[0].action = config::RelabelAction::kDrop; }},
      {"relabel added", [](auto& c) { c.write_relabel_configs.push_back({}); }},
      {"capacity", [](auto& c) { c.queue_config.capacity += 1; }},
      {"min_shards", [](auto& c) { c.queue_config.min_shards += 1; }},
      {"max_shards", [](auto& c) { c.queue_config.max_shards += 1; }},
      {"max_samples_per_send", [](auto& c) { c.queue_config.max_samples_per_send += 1; }},
      {"batch_send_deadline", [](auto& c) { c.queue_config.batch_send_deadline += 1; }},
      {"min_backoff", [](auto& c) { c.queue_config.min_backoff += 1; }},
      {"max_backoff", [](auto& c) { c.queue_config.max_backoff += 1; }},
      {"retry_on_http_429", [](auto& c) { c.queue_config.retry_on_http_429 = true; }},
      {"sample_age_limit", [](auto& c) { c.queue_config.sample_age_limit = 1; }},
      {"metadata send", [](auto& c) { c.metadata_config.send = true; }},
      {"metadata send_interval", [](auto& c) { c.metadata_config.send_interval += 1; }},
      {"metadata max_samples", [](auto& c) { c.metadata_config.max_samples_per_send += 1; }},
      {"send_exemplars", [](auto& c) { c.send_exemplars = true; }},
      {"protobuf_message", [](auto& c) { c.protobuf_message = "io.prometheus.write.v2.Request"; }},
      {"basic_auth", [](auto& c) { c.http.basic_auth = config::BasicAuth{}; }},
      {"username", [](auto& c) { c.http.basic_auth = with(&config::BasicAuth::username, "u"); }},
      {"password", [](auto& c) { c.http.basic_auth = with(&config::BasicAuth::password, "p"); }},
      {"password_file",
       [&](auto& c) { c.http.basic_auth = with(&config::BasicAuth::password_file, secret); }},
      {"username_file",
       [&](auto& c) { c.http.basic_auth = with(&config::BasicAuth::username_file, secret); }},
      {"authorization", [](auto& c) { c.http.authorization = config::Authorization{}; }},
      {"authorization type",
       [](auto& c) { c.http.authorization = with(&config::Authorization::type, "Token"); }},
      {"credentials",
       [](auto& c) { c.http.authorization = with(&config::Authorization::credentials, "c"); }},
      {"credentials_file",
       [&](auto& c) {
         c.http.authorization = with(&config::Authorization::credentials_file, secret);
       }},
      {"ca_file", [&](auto& c) { c.http.tls_config.ca_file = secret; }},
      {"cert_file", [&](auto& c) { c.http.tls_config.cert_file = secret; }},
      {"key_file", [&](auto& c) { c.http.tls_config.key_file = secret; }},
      {"server_name", [](auto& c) { c.http.tls_config.server_name = "s"; }},
      {"insecure_skip_verify", [](auto& c) { c.http.tls_config.insecure_skip_verify = true; }},
      {"min_version", [](auto& c) { c.http.tls_config.min_version = "TLS13"; }},
      {"follow_redirects", [](auto& c) { c.http.follow_redirects = false; }},
      {"enable_http2", [](auto& c) { c.http.enable_http2 = false; }},
  };
  std::set<std::string> seen = {fp};
  for (const auto& [what, edit] : edits) {
    auto c = base;
    edit(c);
    EXPECT_TRUE(seen.insert(queue_fingerprint(c, ext)).second) << what;
  }

  // The name ignores secret values and file contents (not their paths).
  auto named_by = [](config::RemoteWriteConfig c) {
    c.name.clear();
    return queue_name(c);
  };
  std::set<std::string> names = {named_by(base)};
  for (const auto& [what, edit] : edits) {
    auto c = base;
    edit(c);
    if (std::string_view(what) == "name") continue;  // cleared: named by its hash
    EXPECT_TRUE(names.insert(named_by(c)).second) << what;
  }
  auto p1 = base, p2 = base;
  p1.http.basic_auth = with(&config::BasicAuth::password, "p");
  p2.http.basic_auth = with(&config::BasicAuth::password, "q");
  EXPECT_EQ(named_by(p1), named_by(p2));

  // A credential file's contents count, and so does its absence.
  auto with_file = base;
  with_file.http.authorization = with(&config::Authorization::credentials_file, secret);
  const std::string s1 = queue_fingerprint(with_file, ext);
  const std::string id1 = queue_identity(with_file);
  EXPECT_EQ(queue_fingerprint(with_file, ext), s1);
  std::ofstream(secret) << "s2";
  const std::string s2 = queue_fingerprint(with_file, ext);
  EXPECT_NE(s2, s1);
  fs::remove(secret);
  const std::string gone = queue_fingerprint(with_file, ext);
  EXPECT_NE(gone, s1);
  EXPECT_NE(gone, s2);
  EXPECT_EQ(queue_identity(with_file), id1);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace promlite::remote
