// Crash safety of the real binary: samples acknowledged by the remote-write
// receiver (committed to storage) survive kill -9 at random moments, with no
// duplicates and no corruption, restart after restart.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "tests/testutil/http_client.h"
#include "tests/testutil/process.h"
#include "tests/testutil/remote_write_encoder.h"

namespace promlite {
namespace {

constexpr int kSeries = 20;
constexpr int64_t kBase = 1'700'000'000'000;  // ms; every batch i is at kBase + i*1000

// Sends batch i (one sample per series, value i); true on 2xx.
bool send_batch(uint16_t port, int i) {
  std::vector<testutil::RwSeries> series;
  for (int s = 0; s < kSeries; ++s) {
    series.push_back({{{"__name__", "crash_test_counter"}, {"series", std::to_string(s)}},
                      {{kBase + int64_t{i} * 1000, static_cast<double>(i)}}});
  }
  std::string body = testutil::snappy_compress(testutil::encode_write_request(series));
  auto r = testutil::http_request(port, "POST", "/api/v1/write", body,
                                  {{"Content-Type", "application/x-protobuf"},
                                   {"Content-Encoding", "snappy"},
                                   {"X-Prometheus-Remote-Write-Version", "0.1.0"}});
  return r.status / 100 == 2;
}

// Every stored sample per series, via a range-vector instant query.
std::map<std::string, std::vector<std::pair<double, double>>> read_back(uint16_t port, int upto) {
  std::map<std::string, std::vector<std::pair<double, double>>> out;
  double at = static_cast<double>(kBase + int64_t{upto} * 1000) / 1000.0;
  auto r = testutil::http_get(
      port, "/api/v1/query?query=crash_test_counter%5B1d%5D&time=" + std::to_string(at));
  EXPECT_EQ(r.status, 200) << r.body;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return out;
  for (const auto& s : j["data"]["result"]) {
    auto& v = out[s["metric"]["series"].get<std::string>()];
    for (const auto& p : s["values"]) {
      v.emplace_back(p[0].get<double>(), std::stod(p[1].get<std::string>()));
    }
  }
  return out;
}

TEST(Crash, KillNineNeverLosesAcknowledgedSamples) {
  std::string dir = testutil::make_temp_dir("promlite-crash-it");
  std::vector<std::string> args = {"--storage.tsdb.path=" + dir,
                                   "--web.enable-remote-write-receiver"};
  std::mt19937 rng(42);
  int next = 0;    // next batch to send
  int acked = -1;  // highest batch acknowledged
  for (int round = 0; round < 4; ++round) {
    testutil::PromliteProcess p(args);
    ASSERT_TRUE(p.started()) << p.log();
    if (acked >= 0) {
      // Everything acknowledged before the kill is there, once, in order.
      auto got = read_back(p.port(), next + 10);
      ASSERT_EQ(got.size(), static_cast<size_t>(kSeries)) << p.log();
      for (const auto& [name, samples] : got) {
        ASSERT_GE(samples.size(), static_cast<size_t>(acked + 1)) << "series " << name;
        for (size_t k = 0; k < samples.size(); ++k) {
          ASSERT_DOUBLE_EQ(samples[k].second, static_cast<double>(k)) << "series " << name;
          ASSERT_DOUBLE_EQ(samples[k].first, static_cast<double>(kBase + int64_t(k) * 1000) / 1000)
              << "series " << name;
        }
      }
      next = acked + 1;  // resending an unacknowledged batch is idempotent
    }
    // Write for a random while, then kill -9 mid-stream.
    std::atomic<bool> stop{false};
    std::thread writer([&] {
      while (!stop.load()) {
        if (!send_batch(p.port(), next)) break;
        acked = next++;
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 450));
    ::kill(p.pid(), SIGKILL);
    stop = true;
    writer.join();
    p.stop(SIGKILL);
    ASSERT_GT(acked, 0);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace promlite
