// remote_write end to end: a promlite sender scrapes a loopback target and
// forwards what it stores to real receivers (VictoriaMetrics, Prometheus with
// --web.enable-remote-write-receiver, a second promlite) and to an in-test
// receiver that records every sample it accepts, so that loss and duplicates
// are counted exactly. Every test compares the sender's raw samples (a range
// selector at a fixed time) with what arrived.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "tests/integration/differential_prometheus.h"
#include "tests/remote/fake_receiver.h"
#include "tests/testutil/fake_http_server.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/process.h"

namespace promlite {
namespace {

using nlohmann::json;
using remote::testing::FakeReceiver;
using testutil::FakeHttpServer;
using testutil::FakeRequest;
using testutil::FakeResponse;
using testutil::PromliteProcess;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool eventually(const std::function<bool()>& f, int ms) {
  for (auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
       std::chrono::steady_clock::now() < end;) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return f();
}

// A child process (VictoriaMetrics, Prometheus) killed when the test ends,
// passed or failed.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& log) : log_(log) {
    pid_ = differential::spawn_to_log(argv, log);
  }
  ~Child() { stop(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Polls GET path until 200 (or the child exits); false on timeout.
  bool wait_ready(uint16_t port, const std::string& path, int ms) {
    return eventually(
        [&] {
          int st;
          if (pid_ > 0 && waitpid(pid_, &st, WNOHANG) == pid_) pid_ = -1;
          return pid_ > 0 && testutil::http_get(port, path).status == 200;
        },
        ms);
  }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int st;
    for (int i = 0; i < 100 && waitpid(pid_, &st, WNOHANG) != pid_; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (kill(pid_, 0) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &st, 0);
    }
    pid_ = -1;
  }
  std::string log() const { return differential::read_file(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

// The scrape target: 20 counters and a gauge that change every scrape.
class Target {
 public:
  Target()
      : server_([this](const FakeRequest&) {
          int n = ++scrapes_;
          std::string b = "# TYPE fwd_requests_total counter\n";
          for (int i = 0; i < 20; ++i) {
            b += "fwd_requests_total{path=\"/p" + std::to_string(i) + "\"} " +
                 std::to_string(n * (i + 1)) + "\n";
          }
          char g[64];
          std::snprintf(g, sizeof g, "fwd_temperature %.17g\n", 20 + std::sin(n * 0.7) * 3.3);
          return FakeResponse{200, "text/plain; version=0.0.4", b + g};
        }) {}
  std::string address() const { return server_.address(); }
  int scrapes() const { return scrapes_.load(); }

 private:
  std::atomic<int> scrapes_{0};
  FakeHttpServer server_;
};

// Raw samples: series (labels as "name=value,..." sorted by name) -> t_ms -> value.
using Raw = std::map<std::string, std::map<int64_t, double>>;

// The raw samples of the target's job at `at_ms` (a range selector).
std::optional<Raw> raw_samples(uint16_t port, int64_t at_ms) {
  char t[32];
  std::snprintf(t, sizeof t, "%.3f", static_cast<double>(at_ms) / 1000.0);
  auto r = testutil::http_get(
      port, "/api/v1/query?query=" + testutil::url_encode("{job=\"src\"}[1h]") + "&time=" + t);
  if (r.status != 200) return std::nullopt;
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || j.value("status", "") != "success") return std::nullopt;
  Raw out;
  for (const json& s : j["data"]["result"]) {
    std::string key;
    for (const auto& [k, v] : s["metric"].items()) {  // json objects iterate sorted
      key += (key.empty() ? "" : ",") + k + "=" + v.get<std::string>();
    }
    auto& samples = out[key];
    for (const json& p : s["values"]) {
      samples[std::llround(p[0].get<double>() * 1000)] = std::stod(p[1].get<std::string>());
    }
  }
  return out;
}

// Equal series and timestamps; values equal to `rel` relative error
// (VictoriaMetrics stores floats as decimals of limited precision).
std::string diff(const Raw& want, const Raw& got, double rel) {
  for (const auto& [series, samples] : want) {
    auto it = got.find(series);
    if (it == got.end()) return "missing series " + series;
    if (it->second.size() != samples.size()) {
      return series + ": " + std::to_string(it->second.size()) + " samples, want " +
             std::to_string(samples.size());
    }
    for (const auto& [t, v] : samples) {
      auto s = it->second.find(t);
      if (s == it->second.end()) return series + ": no sample at " + std::to_string(t);
      if (!(s->second == v || std::fabs(s->second - v) <= rel * std::fabs(v))) {
        char buf[128];
        std::snprintf(buf, sizeof buf, ": %.17g at %lld, want %.17g", s->second,
                      static_cast<long long>(t), v);
        return series + buf;
      }
    }
  }
  if (got.size() != want.size()) return "extra series";
  return "";
}

size_t count(const Raw& r) {
  size_t n = 0;
  for (const auto& [k, v] : r) n += v.size();
  return n;
}

// What an in-test receiver accepted, with how often each sample came, up to at_ms.
std::map<std::pair<std::string, int64_t>, int> received(const FakeReceiver& rx, int64_t at_ms) {
  std::map<std::pair<std::string, int64_t>, int> out;
  for (const auto& s : rx.samples()) {
    if (s.t <= at_ms && s.labels.find("job=src") != std::string::npos) ++out[{s.labels, s.t}];
  }
  return out;
}

double sender_metric(uint16_t port, const std::string& prefix) {
  std::string body = testutil::http_get(port, "/metrics").body;
  size_t p = body.find("\n" + prefix);
  if (p == std::string::npos) return -1;
  size_t sp = body.find(' ', body.find('}', p));
  return std::stod(body.substr(sp + 1));
}

class RemoteWriteForward : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testutil::make_temp_dir("rw_forward"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The sender's config: scrape the target every 200ms, forward to `urls`.
  std::string sender_config(const std::vector<std::pair<std::string, std::string>>& urls) {
    std::string path = dir_ + "/sender.yml";
    std::ofstream f(path);
    f << "global:\n  scrape_interval: 200ms\n  scrape_timeout: 200ms\n"
      << "scrape_configs:\n  - job_name: src\n    static_configs:\n"
      << "      - targets: ['" << target_.address() << "']\n"
      << "remote_write:\n";
    for (const auto& [name, url] : urls) {
      f << "  - url: " << url << "\n    name: " << name << "\n"
        << "    queue_config: {batch_send_deadline: 100ms, min_backoff: 20ms, max_backoff: "
           "200ms}\n";
    }
    return path;
  }
  std::unique_ptr<PromliteProcess> start_sender(const std::string& config) {
    auto p = std::make_unique<PromliteProcess>(
        std::vector<std::string>{"--config.file=" + config, "--storage.tsdb.path=" + dir_ + "/tx"});
    EXPECT_TRUE(p->started()) << p->log();
    return p;
  }
  // Waits for `n` more scrapes of the target.
  void scrapes(int n) {
    int want = target_.scrapes() + n;
    ASSERT_TRUE(eventually([&] { return target_.scrapes() >= want; }, 15000));
  }

  std::string dir_;
  Target target_;
};

TEST_F(RemoteWriteForward, RealReceiversGetExactlyWhatPromliteStored) {
  std::string vm_bin = "/usr/bin/victoria-metrics";
  std::string prom_bin = differential::find_on_path("prometheus");
  const bool have_vm = ::access(vm_bin.c_str(), X_OK) == 0;
  std::unique_ptr<Child> vm, prom;
  uint16_t vm_port = 0, prom_port = 0;
  // Start every receiver first; they come up in parallel.
  if (have_vm) {
    vm_port = differential::free_port();
    vm = std::make_unique<Child>(
        std::vector<std::string>{vm_bin, "-httpListenAddr=127.0.0.1:" + std::to_string(vm_port),
                                 "-storageDataPath=" + dir_ + "/vm", "-search.latencyOffset=0s",
                                 "-search.disableCache", "-loggerLevel=ERROR"},
        dir_ + "/vm.log");
  }
  if (!prom_bin.empty()) {
    prom_port = differential::free_port();
    std::ofstream(dir_ + "/prometheus.yml") << "global:\n  scrape_interval: 1m\n";
    prom = std::make_unique<Child>(
        std::vector<std::string>{prom_bin, "--config.file=" + dir_ + "/prometheus.yml",
                                 "--storage.tsdb.path=" + dir_ + "/prometheus",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(prom_port),
                                 "--web.enable-remote-write-receiver"},
        dir_ + "/prometheus.log");
  }
  PromliteProcess rx({"--storage.tsdb.path=" + dir_ + "/rx", "--web.enable-remote-write-receiver"});
  ASSERT_TRUE(rx.started()) << rx.log();
  std::vector<std::pair<std::string, std::string>> urls = {
      {"promlite", "http://127.0.0.1:" + std::to_string(rx.port()) + "/api/v1/write"}};
  if (vm) {
    ASSERT_TRUE(vm->wait_ready(vm_port, "/health", 15000)) << vm->log();
    urls.push_back({"vm", "http://127.0.0.1:" + std::to_string(vm_port) + "/api/v1/write"});
  }
  if (prom) {
    ASSERT_TRUE(prom->wait_ready(prom_port, "/-/ready", 30000)) << prom->log();
    urls.push_back(
        {"prometheus", "http://127.0.0.1:" + std::to_string(prom_port) + "/api/v1/write"});
  }
  auto sender = start_sender(sender_config(urls));
  ASSERT_TRUE(sender->started());
  scrapes(8);
  const int64_t at = now_ms() - 300;  // every scrape up to here is stored
  auto want = raw_samples(sender->port(), at);
  ASSERT_TRUE(want && count(*want) >= 6 * 21) << (want ? count(*want) : 0) << sender->log();

  auto check = [&](const char* name, uint16_t port, double rel) {
    std::optional<Raw> got;
    std::string why;
    bool same = eventually(
        [&] {
          if (port == vm_port) testutil::http_get(vm_port, "/internal/force_flush");
          got = raw_samples(port, at);
          why = got ? diff(*want, *got, rel) : "query failed";
          return why.empty();
        },
        10000);
    EXPECT_TRUE(same) << name << " has " << (got ? count(*got) : 0) << " samples in "
                      << (got ? got->size() : 0) << " series, the sender " << count(*want) << " in "
                      << want->size() << ": " << why;
  };
  check("promlite", rx.port(), 0);
  if (vm) check("VictoriaMetrics", vm_port, 1e-12);
  if (prom) check("Prometheus", prom_port, 0);
  EXPECT_EQ(sender_metric(sender->port(), "prometheus_remote_storage_samples_failed_total{"), 0);
  EXPECT_EQ(sender->stop(SIGTERM), 0);
  if (!vm || !prom) {
    GTEST_SKIP() << "checked promlite" << (vm ? " and VictoriaMetrics" : "")
                 << (prom ? " and Prometheus" : "")
                 << " only: install victoria-metrics and prometheus (scripts/setup.sh --test)";
  }
}

// A receiver that is down for a while gets every sample once it is back,
// each exactly once.
TEST_F(RemoteWriteForward, ReceiverDownAndBackGetsEverySampleOnce) {
  auto rx = std::make_unique<FakeReceiver>([](int) { return 204; });
  const uint16_t port = rx->port();
  auto sender = start_sender(sender_config({{"fake", rx->url()}}));
  ASSERT_TRUE(sender->started());
  scrapes(3);
  auto before = rx->samples();  // what the first receiver accepted
  rx.reset();                   // down: connections refused
  scrapes(8);                   // 1.6 s of backlog
  rx = std::make_unique<FakeReceiver>([](int) { return 204; }, port);
  scrapes(2);
  const int64_t at = now_ms() - 300;
  auto want = raw_samples(sender->port(), at);
  ASSERT_TRUE(want && count(*want) >= 11 * 21) << (want ? count(*want) : 0);
  std::map<std::pair<std::string, int64_t>, int> got;
  ASSERT_TRUE(eventually(
      [&] {
        got = received(*rx, at);
        for (const auto& smp : before) {
          if (smp.t <= at && smp.labels.find("job=src") != std::string::npos) {
            ++got[{smp.labels, smp.t}];
          }
        }
        return got.size() >= count(*want);
      },
      10000))
      << got.size() << " of " << count(*want);
  // Exactly the stored samples, each once.
  EXPECT_EQ(got.size(), count(*want));
  for (const auto& [series, samples] : *want) {
    for (const auto& [t, v] : samples) {
      auto it = got.find({series, t});
      EXPECT_TRUE(it != got.end()) << "lost " << series << " @" << t;
      if (it != got.end()) {
        EXPECT_EQ(it->second, 1) << series << " @" << t;
      }
    }
  }
  EXPECT_GT(sender_metric(sender->port(), "prometheus_remote_storage_samples_retried_total{"), 0);
}

// Stops the sender with `sig` while the receiver refuses everything (503),
// starts it again on the same data directory and lets the receiver recover:
// every sample the sender stored must arrive. run() returns the duplicates:
// what was acknowledged after the last saved position (saved every second).
class RemoteWriteRestart : public RemoteWriteForward {
 protected:
  size_t run(int sig) {
    std::atomic<bool> down{false};
    FakeReceiver rx([&down](int) { return down ? 503 : 204; });
    const std::string cfg = sender_config({{"fake", rx.url()}});
    auto sender = start_sender(cfg);
    EXPECT_TRUE(sender->started());
    scrapes(4);
    down = true;  // the backlog builds up in the WAL
    scrapes(4);
    EXPECT_EQ(sender->stop(sig), sig == SIGKILL ? 128 + SIGKILL : 0);
    sender = start_sender(cfg);
    EXPECT_TRUE(sender->started());
    scrapes(1);
    down = false;
    scrapes(3);
    const int64_t at = now_ms() - 300;
    auto want = raw_samples(sender->port(), at);
    EXPECT_TRUE(want && count(*want) >= 10 * 21) << (want ? count(*want) : 0);
    if (!want) return 0;
    std::map<std::pair<std::string, int64_t>, int> got;
    EXPECT_TRUE(eventually(
        [&] {
          got = received(rx, at);
          return got.size() >= count(*want);
        },
        10000))
        << got.size() << " of " << count(*want) << "\n"
        << sender->log();
    size_t duplicates = 0;
    for (const auto& [series, samples] : *want) {
      for (const auto& [ts, v] : samples) {
        auto it = got.find({series, ts});
        EXPECT_TRUE(it != got.end()) << "lost " << series << " @" << ts;
        if (it != got.end()) duplicates += it->second - 1;
      }
    }
    RecordProperty("duplicates", static_cast<int>(duplicates));
    return duplicates;
  }
};

// SIGKILL: nothing lost (the WAL is written before a scrape commits; only a
// machine crash loses its unsynced tail); the duplicates are at most what was
// acknowledged in the second before the kill.
TEST_F(RemoteWriteRestart, SigkillWithBacklogLosesNothing) {
  size_t duplicates = run(SIGKILL);
  EXPECT_LE(duplicates, 8u * 26) << duplicates;  // 1.6 s of scrapes, 26 samples each
}

// SIGTERM: the position is saved at stop and the WAL segments holding the
// backlog survive the shutdown checkpoint: nothing lost, nothing twice.
TEST_F(RemoteWriteRestart, GracefulRestartWithBacklogLosesNothing) { EXPECT_EQ(run(SIGTERM), 0u); }

// A batch the receiver refuses with 400 is dropped and counted; the batches
// before and after it arrive.
TEST_F(RemoteWriteForward, BadBatchCostsOnlyThatBatch) {
  FakeReceiver rx([](int n) { return n == 2 ? 400 : 204; });
  auto sender = start_sender(sender_config({{"fake", rx.url()}}));
  ASSERT_TRUE(sender->started());
  scrapes(6);
  const int64_t at = now_ms() - 300;
  auto want = raw_samples(sender->port(), at);
  ASSERT_TRUE(want);
  ASSERT_TRUE(eventually([&] { return rx.requests() >= 4; }, 5000));
  double failed = -1;
  ASSERT_TRUE(eventually(
      [&] {
        failed = sender_metric(sender->port(), "prometheus_remote_storage_samples_failed_total{");
        return failed > 0;
      },
      5000));
  std::map<std::pair<std::string, int64_t>, int> got;
  eventually(
      [&] {
        got = received(rx, at);
        return got.size() + static_cast<size_t>(failed) >= count(*want);
      },
      5000);
  EXPECT_EQ(got.size() + static_cast<size_t>(failed), count(*want));
  EXPECT_LE(failed, 2000);  // one batch at most
  for (const auto& [key, n] : got) EXPECT_EQ(n, 1) << key.first << " @" << key.second;
}

}  // namespace
}  // namespace promlite
