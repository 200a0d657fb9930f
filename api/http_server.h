// The HTTP/1.1 server every endpoint hangs off: Boost.Beast on an Asio
// io_context, keep-alive, request size limits, and a graceful stop.
//
// Handlers are plain functions (request in, response out) chosen by a Router
// from the path and method. They run on the server's io threads, so a handler
// must not block for long; long work goes to a pool of its own (the query
// endpoints do that).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "model/duration.h"
#include "model/status.h"

namespace promlite::api {

namespace http = boost::beast::http;

struct HttpRequest {
  http::verb method = http::verb::get;
  std::string target;  // as sent: path plus "?query"
  std::string path;    // percent-decoded path
  std::string query;   // raw query string, without '?'
  http::fields headers;
  std::string body;
  std::string remote_address;
  // Requested when the client closes the connection before the response is
  // written (Execution::kWorkerPool handlers only; the response is then
  // dropped). Long handlers pass it on, e.g. to query::QueryOptions::stop.
  std::stop_token cancel;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;

// Wraps the handling of every request under a path prefix (see
// Router::wrap_prefix): it may answer itself or call `next`, and may change the
// response afterwards (CORS headers, for instance).
using Middleware =
    std::function<void(const HttpRequest&, HttpResponse&, const std::function<void()>& next)>;

// Where a handler runs: on the io thread that read the request (quick
// handlers), or on the server's worker pool (queries: long work must not hold
// up other connections, health checks or scrapes of /metrics).
enum class Execution { kInline, kWorkerPool };

// Maps (path, method) to a handler: 404 for an unknown path, 405 with an Allow
// header for a known path and another method.
class Router {
 public:
  // Exact path.
  void handle(const std::string& path, std::vector<http::verb> methods, Handler handler,
              Execution execution = Execution::kInline);
  // Every path starting with `prefix` (longest prefix wins over shorter ones;
  // exact paths win over prefixes).
  void handle_prefix(const std::string& prefix, std::vector<http::verb> methods, Handler handler,
                     Execution execution = Execution::kInline);

  // Runs `mw` around the dispatch of every request whose path starts with
  // `prefix`, matched or not (404/405 answers included). Middlewares nest in
  // the order added: the first added is the outermost.
  void wrap_prefix(const std::string& prefix, Middleware mw);

  void dispatch(const HttpRequest& req, HttpResponse& resp) const;
  // How the handler of `req` wants to run (kInline when no route matches).
  Execution execution_for(const HttpRequest& req) const;

 private:
  struct Route {
    std::string path;
    bool prefix;
    std::vector<http::verb> methods;
    Handler handler;
    Execution execution;
  };
  const Route* find(const std::string& path) const;
  void dispatch_route(const HttpRequest& req, HttpResponse& resp) const;
  void dispatch_from(size_t mw, const HttpRequest& req, HttpResponse& resp) const;
  std::vector<Route> routes_;
  std::vector<std::pair<std::string, Middleware>> middlewares_;
};

struct HttpServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 9090;  // 0 picks a free port (see HttpServer::port())
  // Grafana sends URLs of tens of KiB and form bodies of several MiB.
  uint32_t max_header_bytes = 1u << 20;
  uint64_t max_body_bytes = 64u << 20;
  model::Duration idle_timeout = 5 * model::kMinute;
  // Threads of the worker pool for Execution::kWorkerPool handlers.
  int worker_threads = 4;
  // Responses at least this large are gzip-compressed when the client accepts it.
  size_t gzip_min_bytes = 1024;
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, const Router& router, HttpServerOptions options);
  ~HttpServer();

  // Binds and starts accepting. Fails when the address cannot be bound.
  Status start();
  // The bound port (useful with port 0).
  uint16_t port() const { return bound_port_; }

  // Stops accepting, closes idle connections and waits up to `grace` for
  // requests in flight to finish. Safe to call from any thread, once.
  void stop(model::Duration grace);

  // Requests being handled right now.
  int in_flight() const { return in_flight_.load(); }
  // Worker-pool requests whose client went away before the response: their
  // handler was asked to stop (HttpRequest::cancel) and the response dropped.
  uint64_t requests_canceled() const { return canceled_.load(); }

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
  uint16_t bound_port_ = 0;
  std::atomic<int> in_flight_{0};
  std::atomic<uint64_t> canceled_{0};
};

// Percent-decodes a URL component; `plus_is_space` for form bodies and queries.
std::string url_decode(std::string_view s, bool plus_is_space);

}  // namespace promlite::api
