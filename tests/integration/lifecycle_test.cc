// Starts the real promlite binary on loopback and checks its lifecycle
// endpoints, flags, configuration handling and signals over HTTP.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/testutil/http_client.h"
#include "tests/testutil/process.h"

namespace promlite {
namespace {

using testutil::http_get;
using testutil::http_request;
using testutil::make_temp_dir;
using testutil::PromliteProcess;

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// Polls /metrics until `needle` shows up (or 10 s pass).
bool metrics_eventually_contain(uint16_t port, const std::string& needle) {
  for (int i = 0; i < 200; ++i) {
    if (http_get(port, "/metrics").body.find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(Lifecycle, StartsWithNoConfigAndServesHealthReadyMetrics) {
  std::string dir = make_temp_dir("promlite-it");
  PromliteProcess p({"--storage.tsdb.path=" + dir});
  ASSERT_TRUE(p.started()) << p.log();

  auto healthy = http_get(p.port(), "/-/healthy");
  EXPECT_EQ(healthy.status, 200);
  EXPECT_NE(healthy.body.find("Healthy"), std::string::npos);
  auto head = http_request(p.port(), "HEAD", "/-/healthy");
  EXPECT_EQ(head.status, 200);

  auto ready = http_get(p.port(), "/-/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_NE(ready.body.find("Ready"), std::string::npos);

  auto metrics = http_get(p.port(), "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  for (const char* want : {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
                           "process_open_fds ", "process_start_time_seconds ",
                           "promlite_build_info{", "prometheus_config_last_reload_successful 1"}) {
    EXPECT_NE(metrics.body.find(want), std::string::npos) << want;
  }

  EXPECT_EQ(http_get(p.port(), "/-/reload").status, 405);
  EXPECT_EQ(http_request(p.port(), "POST", "/-/reload").status, 200);
  EXPECT_EQ(http_get(p.port(), "/no/such/page").status, 404);
  // Lifecycle API is off by default, as in Prometheus.
  EXPECT_EQ(http_request(p.port(), "POST", "/-/quit").status, 403);

  EXPECT_EQ(p.stop(SIGTERM), 0) << p.log();
  EXPECT_NE(p.log().find("exiting gracefully"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Lifecycle, BadConfigFileExitsNonZeroNamingTheProblem) {
  std::string dir = make_temp_dir("promlite-it");
  write_file(dir + "/bad.yml", "scrape_configs:\n  - job_name: a\n    scrape_intervall: 5s\n");
  std::string out;
  int code = testutil::run_binary(
      {"--config.file=" + dir + "/bad.yml", "--storage.tsdb.path=" + dir + "/data",
       "--web.listen-address=127.0.0.1:0"},
      &out);
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("line 3: field scrape_intervall not found in type config.ScrapeConfig"),
            std::string::npos)
      << out;

  code = testutil::run_binary(
      {"--config.file=" + dir + "/missing.yml", "--storage.tsdb.path=" + dir + "/data"}, &out);
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("missing.yml"), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

TEST(Lifecycle, ReloadKeepsRunningConfigWhenTheNewOneIsBad) {
  std::string dir = make_temp_dir("promlite-it");
  const std::string cfg = dir + "/prometheus.yml";
  const std::string good =
      "scrape_configs:\n  - job_name: self\n    static_configs:\n"
      "      - targets: ['127.0.0.1:9']\n";
  write_file(cfg, good);
  PromliteProcess p({"--config.file=" + cfg, "--storage.tsdb.path=" + dir + "/data"});
  ASSERT_TRUE(p.started()) << p.log();

  write_file(cfg, "scrape_configs:\n  - job_name: a\n  - job_name: a\n");
  auto r = http_request(p.port(), "POST", "/-/reload");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("line 3: found multiple scrape configs with job name \"a\""),
            std::string::npos)
      << r.body;
  EXPECT_TRUE(metrics_eventually_contain(p.port(), "prometheus_config_last_reload_successful 0"));
  EXPECT_EQ(http_get(p.port(), "/-/ready").status, 200);

  // SIGHUP reloads too; a good file again flips the metric back.
  write_file(cfg, good);
  kill(p.pid(), SIGHUP);
  EXPECT_TRUE(metrics_eventually_contain(p.port(), "prometheus_config_last_reload_successful 1"));
  EXPECT_EQ(p.stop(SIGINT), 0) << p.log();
  std::filesystem::remove_all(dir);
}

TEST(Lifecycle, DataDirectoryIsExclusive) {
  std::string dir = make_temp_dir("promlite-it");
  PromliteProcess first({"--storage.tsdb.path=" + dir});
  ASSERT_TRUE(first.started()) << first.log();
  std::string out;
  int code = testutil::run_binary(
      {"--storage.tsdb.path=" + dir, "--web.listen-address=127.0.0.1:0"}, &out);
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("in use by another process"), std::string::npos) << out;
  EXPECT_EQ(first.stop(SIGTERM), 0);
  // The lock is released at exit (and by the kernel after kill -9).
  PromliteProcess second({"--storage.tsdb.path=" + dir});
  ASSERT_TRUE(second.started()) << second.log();
  EXPECT_EQ(second.stop(SIGKILL), 128 + SIGKILL);
  PromliteProcess third({"--storage.tsdb.path=" + dir});
  EXPECT_TRUE(third.started()) << third.log();
  std::filesystem::remove_all(dir);
}

TEST(Lifecycle, FlagsErrorsVersionAndHelp) {
  std::string out;
  EXPECT_EQ(testutil::run_binary({"--no-such-flag"}, &out), 2);
  EXPECT_NE(out.find("unknown long flag '--no-such-flag'"), std::string::npos) << out;
  EXPECT_EQ(testutil::run_binary({"--storage.tsdb.retention.time=abc"}, &out), 2);
  EXPECT_NE(out.find("--storage.tsdb.retention.time"), std::string::npos) << out;
  EXPECT_EQ(testutil::run_binary({"--version"}, &out), 0);
  EXPECT_NE(out.find("promlite, version "), std::string::npos) << out;
  EXPECT_EQ(testutil::run_binary({"--help"}, &out), 0);
  EXPECT_NE(out.find("--web.listen-address"), std::string::npos) << out;
}

TEST(Lifecycle, QuitWithLifecycleEnabledAndJsonLogs) {
  std::string dir = make_temp_dir("promlite-it");
  PromliteProcess p({"--storage.tsdb.path=" + dir, "--web.enable-lifecycle", "--log.format=json"});
  ASSERT_TRUE(p.started()) << p.log();
  EXPECT_NE(p.log().find("{\"ts\":\""), std::string::npos) << p.log();
  EXPECT_EQ(http_request(p.port(), "POST", "/-/quit").status, 200);
  EXPECT_EQ(p.wait_exit(20000), 0) << p.log();
  std::filesystem::remove_all(dir);
}

TEST(Lifecycle, OversizedRequestsAreRefused) {
  std::string dir = make_temp_dir("promlite-it");
  PromliteProcess p({"--storage.tsdb.path=" + dir});
  ASSERT_TRUE(p.started()) << p.log();
  // 2 MiB of headers is past the 1 MiB limit: 431, and the server lives on.
  auto r = http_request(p.port(), "GET", "/-/healthy", "", {{"X-Big", std::string(2 << 20, 'a')}});
  EXPECT_TRUE(r.status == 431 || r.status == 0) << r.status;
  // A 40 KiB URL (Grafana sends such) is fine.
  EXPECT_EQ(http_get(p.port(), "/-/healthy?x=" + std::string(40 << 10, 'b')).status, 200);
  EXPECT_EQ(http_get(p.port(), "/-/healthy").status, 200);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace promlite
