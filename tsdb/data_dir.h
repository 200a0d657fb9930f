// Exclusive ownership of a data directory: one promlite per directory.
#pragma once

#include <memory>
#include <string>

#include "model/status.h"

namespace promlite::tsdb {

// Holds an flock(2) on <dir>/lock for its lifetime. The lock dies with the
// process, so a kill -9 never leaves a stale lock behind.
class DataDirLock {
 public:
  // Creates the directory if needed and takes the lock; fails with
  // kAlreadyExists when another process holds it.
  static Result<std::unique_ptr<DataDirLock>> acquire(const std::string& dir);
  ~DataDirLock();

  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

  const std::string& dir() const { return dir_; }

 private:
  DataDirLock(std::string dir, int fd) : dir_(std::move(dir)), fd_(fd) {}
  std::string dir_;
  int fd_;
};

}  // namespace promlite::tsdb
