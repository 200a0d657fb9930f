// Prometheus's own client, promtool (Debian's prometheus package, installed by
// `scripts/setup.sh --test`), querying promlite must not notice the difference.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "tests/testutil/http_client.h"
#include "tests/testutil/process.h"

namespace promlite {
namespace {

// Runs a shell command; returns its exit code and stdout+stderr.
int run(const std::string& cmd, std::string* out) {
  out->clear();
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (!f) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, n);
  int status = pclose(f);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Promtool, QueriesPromlite) {
  std::string out;
  ASSERT_EQ(run("command -v promtool", &out), 0)
      << "promtool not found: run scripts/setup.sh --test (Debian package prometheus)";
  std::string dir = testutil::make_temp_dir("promlite-promtool-it");
  // No config file: the embedded default scrapes promlite itself every 15s;
  // the first scrape comes within one interval.
  testutil::PromliteProcess p({"--storage.tsdb.path=" + dir});
  ASSERT_TRUE(p.started()) << p.log();
  std::string url = "http://127.0.0.1:" + std::to_string(p.port());
  bool scraped = false;
  for (int i = 0; i < 400 && !scraped; ++i) {
    scraped = testutil::http_get(p.port(), "/api/v1/query?query=up").body.find("\"1\"]") !=
              std::string::npos;
    if (!scraped) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(scraped) << p.log();

  EXPECT_EQ(run("promtool query instant " + url + " 'up'", &out), 0) << out;
  EXPECT_NE(out.find("up{instance=\"127.0.0.1:" + std::to_string(p.port()) +
                     "\", job=\"promlite\"} => 1 @["),
            std::string::npos)
      << out;
  EXPECT_EQ(run("promtool query instant " + url + " '1+1'", &out), 0) << out;
  EXPECT_NE(out.find("2 @["), std::string::npos) << out;

  // The end lies past the scrape: a whole-second `now` can precede a sample
  // taken earlier in the same second.
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  EXPECT_EQ(run("promtool query range --start=" + std::to_string(now - 60) +
                    " --end=" + std::to_string(now + 30) + " --step=15s " + url + " 'up'",
                &out),
            0)
      << out;
  EXPECT_NE(out.find("up{instance="), std::string::npos) << out;
  EXPECT_NE(out.find("1 @["), std::string::npos) << out;

  EXPECT_EQ(run("promtool query series --match='up' " + url, &out), 0) << out;
  EXPECT_NE(out.find("{__name__=\"up\", instance="), std::string::npos) << out;

  EXPECT_EQ(run("promtool query labels " + url + " job", &out), 0) << out;
  EXPECT_NE(out.find("promlite"), std::string::npos) << out;

  // A bad query: promtool reports Prometheus's error and exits non-zero.
  EXPECT_NE(run("promtool query instant " + url + " 'sum('", &out), 0) << out;
  EXPECT_NE(out.find("bad_data"), std::string::npos) << out;

  EXPECT_EQ(p.stop(SIGTERM), 0) << p.log();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace promlite
