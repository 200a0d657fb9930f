// HTTP(S) client for scrapes: one per target, keeping its connection alive
// between scrapes. Asynchronous on an Asio io_context; a whole fetch (resolve,
// connect, TLS handshake, request, response) must finish within its timeout.
// gzip bodies are inflated; the body size limit applies to the inflated body,
// as in Prometheus. Credentials files are re-read on every fetch, so rotated
// tokens and passwords take effect at the next scrape.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/duration.h"
#include "model/status.h"

namespace promlite::scraper {

struct FetchRequest {
  std::string scheme = "http";      // http or https
  std::string host;                 // name or IP (IPv6 without brackets)
  std::string port;                 // "80" / "443" when the address had none
  std::string target = "/metrics";  // path plus "?query"
  std::string accept;               // Accept header
  model::Duration timeout = 10 * model::kSecond;
  uint64_t body_size_limit = 0;  // 0: none
  bool accept_gzip = true;
};

struct FetchResult {
  // ok, or why the scrape failed (Prometheus-like text): kDeadlineExceeded for
  // scrape_timeout, kResourceExhausted for body_size_limit, kUnavailable when
  // no usable answer came (connection, TLS, a non-2xx status: see http_status).
  Status status;
  int http_status = 0;  // 0 when no response arrived
  std::string content_type;
  std::string body;         // inflated
  uint64_t wire_bytes = 0;  // body bytes as received
};

class HttpFetcher : public std::enable_shared_from_this<HttpFetcher> {
 public:
  using Callback = std::function<void(FetchResult)>;

  // `client` supplies TLS settings and credentials; `user_agent` is sent as is.
  static Result<std::shared_ptr<HttpFetcher>> create(boost::asio::io_context& ioc,
                                                     const config::HTTPClientConfig& client,
                                                     std::string user_agent);
  ~HttpFetcher();

  // Starts one fetch; `done` runs on the io_context when it ends. At most one
  // fetch runs at a time per fetcher (the scrape loop guarantees it).
  void fetch(FetchRequest req, Callback done);

  // Closes the kept-alive connection (target removed or config changed).
  void close();

  struct Impl;

 private:
  HttpFetcher() = default;
  std::shared_ptr<Impl> impl_;
};

// "host:port" -> host and port (default by scheme); handles [v6]:port.
bool split_host_port(const std::string& address, const std::string& scheme, std::string* host,
                     std::string* port);

// Inflates a gzip body, failing when the output would pass `limit` (0: none).
Status gunzip(std::string_view in, uint64_t limit, std::string* out);

}  // namespace promlite::scraper
