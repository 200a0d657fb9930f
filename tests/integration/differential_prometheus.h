// A real Prometheus for the differential test: finds the binaries, backfills
// an OpenMetrics file with promtool and runs `prometheus` on a free loopback
// port over the result. Header-only (the suite compiles only *_test.cc).
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/testutil/http_client.h"

namespace promlite::differential {

// The absolute path of `name` on $PATH, or "" when it is not installed.
inline std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string cand = p.substr(start, end - start) + "/" + name;
    if (!cand.empty() && access(cand.c_str(), X_OK) == 0) return cand;
    start = end + 1;
  }
  return "";
}

// A loopback port nobody listened on a moment ago.
inline uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

// Starts argv[0] with stdout and stderr appended to `log`; returns its pid.
inline pid_t spawn_to_log(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// Runs argv to completion with output to `log`; returns the exit code.
inline int run_to_log(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = spawn_to_log(argv, log);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class PrometheusServer {
 public:
  // Backfills `openmetrics_file` into dir/data and starts Prometheus there.
  // On failure started() is false and log() says why.
  PrometheusServer(const std::string& prometheus, const std::string& promtool,
                   const std::string& openmetrics_file, const std::string& dir)
      : log_path_(dir + "/prometheus.log") {
    std::string data = dir + "/data";
    if (run_to_log({promtool, "tsdb", "create-blocks-from", "openmetrics", openmetrics_file, data},
                   log_path_) != 0) {
      return;
    }
    std::ofstream(dir + "/prometheus.yml") << "global:\n  scrape_interval: 15s\n";
    uint16_t port = free_port();
    std::vector<std::string> argv = {prometheus, "--config.file=" + dir + "/prometheus.yml",
                                     "--storage.tsdb.path=" + data,
                                     "--storage.tsdb.retention.time=10y",
                                     "--web.listen-address=127.0.0.1:" + std::to_string(port)};
    pid_ = spawn_to_log(argv, log_path_);
    for (int i = 0; i < 300; ++i) {  // up to 30 s
      if (testutil::http_get(port, "/-/ready").status == 200) {
        port_ = port;
        return;
      }
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  ~PrometheusServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status;
      for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) != pid_; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (kill(pid_, 0) == 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
    }
  }

  bool started() const { return port_ != 0; }
  uint16_t port() const { return port_; }
  std::string log() const { return read_file(log_path_); }

 private:
  std::string log_path_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace promlite::differential
