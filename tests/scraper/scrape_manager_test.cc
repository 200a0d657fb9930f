// Discovery (static, file_sd) through pools and loops into storage, and
// reloads that add, keep and remove jobs.
#include "scraper/scrape_manager.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/testutil/fake_http_server.h"
#include "tests/testutil/memory_storage.h"

namespace promlite::scraper {
namespace {

using testutil::FakeHttpServer;
using testutil::FakeRequest;
using testutil::FakeResponse;

class ScrapeManagerTest : public ::testing::Test {
 protected:
  ScrapeManagerTest() : guard_(boost::asio::make_work_guard(ioc_)) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
    dir_ = std::filesystem::temp_directory_path() /
           ("promlite-sm-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  ~ScrapeManagerTest() override {
    manager_.stop();
    guard_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    std::filesystem::remove_all(dir_);
  }

  config::Config load(const std::string& yaml) {
    auto c = config::load_config(yaml, (dir_ / "prometheus.yml").string());
    EXPECT_TRUE(c.is_ok()) << c.status().to_string();
    return *c;
  }

  // Waits until `pred` holds (polling), up to 10 s.
  template <typename F>
  bool eventually(F pred) {
    for (int i = 0; i < 500; ++i) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  double last_up(const std::string& job, const std::string& instance) {
    for (const auto& [labels, data] : *storage_.snapshot()) {
      if (labels.metric_name() == "up" && labels.get("job") == job &&
          labels.get("instance") == instance && !data->samples.empty()) {
        return data->samples.back().v;
      }
    }
    return -1;
  }

  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
  testutil::MemoryStorage storage_;
  ScrapeManager manager_{ioc_, storage_, "promlite-test"};
  std::filesystem::path dir_;
};

TEST_F(ScrapeManagerTest, StaticAndFileTargetsAreScrapedAndReloaded) {
  FakeHttpServer a([](const FakeRequest&) { return FakeResponse{200, "text/plain", "m 1\n"}; });
  FakeHttpServer b([](const FakeRequest&) { return FakeResponse{200, "text/plain", "m 2\n"}; });
  std::ofstream(dir_ / "targets.json")
      << "[{\"targets\": [\"" << b.address() << "\"], \"labels\": {\"env\": \"dev\"}}]";

  manager_.apply_config(
      load("scrape_configs:\n"
           "  - job_name: static\n    scrape_interval: 1s\n"
           "    static_configs: [{targets: ['" +
           a.address() +
           "']}]\n"
           "  - job_name: files\n    scrape_interval: 1s\n"
           "    file_sd_configs: [{files: ['targets.json']}]\n"
           "    relabel_configs:\n"
           "      - {source_labels: [env], regex: prod, action: drop}\n"));
  ASSERT_TRUE(eventually([&] {
    return last_up("static", a.address()) == 1 && last_up("files", b.address()) == 1;
  })) << storage_.debug_string();
  auto active = manager_.active_targets();
  ASSERT_EQ(active.size(), 2u);
  for (const auto& t : active) {
    EXPECT_EQ(t.scrape_interval, model::kSecond);
    EXPECT_FALSE(t.scrape_url.empty());
    if (t.scrape_pool == "files") {
      EXPECT_EQ(t.labels.get("env"), "dev");
      EXPECT_NE(t.discovered_labels.get("__meta_filepath").find("targets.json"), std::string::npos);
    }
  }

  // The file changes: the target is now dropped by relabeling.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::ofstream(dir_ / "targets.json")
      << "[{\"targets\": [\"" << b.address() << "\"], \"labels\": {\"env\": \"prod\"}}]";
  ASSERT_TRUE(eventually([&] { return manager_.dropped_targets().size() == 1; }));
  EXPECT_TRUE(eventually([&] { return manager_.active_targets().size() == 1; }));

  // Reload without the static job: its series go stale.
  manager_.apply_config(
      load("scrape_configs:\n"
           "  - job_name: files\n    scrape_interval: 1s\n"
           "    file_sd_configs: [{files: ['targets.json']}]\n"));
  EXPECT_TRUE(model::is_stale_nan(last_up("static", a.address())) ||
              eventually([&] { return model::is_stale_nan(last_up("static", a.address())); }));
  EXPECT_TRUE(eventually([&] { return manager_.active_targets().size() == 1; }));
  // The changed job runs with the new rules: the target is back, now env="prod".
  EXPECT_TRUE(eventually([&] {
    auto snap = storage_.snapshot();
    auto it = snap->find(model::Labels{
        {"__name__", "up"}, {"job", "files"}, {"instance", b.address()}, {"env", "prod"}});
    return it != snap->end() && !it->second->samples.empty() && it->second->samples.back().v == 1;
  }));
}

// An address that cannot be dialled ("host:host:port") is still a target, as in
// Prometheus: listed as down with the reason, with up = 0, beside a healthy one.
TEST_F(ScrapeManagerTest, UndialableAddressIsADownTargetWithItsReason) {
  FakeHttpServer a([](const FakeRequest&) { return FakeResponse{200, "text/plain", "m 1\n"}; });
  const std::string bad = "127.0.0.1:" + a.address();
  manager_.apply_config(
      load("scrape_configs:\n"
           "  - job_name: static\n    scrape_interval: 1s\n"
           "    static_configs: [{targets: ['" +
           a.address() + "', '" + bad + "']}]\n"));
  ASSERT_TRUE(eventually([&] {
    return last_up("static", a.address()) == 1 && last_up("static", bad) == 0;
  })) << storage_.debug_string();
  auto active = manager_.active_targets();
  ASSERT_EQ(active.size(), 2u);
  bool found = false;
  for (const auto& t : active) {
    if (t.labels.get("instance") != bad) continue;
    found = true;
    EXPECT_EQ(t.health, TargetHealth::kDown);
    EXPECT_NE(t.last_error.find("invalid target address \"" + bad + "\""), std::string::npos)
        << t.last_error;
  }
  EXPECT_TRUE(found);
}

TEST(ScrapeConfigFingerprint, ChangesWithSettings) {
  config::ScrapeConfig a;
  a.job_name = "x";
  config::ScrapeConfig b = a;
  EXPECT_EQ(scrape_config_fingerprint(a), scrape_config_fingerprint(b));
  b.scrape_interval = 5;
  EXPECT_NE(scrape_config_fingerprint(a), scrape_config_fingerprint(b));
}

}  // namespace
}  // namespace promlite::scraper
