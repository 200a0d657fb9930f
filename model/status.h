// Status and Result<T>: the error currency of every promlite module.
//
// A Status is either ok or carries a code and a human-readable message. Both
// types are [[nodiscard]]: ignoring a returned error is a compile error under
// -Werror. Result<T> holds a value or a non-ok Status, never both.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace promlite {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // bad input from a user, a file or a peer
  kNotFound,           // the named thing does not exist
  kAlreadyExists,      // e.g. a data directory locked by another process
  kOutOfOrder,         // sample older than the newest one of its series
  kDuplicateSample,    // same timestamp, different value
  kOutOfBounds,        // sample outside the writable time window
  kResourceExhausted,  // a limit was reached (samples, memory, disk)
  kIOError,            // the OS or RocksDB failed a read or write
  kCorruption,         // stored data failed a checksum or a format check
  kUnavailable,        // try again later (not ready, shutting down)
  kCanceled,           // the caller went away
  kDeadlineExceeded,   // a timeout fired
  kInternal,           // a bug: an invariant did not hold
  kExecution,          // a query failed while evaluating (Prometheus's "execution")
};

// Short lower-case name of a code, for logs and metrics labels.
std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "code: message", or "ok".
  std::string to_string() const;

  // Marks a status as deliberately ignored.
  void ignore() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string msg) {
  return Status(StatusCode::kInvalidArgument, std::move(msg));
}
inline Status internal_error(std::string msg) {
  return Status(StatusCode::kInternal, std::move(msg));
}
inline Status io_error(std::string msg) { return Status(StatusCode::kIOError, std::move(msg)); }

// Result<T>: a T or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).is_ok() && "Result built from an ok Status");
  }

  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }

  // REQUIRES: is_ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // The error; an ok Status when is_ok().
  Status status() const { return is_ok() ? Status::ok() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace promlite
