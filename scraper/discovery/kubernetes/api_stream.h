// One HTTP GET to the Kubernetes API server whose response body is handed over
// piece by piece as it arrives (a list page, or a watch's chunked event
// stream). Asynchronous on the caller's strand; HTTPS with peer and host name
// verification unless the config says insecure_skip_verify.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "model/status.h"
#include "scraper/discovery/kubernetes/client_config.h"

namespace promlite::scraper::discovery::kubernetes {

class ApiStream : public std::enable_shared_from_this<ApiStream> {
 public:
  struct Handlers {
    // The response's status code, once, before any data.
    std::function<void(int http_status)> on_header;
    // Body bytes (chunk framing removed); return false to stop reading.
    std::function<bool(std::string_view data)> on_data;
    // Exactly once at the end: ok when the body ended normally (or on_data
    // asked to stop), else why the request failed. Nothing runs after it.
    std::function<void(Status)> on_done;
  };

  // `executor` must be a strand: every handler runs on it.
  ApiStream(boost::asio::any_io_executor executor, std::shared_ptr<const ClientConfig> client,
            std::string user_agent);
  ~ApiStream();

  // Sends GET `target` (path and query, without the api_server prefix). The
  // whole exchange must finish within `timeout`. Call once, from the strand.
  void start(std::string target, std::chrono::steady_clock::duration timeout, Handlers h);

  // Aborts the request; on_done then runs with a kCanceled status. Safe from
  // any thread.
  void cancel();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace promlite::scraper::discovery::kubernetes
