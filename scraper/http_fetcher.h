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
#include <mutex>
#include <optional>
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

// The TLS client context of one tls_config, shared by the fetchers of a
// scrape pool. Building a context loads the system CA bundle (about 600 KB of
// heap with Debian's ca-certificates): one per target cost 120 MB at 200
// targets. So it is built once, and only when first needed: at the first
// https connection, or up front (`load()`) when the config names files whose
// errors should show at pool creation. Thread-safe.
class TlsClientContext {
 public:
  explicit TlsClientContext(config::TLSConfig cfg);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  // Builds the context if it is not built yet; kInvalidArgument ("unable to
  // load TLS settings: ...") when its files cannot be used. A failure is
  // remembered: the files are not re-read at every scrape.
  Status load();
  // True when the config names a CA, certificate or key file.
  bool names_files() const;
  // The built context (an `boost::asio::ssl::context*`); call after load() succeeded.
  void* native() const;

 private:
  struct State;
  config::TLSConfig cfg_;
  mutable std::mutex mu_;
  std::unique_ptr<State> state_;
  std::optional<Status> result_;
};

class HttpFetcher : public std::enable_shared_from_this<HttpFetcher> {
 public:
  using Callback = std::function<void(FetchResult)>;

  // `client` supplies TLS settings and credentials; `user_agent` is sent as is.
  // `tls` is the context to share (a scrape pool passes one for all its
  // targets); when null the fetcher builds its own from client.tls_config,
  // up front, so that bad TLS files fail here.
  static Result<std::shared_ptr<HttpFetcher>> create(boost::asio::io_context& ioc,
                                                     const config::HTTPClientConfig& client,
                                                     std::string user_agent,
                                                     std::shared_ptr<TlsClientContext> tls = {});
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
