// Starts the real promlite binary for integration tests and stops it again.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace promlite::testutil {

class PromliteProcess {
 public:
  // Starts `binary` with `args` plus --web.listen-address=127.0.0.1:0 (unless
  // args set one) and waits up to `timeout_ms` for it to log its port.
  // stderr goes to a log file in a temp dir.
  explicit PromliteProcess(std::vector<std::string> args, const std::string& binary = "",
                           int timeout_ms = 20000);
  ~PromliteProcess();

  bool started() const { return port_ != 0; }
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string log() const;

  // Sends `sig` and waits for exit; returns the exit code (128+signal if killed).
  int stop(int sig, int timeout_ms = 20000);
  // Waits for the process to exit on its own (e.g. a bad flag).
  int wait_exit(int timeout_ms = 20000);

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string log_path_;
  int exit_code_ = -1;
};

// Runs the binary to completion; returns the exit code and captures output.
int run_binary(const std::vector<std::string>& args, std::string* output,
               const std::string& binary = "");

// A fresh empty directory under /tmp, removed by the caller if it wants.
std::string make_temp_dir(const std::string& prefix);

}  // namespace promlite::testutil
