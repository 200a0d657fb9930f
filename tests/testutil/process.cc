#include "tests/testutil/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#ifndef PROMLITE_BINARY
#define PROMLITE_BINARY "promlite"
#endif

namespace promlite::testutil {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

pid_t spawn(const std::string& binary, const std::vector<std::string>& args,
            const std::string& out_path) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  char* dir = mkdtemp(tmpl.data());
  return dir ? std::string(dir) : std::string();
}

PromliteProcess::PromliteProcess(std::vector<std::string> args, const std::string& binary,
                                 int timeout_ms) {
  std::string bin = binary.empty() ? PROMLITE_BINARY : binary;
  bool has_listen = false;
  for (const auto& a : args) has_listen |= a.rfind("--web.listen-address", 0) == 0;
  if (!has_listen) args.push_back("--web.listen-address=127.0.0.1:0");
  log_path_ = make_temp_dir("promlite-log") + "/promlite.log";
  pid_ = spawn(bin, args, log_path_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    // The line "msg=Listening address=<host>:<port>" (logfmt) or its JSON twin.
    std::string text = read_all(log_path_);
    size_t at = text.find("Listening");
    size_t addr = at == std::string::npos ? at : text.find("address", at);
    size_t eol = addr == std::string::npos ? addr : text.find('\n', addr);
    if (eol != std::string::npos) {
      std::string line = text.substr(addr, eol - addr);
      size_t colon = line.rfind(':');
      size_t end = line.find_first_not_of("0123456789", colon + 1);
      port_ = static_cast<uint16_t>(std::stoi(line.substr(colon + 1, end - colon - 1)));
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = decode_status(status);
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

PromliteProcess::~PromliteProcess() {
  if (pid_ > 0) stop(SIGKILL, 5000);
}

std::string PromliteProcess::log() const { return read_all(log_path_); }

int PromliteProcess::wait_exit(int timeout_ms) {
  if (pid_ <= 0) return exit_code_;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = decode_status(status);
      pid_ = -1;
      return exit_code_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

int PromliteProcess::stop(int sig, int timeout_ms) {
  if (pid_ <= 0) return exit_code_;
  kill(pid_, sig);
  int code = wait_exit(timeout_ms);
  if (code == -1 && pid_ > 0) {
    kill(pid_, SIGKILL);
    code = wait_exit(5000);
  }
  return code;
}

int run_binary(const std::vector<std::string>& args, std::string* output,
               const std::string& binary) {
  std::string bin = binary.empty() ? PROMLITE_BINARY : binary;
  std::string out_path = make_temp_dir("promlite-run") + "/out.txt";
  pid_t pid = spawn(bin, args, out_path);
  int status = 0;
  waitpid(pid, &status, 0);
  if (output) *output = read_all(out_path);
  return decode_status(status);
}

}  // namespace promlite::testutil
