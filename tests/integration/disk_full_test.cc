// The real binary on a full disk: its data directory is a 16 MiB tmpfs in a
// private mount namespace (nothing leaks into the host's mounts, and the
// tmpfs vanishes with the namespace). While the disk is full, remote writes
// and scrapes fail with a clear "no space" reason, the process keeps running
// and queries answer from what is stored; once space returns, ingestion
// resumes by itself, and a restart finds every acknowledged sample, once.
// Skipped where mounting is not allowed (no root, no unshare).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/testutil/fake_http_server.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/process.h"
#include "tests/testutil/remote_write_encoder.h"

namespace promlite {
namespace {

namespace fs = std::filesystem;

constexpr int kSeries = 20;
// Samples per series in one remote-write batch: enough that chunks fill (120
// samples) and the store is written to before the disk fills.
constexpr int kPerBatch = 5;

template <typename F>
bool eventually(F pred, int ms) {
  for (int i = 0; i < ms / 50; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A process that owns a private mount namespace with a small tmpfs mounted on
// `dir`; the namespace (and the tmpfs) lives as long as this process. Killed
// on destruction; its `sleep` also ends by itself should the test die.
class TmpfsNamespace {
 public:
  TmpfsNamespace(const std::string& dir, const std::string& size) : dir_(dir) {
    const std::string unshare = "/usr/bin/unshare";
    if (::access(unshare.c_str(), X_OK) != 0) {
      why_ = "no " + unshare;
      return;
    }
    std::string script =
        "mount -t tmpfs -o size=" + size + " tmpfs '" + dir + "' && exec sleep 300";
    pid_ = ::fork();
    if (pid_ == 0) {
      int null_fd = ::open("/dev/null", O_WRONLY);
      if (null_fd >= 0) {
        ::dup2(null_fd, 1);
        ::dup2(null_fd, 2);
      }
      ::execl(unshare.c_str(), "unshare", "--mount", "--propagation", "private", "sh", "-c",
              script.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Ready once the namespace's mount table shows the tmpfs.
    bool ok = eventually(
        [&] {
          int status = 0;
          if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return true;
          }
          return read_file("/proc/" + std::to_string(pid_) + "/mountinfo").find(" " + dir + " ") !=
                 std::string::npos;
        },
        5000);
    if (pid_ < 0 || !ok) why_ = "mounting a tmpfs in a private mount namespace failed";
  }
  ~TmpfsNamespace() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool ok() const { return why_.empty(); }
  const std::string& why() const { return why_; }
  // `path` (absolute) as seen inside the namespace.
  std::string inside(const std::string& path) const {
    return "/proc/" + std::to_string(pid_) + "/root" + path;
  }
  // Arguments that run promlite inside the namespace (binary: nsenter).
  std::vector<std::string> promlite_args(std::vector<std::string> args) const {
    args.insert(args.begin(),
                {"--mount=/proc/" + std::to_string(pid_) + "/ns/mnt", "--", PROMLITE_BINARY});
    return args;
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  std::string why_;
};

// Writes zeros to `path` until the filesystem is full; returns bytes written.
uint64_t fill_disk(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return 0;
  std::vector<char> block(1 << 20, 0);
  uint64_t total = 0;
  for (;;) {
    ssize_t n = ::write(fd, block.data(), block.size());
    if (n <= 0) break;
    total += static_cast<uint64_t>(n);
  }
  // The last partial block: page by page, so no byte is left free.
  for (;;) {
    ssize_t n = ::write(fd, block.data(), 512);
    if (n <= 0) break;
    total += static_cast<uint64_t>(n);
  }
  ::close(fd);
  return total;
}

// Remote-write batch i: samples k in [i*kPerBatch, (i+1)*kPerBatch) of every
// series, value k at base + k s.
int send_batch(uint16_t port, int64_t base, int i) {
  std::vector<testutil::RwSeries> series;
  for (int s = 0; s < kSeries; ++s) {
    testutil::RwSeries one{{{"__name__", "disk_full_counter"}, {"series", std::to_string(s)}}, {}};
    for (int k = i * kPerBatch; k < (i + 1) * kPerBatch; ++k) {
      one.samples.push_back({base + int64_t{k} * 1000, static_cast<double>(k)});
    }
    series.push_back(std::move(one));
  }
  std::string body = testutil::snappy_compress(testutil::encode_write_request(series));
  auto r = testutil::http_request(port, "POST", "/api/v1/write", body,
                                  {{"Content-Type", "application/x-protobuf"},
                                   {"Content-Encoding", "snappy"},
                                   {"X-Prometheus-Remote-Write-Version", "0.1.0"}});
  return r.status;
}

// Values stored per series (sorted by time), through a range query.
std::map<std::string, std::vector<double>> read_back(uint16_t port, int64_t base, int upto,
                                                     int* status) {
  std::map<std::string, std::vector<double>> out;
  double at = static_cast<double>(base + int64_t{upto} * kPerBatch * 1000) / 1000.0;
  auto r = testutil::http_get(
      port, "/api/v1/query?query=disk_full_counter%5B1h%5D&time=" + std::to_string(at));
  *status = r.status;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("data")) return out;
  for (const auto& s : j["data"]["result"]) {
    auto& v = out[s["metric"]["series"].get<std::string>()];
    for (const auto& p : s["values"]) v.push_back(std::stod(p[1].get<std::string>()));
  }
  return out;
}

// Every series holds exactly the values of the acknowledged batches, in order.
void expect_exactly(const std::map<std::string, std::vector<double>>& got,
                    const std::vector<int>& acked, const std::string& log) {
  ASSERT_EQ(got.size(), static_cast<size_t>(kSeries)) << log;
  std::vector<double> want;
  for (int i : acked) {
    for (int k = i * kPerBatch; k < (i + 1) * kPerBatch; ++k) want.push_back(k);
  }
  for (const auto& [name, values] : got) EXPECT_EQ(values, want) << "series " << name;
}

double scrape_storage_failures(uint16_t port) {
  std::string m = testutil::http_get(port, "/metrics").body;
  const std::string key = "promlite_scrape_failures_by_reason_total{reason=\"storage\"} ";
  size_t at = m.find(key);
  return at == std::string::npos ? 0 : std::atof(m.c_str() + at + key.size());
}

std::string target_health(uint16_t port, std::string* last_error) {
  auto j = nlohmann::json::parse(testutil::http_get(port, "/api/v1/targets").body, nullptr, false);
  if (j.is_discarded() || j["data"]["activeTargets"].empty()) return "";
  const auto& t = j["data"]["activeTargets"][0];
  if (last_error) *last_error = t.value("lastError", "");
  return t.value("health", "");
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(DiskFull, FailsCleanlyKeepsDataAndResumesWhenSpaceReturns) {
  const auto started = std::chrono::steady_clock::now();
  std::string dir = testutil::make_temp_dir("promlite-diskfull-it");
  struct RemoveDir {
    std::string dir;
    ~RemoveDir() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } remove_dir{dir};  // declared before the namespace: removed after it ends
  std::string data = dir + "/data";
  fs::create_directories(data);
  TmpfsNamespace ns(data, "16m");
  if (!ns.ok()) {
    GTEST_SKIP() << "no small filesystem to fill: " << ns.why();
  }

  testutil::FakeHttpServer target([](const testutil::FakeRequest&) {
    return testutil::FakeResponse{200, "text/plain; version=0.0.4",
                                  "# TYPE fluss_records_total counter\nfluss_records_total 7\n"};
  });
  std::ofstream(dir + "/prometheus.yml")
      << "global:\n  scrape_interval: 200ms\n  scrape_timeout: 150ms\n"
      << "scrape_configs:\n  - job_name: fluss\n    static_configs:\n      - targets: ['"
      << target.address() << "']\n";
  const std::vector<std::string> args =
      ns.promlite_args({"--config.file=" + dir + "/prometheus.yml", "--storage.tsdb.path=" + data,
                        "--web.enable-remote-write-receiver", "--log.level=debug"});
  const int64_t base = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                               .count() /
                           1000 * 1000 -
                       3'600'000;

  std::vector<int> acked;  // batches answered 2xx
  int next = 0;
  std::string logs;  // of every run
  const std::string filler = ns.inside(data + "/filler");
  // Sends batches until `failures` of them failed (500) or `tries` ran out.
  auto send_until_failures = [&](uint16_t port, int failures, int tries) {
    int failed = 0;
    for (; tries > 0 && failed < failures; --tries, ++next) {
      int status = send_batch(port, base, next);
      if (status / 100 == 2) {
        acked.push_back(next);  // e.g. the WAL segment's last page still had room
      } else {
        EXPECT_EQ(status, 500);
        ++failed;
      }
    }
    return failed;
  };
  auto check_stored = [&](testutil::PromliteProcess& p) {
    int status = 0;
    auto got = read_back(p.port(), base, next, &status);
    ASSERT_EQ(status, 200) << p.log();
    expect_exactly(got, acked, p.log());
  };
  {
    testutil::PromliteProcess p(args, "/usr/bin/nsenter");
    ASSERT_TRUE(p.started()) << p.log();
    for (; next < 50; ++next) {
      ASSERT_EQ(send_batch(p.port(), base, next), 204) << p.log();
      acked.push_back(next);
    }
    ASSERT_TRUE(eventually([&] { return target_health(p.port(), nullptr) == "up"; }, 3000))
        << p.log();

    // Disk full: the filler takes every free byte of the tmpfs.
    ASSERT_GT(fill_disk(filler), 0u);
    ASSERT_EQ(send_until_failures(p.port(), 20, 400), 20)
        << "remote writes never failed on a full disk\n"
        << p.log();
    // Scrapes fail too, with the storage reason and the error on the target.
    std::string last_error;
    EXPECT_TRUE(eventually(
        [&] {
          return scrape_storage_failures(p.port()) > 0 &&
                 target_health(p.port(), &last_error) == "down";
        },
        3000))
        << p.log();
    EXPECT_NE(last_error.find("No space left on device"), std::string::npos) << last_error;
    // Still serving, from what is stored.
    ASSERT_EQ(::kill(p.pid(), 0), 0) << p.log();
    check_stored(p);
    // A stop on a full disk is still clean (its final flush fails; the WAL
    // keeps the samples).
    EXPECT_EQ(p.stop(SIGTERM), 0) << p.log();
    logs += p.log();
  }
  {
    // A start on a completely full disk fails, as Prometheus's does (RocksDB
    // must write a new MANIFEST): a clear error and exit code 1, not an abort.
    fill_disk(filler + "2");
    testutil::PromliteProcess p(args, "/usr/bin/nsenter");
    EXPECT_FALSE(p.started());
    EXPECT_EQ(p.wait_exit(10000), 1) << p.log();
    EXPECT_NE(p.log().find("No space left on device"), std::string::npos) << p.log();
    ASSERT_TRUE(fs::remove(filler + "2"));
  }
  {
    // Started again with the disk still full, less the few KB that start freed:
    // it serves what is stored and refuses new samples.
    ASSERT_GT(fill_disk(filler + "2"), 0u);
    ::truncate(filler.c_str(), static_cast<off_t>(fs::file_size(filler)) - (64 << 10));
    testutil::PromliteProcess p(args, "/usr/bin/nsenter");
    ASSERT_TRUE(p.started()) << p.log();
    check_stored(p);
    EXPECT_EQ(send_until_failures(p.port(), 3, 100), 3) << p.log();
    ASSERT_TRUE(fs::remove(filler + "2"));

    // Space returns: ingestion resumes without help.
    ASSERT_TRUE(fs::remove(filler));
    bool resumed = eventually(
        [&] {
          int st = send_batch(p.port(), base, next);
          if (st / 100 != 2) return false;
          acked.push_back(next++);
          return true;
        },
        8000);
    ASSERT_TRUE(resumed) << p.log();
    for (int i = 0; i < 20; ++i, ++next) {
      ASSERT_EQ(send_batch(p.port(), base, next), 204) << p.log();
      acked.push_back(next);
    }
    EXPECT_TRUE(eventually([&] { return target_health(p.port(), nullptr) == "up"; }, 3000))
        << p.log();
    check_stored(p);
    EXPECT_EQ(p.stop(SIGTERM), 0) << p.log();
    logs += p.log();
  }
  // The errors are logged, but not once per rejected sample.
  EXPECT_GT(count(logs, "No space left on device"), 0u) << logs;
  EXPECT_LT(count(logs, "No space left on device"), 200u) << logs;
  // The stop on a full disk did not hand RocksDB a write its WAL could not
  // take (that would be unrecoverable until a restart): it was refused first.
  EXPECT_NE(logs.find("writing chunks: No space left on device"), std::string::npos) << logs;
  EXPECT_EQ(logs.find("chunk writes stop until restart"), std::string::npos) << logs;

  // A restart finds every acknowledged sample, once and in order.
  {
    testutil::PromliteProcess p(args, "/usr/bin/nsenter");
    ASSERT_TRUE(p.started()) << p.log();
    check_stored(p);
    EXPECT_EQ(p.stop(SIGTERM), 0) << p.log();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15));
}

}  // namespace
}  // namespace promlite
