#include "api/http_server.h"

#include <zlib.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include "model/log.h"

namespace promlite::api {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string url_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void Router::handle(const std::string& path, std::vector<http::verb> methods, Handler handler,
                    Execution execution) {
  routes_.push_back({path, false, std::move(methods), std::move(handler), execution});
}

void Router::handle_prefix(const std::string& prefix, std::vector<http::verb> methods,
                           Handler handler, Execution execution) {
  routes_.push_back({prefix, true, std::move(methods), std::move(handler), execution});
}

const Router::Route* Router::find(const std::string& path) const {
  const Route* best = nullptr;
  for (const Route& r : routes_) {
    bool match = r.prefix ? path.rfind(r.path, 0) == 0 : path == r.path;
    if (!match) continue;
    if (!best || (best->prefix && !r.prefix) ||
        (best->prefix == r.prefix && r.path.size() > best->path.size())) {
      best = &r;
    }
  }
  return best;
}

Execution Router::execution_for(const HttpRequest& req) const {
  const Route* r = find(req.path);
  return r ? r->execution : Execution::kInline;
}

void Router::wrap_prefix(const std::string& prefix, Middleware mw) {
  middlewares_.emplace_back(prefix, std::move(mw));
}

void Router::dispatch(const HttpRequest& req, HttpResponse& resp) const {
  dispatch_from(0, req, resp);
}

void Router::dispatch_from(size_t mw, const HttpRequest& req, HttpResponse& resp) const {
  for (; mw < middlewares_.size(); ++mw) {
    const auto& [prefix, fn] = middlewares_[mw];
    if (req.path.rfind(prefix, 0) != 0) continue;
    fn(req, resp, [this, mw, &req, &resp] { dispatch_from(mw + 1, req, resp); });
    return;
  }
  dispatch_route(req, resp);
}

void Router::dispatch_route(const HttpRequest& req, HttpResponse& resp) const {
  const Route* best = find(req.path);
  if (!best) {
    resp.status = 404;
    resp.body = "404 page not found\n";
    return;
  }
  bool allowed =
      std::find(best->methods.begin(), best->methods.end(), req.method) != best->methods.end();
  // HEAD is served wherever GET is.
  if (!allowed && req.method == http::verb::head) {
    allowed = std::find(best->methods.begin(), best->methods.end(), http::verb::get) !=
              best->methods.end();
  }
  if (!allowed) {
    std::string allow;
    for (http::verb v : best->methods) {
      if (!allow.empty()) allow += ", ";
      allow += std::string(http::to_string(v));
    }
    resp.status = 405;
    resp.body = "Method Not Allowed\n";
    resp.headers.emplace_back("Allow", allow);
    return;
  }
  best->handler(req, resp);
}

bool accepts_gzip(std::string_view accept_encoding) {
  // "gzip", "gzip, deflate, br", "gzip;q=1.0"; "gzip;q=0" refuses it.
  size_t at = accept_encoding.find("gzip");
  if (at == std::string_view::npos) return false;
  std::string_view rest = accept_encoding.substr(at + 4);
  size_t comma = rest.find(',');
  std::string_view params = rest.substr(0, comma);
  size_t q = params.find("q=");
  if (q == std::string_view::npos) return true;
  std::string_view value = params.substr(q + 2);
  return !(value.starts_with("0") && value.find_first_not_of("0.") == std::string_view::npos);
}

bool gzip(const std::string& in, std::string* out) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return false;
  }
  out->resize(deflateBound(&zs, in.size()));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data());
  zs.avail_out = static_cast<uInt>(out->size());
  int ret = deflate(&zs, Z_FINISH);
  out->resize(zs.total_out);
  deflateEnd(&zs);
  return ret == Z_STREAM_END;
}

// One accepted connection: read a request, dispatch, write, repeat while
// keep-alive. All of a session's operations run on its own strand.
class Session;

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(net::io_context& io, const Router& r, HttpServerOptions o, std::atomic<int>& inflight,
       std::atomic<uint64_t>& canceled_requests)
      : ioc(io),
        router(r),
        options(std::move(o)),
        acceptor(net::make_strand(io)),
        in_flight(inflight),
        canceled(canceled_requests),
        workers(static_cast<size_t>(std::max(1, options.worker_threads))) {}

  void do_accept();

  net::io_context& ioc;
  const Router& router;
  HttpServerOptions options;
  tcp::acceptor acceptor;
  std::atomic<int>& in_flight;
  std::atomic<uint64_t>& canceled;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::set<std::shared_ptr<Session>> sessions;
  net::thread_pool workers;  // Execution::kWorkerPool handlers
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<HttpServer::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {}

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

  // Closes the connection if it is waiting for a request; a session in the
  // middle of a request closes itself after its response.
  void close_if_idle() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.close();
      }
    });
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(server_->options.max_header_bytes);
    parser_->body_limit(server_->options.max_body_bytes);
    stream_.expires_after(std::chrono::milliseconds(server_->options.idle_timeout));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::bad_descriptor) {
      return finish();
    }
    if (ec) {
      // Malformed or oversized request: answer it and close.
      HttpResponse resp;
      if (ec == http::error::body_limit) {
        resp.status = 413;
        resp.body = "request body too large\n";
      } else if (ec == http::error::header_limit) {
        resp.status = 431;
        resp.body = "request header fields too large\n";
      } else {
        resp.status = 400;
        resp.body = "bad request: " + ec.message() + "\n";
      }
      keep_alive_ = false;
      return write(std::move(resp), http::verb::get, 11, false);
    }
    busy_ = true;
    server_->in_flight.fetch_add(1);
    auto msg = parser_->release();
    // Read before the headers are moved out below.
    keep_alive_ = msg.keep_alive() && !server_->stopping.load();
    const unsigned version = msg.version();
    HttpRequest req;
    req.method = msg.method();
    req.target = std::string(msg.target());
    size_t q = req.target.find('?');
    req.path = url_decode(std::string_view(req.target).substr(0, q), false);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    req.body = std::move(msg.body());
    req.headers = std::move(msg.base());
    beast::error_code rec;
    auto ep = stream_.socket().remote_endpoint(rec);
    if (!rec) req.remote_address = ep.address().to_string() + ":" + std::to_string(ep.port());

    const bool gzip_ok =
        accepts_gzip(std::string_view(req.headers[http::field::accept_encoding].data(),
                                      req.headers[http::field::accept_encoding].size()));
    if (server_->router.execution_for(req) == Execution::kWorkerPool) {
      // While the handler runs, a read on the socket notices the client going
      // away (EOF or reset) and asks the handler to stop, as Go's server
      // cancels the request context.
      auto stop = std::make_shared<std::stop_source>();
      req.cancel = stop->get_token();
      stop_ = stop;
      client_gone_ = false;
      watch();
      auto shared_req = std::make_shared<HttpRequest>(std::move(req));
      net::post(server_->workers, [self = shared_from_this(), shared_req, version, gzip_ok, stop] {
        HttpResponse resp;
        // A client gone while the request waited for a worker needs no answer.
        if (!stop->stop_requested()) resp = self->handle(*shared_req);
        auto done = std::make_shared<Pending>(
            Pending{std::move(resp), shared_req->method, version, gzip_ok});
        net::post(self->stream_.get_executor(),
                  [self, done] { self->on_handled(std::move(*done)); });
      });
      return;
    }
    write(handle(req), req.method, version, gzip_ok);
  }

  // A response computed on the worker pool, waiting for the watch read to end.
  struct Pending {
    HttpResponse resp;
    http::verb method;
    unsigned version;
    bool gzip_ok;
  };

  // Bytes a watch read may buffer (a pipelined request) before it stops
  // watching; the next request's parser reads them from buffer_.
  static constexpr size_t kWatchBufferLimit = 64 * 1024;

  void watch() {
    watching_ = true;
    stream_.expires_never();
    stream_.async_read_some(
        buffer_.prepare(4096),
        [self = shared_from_this()](beast::error_code ec, size_t n) { self->on_watch(ec, n); });
  }

  void on_watch(beast::error_code ec, size_t n) {
    watching_ = false;
    buffer_.commit(n);
    if (ec && ec != net::error::operation_aborted && !client_gone_) {
      client_gone_ = true;
      if (stop_) stop_->request_stop();
    }
    if (pending_) {
      Pending p = std::move(*pending_);
      pending_.reset();
      return respond(std::move(p));
    }
    if (!ec && !client_gone_ && buffer_.size() < kWatchBufferLimit) watch();
  }

  void on_handled(Pending p) {
    if (watching_) {
      // End the watch read first: a second read must not start (do_read)
      // while it is outstanding. on_watch continues with the response.
      pending_ = std::move(p);
      stream_.cancel();
      return;
    }
    respond(std::move(p));
  }

  void respond(Pending p) {
    stop_.reset();
    if (client_gone_) {
      server_->canceled.fetch_add(1);
      LOG_DEBUG("Client went away before the response; dropped");
      busy_ = false;
      server_->in_flight.fetch_sub(1);
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.close();
      return finish();
    }
    write(std::move(p.resp), p.method, p.version, p.gzip_ok);
  }

  HttpResponse handle(const HttpRequest& req) {
    HttpResponse resp;
    try {
      server_->router.dispatch(req, resp);
    } catch (const std::exception& e) {
      LOG_ERROR("HTTP handler failed", {"path", req.path}, {"err", e.what()});
      resp = HttpResponse{};
      resp.status = 500;
      resp.body = std::string("internal error: ") + e.what() + "\n";
    }
    return resp;
  }

  void write(HttpResponse resp, http::verb method, unsigned version, bool gzip_ok = false) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(resp.status), version);
    res->set(http::field::content_type, resp.content_type);
    for (auto& [k, v] : resp.headers) res->set(k, v);
    if (gzip_ok && resp.body.size() >= server_->options.gzip_min_bytes &&
        res->find(http::field::content_encoding) == res->end()) {
      std::string z;
      if (gzip(resp.body, &z)) {
        resp.body.swap(z);
        res->set(http::field::content_encoding, "gzip");
        auto vary = res->find(http::field::vary);
        res->set(http::field::vary, vary == res->end()
                                        ? std::string("Accept-Encoding")
                                        : std::string(vary->value()) + ", Accept-Encoding");
      }
    }
    res->body() = std::move(resp.body);
    res->prepare_payload();
    if (resp.status == 204) {
      // No content: no body headers either (as Go's server).
      res->erase(http::field::content_length);
      res->erase(http::field::content_type);
    }
    if (method == http::verb::head) res->body().clear();
    res->keep_alive(keep_alive_);
    stream_.expires_after(std::chrono::seconds(60));
    http::async_write(
        stream_, *res,
        [self = shared_from_this(), res](beast::error_code ec, size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    if (busy_) {
      busy_ = false;
      server_->in_flight.fetch_sub(1);
    }
    if (ec || !keep_alive_ || server_->stopping.load()) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return finish();
    }
    do_read();
  }

  void finish() {
    std::lock_guard<std::mutex> lock(server_->mu);
    server_->sessions.erase(shared_from_this());
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpServer::Impl> server_;
  bool busy_ = false;
  bool keep_alive_ = true;
  // Worker-pool requests: the watch read, the stop signal handed to the
  // handler, and the response held until the watch read has ended.
  bool watching_ = false;
  bool client_gone_ = false;
  std::shared_ptr<std::stop_source> stop_;
  std::optional<Pending> pending_;
};

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc),
                        [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                          if (ec) {
                            if (ec == net::error::operation_aborted || self->stopping.load())
                              return;
                            LOG_WARN("accept failed", {"err", ec.message()});
                          } else {
                            auto session = std::make_shared<Session>(std::move(socket), self);
                            {
                              std::lock_guard<std::mutex> lock(self->mu);
                              if (self->stopping.load()) return;
                              self->sessions.insert(session);
                            }
                            session->start();
                          }
                          self->do_accept();
                        });
}

HttpServer::HttpServer(net::io_context& ioc, const Router& router, HttpServerOptions options)
    : impl_(std::make_shared<Impl>(ioc, router, std::move(options), in_flight_, canceled_)) {}

HttpServer::~HttpServer() {
  if (!impl_->stopping.load()) stop(0);
}

Status HttpServer::start() {
  beast::error_code ec;
  std::string host = impl_->options.host.empty() ? "0.0.0.0" : impl_->options.host;
  auto addr = net::ip::make_address(host, ec);
  if (ec) {
    // A host name such as "localhost": resolve it.
    tcp::resolver resolver(impl_->ioc);
    auto results = resolver.resolve(host, std::to_string(impl_->options.port), ec);
    if (ec || results.empty()) {
      return invalid_argument("cannot resolve listen address \"" + host + "\": " + ec.message());
    }
    addr = results.begin()->endpoint().address();
  }
  tcp::endpoint ep(addr, impl_->options.port);
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status(
        StatusCode::kUnavailable,
        "listen tcp " + host + ":" + std::to_string(impl_->options.port) + ": " + ec.message());
  }
  bound_port_ = acc.local_endpoint().port();
  impl_->do_accept();
  return Status::ok();
}

void HttpServer::stop(model::Duration grace) {
  if (impl_->stopping.exchange(true)) return;
  net::dispatch(impl_->acceptor.get_executor(), [impl = impl_] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace);
  while (true) {
    std::vector<std::shared_ptr<Session>> sessions;
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      sessions.assign(impl_->sessions.begin(), impl_->sessions.end());
    }
    for (auto& s : sessions) s->close_if_idle();
    if (sessions.empty() || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  impl_->workers.join();
}

}  // namespace promlite::api
