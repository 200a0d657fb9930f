// HTTP/1.1 POST client for remote write: keep-alive, optional TLS, auth headers.
//
// One client per shard (not thread-safe). post() connects lazily, reuses the
// connection while the server keeps it open, and reconnects once when a reused
// connection turns out to be closed. Every operation is bounded by the
// configured remote_timeout.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "config/config.h"
#include "model/status.h"

namespace promlite::remote {

struct HttpResponse {
  int status = 0;
  std::string body;         // at most the first 1 KiB, for logs
  std::string retry_after;  // the Retry-After header, if any
};

class HttpClient {
 public:
  // Parses the URL and loads TLS material and credential files.
  // kInvalidArgument for a bad URL or unreadable files.
  static Result<std::unique_ptr<HttpClient>> create(const config::RemoteWriteConfig& cfg,
                                                    std::string user_agent);
  ~HttpClient();

  // POSTs a snappy-compressed WriteRequest. A Status error (kUnavailable) means
  // the request may not have arrived (connect/read/write failure or timeout).
  Result<HttpResponse> post(const std::string& body);

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace promlite::remote
