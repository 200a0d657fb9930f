// Exclusive ownership of a data directory: one promlite per directory, in
// server (tsdb::DB) and agent (tsdb::agent::AgentStorage) mode alike.
//
// Header-only: the agent's library links only model and the WAL, not the
// tsdb library around it.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "model/status.h"

namespace promlite::tsdb {

// Holds an flock(2) on <dir>/lock for its lifetime; the file holds the
// holder's pid. The lock dies with the process, so a kill -9 never leaves a
// stale lock behind. Not copyable; destroy it to release the lock.
class DataDirLock {
 public:
  // Creates the directory if needed and takes the lock; fails with
  // kAlreadyExists when another process holds it (the message names its pid),
  // kIOError for other failures.
  static Result<std::unique_ptr<DataDirLock>> acquire(const std::string& dir);
  ~DataDirLock() { ::close(fd_); }

  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

  const std::string& dir() const { return dir_; }

 private:
  DataDirLock(std::string dir, int fd) : dir_(std::move(dir)), fd_(fd) {}
  std::string dir_;
  int fd_;
};

inline Result<std::unique_ptr<DataDirLock>> DataDirLock::acquire(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error("create data directory \"" + dir + "\": " + ec.message());
  std::string path = (std::filesystem::path(dir) / "lock").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char pid[32] = {0};
    ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    ::close(fd);
    std::string holder = n > 0 ? std::string(pid, static_cast<size_t>(n)) : "unknown";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    if (err == EWOULDBLOCK) {
      return Status(
          StatusCode::kAlreadyExists,
          "data directory \"" + dir + "\" is in use by another process (pid " + holder + ")");
    }
    return io_error("lock " + path + ": " + std::strerror(err));
  }
  std::string me = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) < 0) {
    int err = errno;
    ::close(fd);
    return io_error("write " + path + ": " + std::strerror(err));
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(dir, fd));
}

}  // namespace promlite::tsdb
