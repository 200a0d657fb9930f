#include "scraper/discovery/kubernetes/api_stream.h"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <limits>
#include <optional>

namespace promlite::scraper::discovery::kubernetes {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

struct ApiStream::Impl : std::enable_shared_from_this<ApiStream::Impl> {
  Impl(net::any_io_executor ex, std::shared_ptr<const ClientConfig> c, std::string ua)
      : executor(std::move(ex)),
        resolver(executor),
        client(std::move(c)),
        user_agent(std::move(ua)) {}

  net::any_io_executor executor;
  tcp::resolver resolver;
  std::shared_ptr<const ClientConfig> client;
  std::string user_agent;
  std::shared_ptr<ssl::context> tls_ctx;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;

  std::string target;
  std::chrono::steady_clock::time_point deadline;
  Handlers handlers;
  bool finished = false;
  bool canceled = false;
  http::request<http::empty_body> request;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::buffer_body>> parser;
  char chunk[16 * 1024];

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  std::string url() const {
    std::string h =
        client->host.find(':') != std::string::npos ? "[" + client->host + "]" : client->host;
    return client->scheme + "://" + h + ":" + client->port + client->path_prefix + target;
  }

  void close_socket() {
    beast::error_code ec;
    if (plain) plain->socket().close(ec);
    if (tls) beast::get_lowest_layer(*tls).socket().close(ec);
    resolver.cancel();
  }

  void done(Status s) {
    if (finished) return;
    finished = true;
    close_socket();
    auto cb = std::move(handlers.on_done);
    handlers = {};
    if (cb) cb(std::move(s));
  }

  void fail(const std::string& why) {
    if (canceled) return done(Status(StatusCode::kCanceled, "canceled"));
    done(Status(StatusCode::kUnavailable, "Get \"" + url() + "\": " + why));
  }

  void fail_ec(const beast::error_code& ec) {
    if (ec == beast::error::timeout || std::chrono::steady_clock::now() >= deadline) {
      return fail("context deadline exceeded");
    }
    fail(ec.message());
  }

  void start() {
    if (client->scheme == "https") {
      auto ctx = make_tls_context(*client);
      if (!ctx) return done(ctx.status());
      tls_ctx = *ctx;
    }
    auto self = shared_from_this();
    resolver.async_resolve(
        client->host, client->port,
        [self](beast::error_code ec, tcp::resolver::results_type results) {
          if (ec) return self->fail("dial tcp: lookup " + self->client->host + ": " + ec.message());
          if (self->tls_ctx) {
            self->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(self->executor,
                                                                               *self->tls_ctx);
          } else {
            self->plain = std::make_unique<beast::tcp_stream>(self->executor);
          }
          if (self->canceled) return self->fail("canceled");
          self->lowest().expires_at(self->deadline);
          self->lowest().async_connect(results,
                                       [self](beast::error_code cec, const tcp::endpoint&) {
                                         if (cec) return self->fail_ec(cec);
                                         if (self->tls) return self->handshake();
                                         self->send();
                                       });
        });
  }

  void handshake() {
    const auto& t = client->http.tls_config;
    const std::string& sni = t.server_name.empty() ? client->host : t.server_name;
    if (!SSL_set_tlsext_host_name(tls->native_handle(), sni.c_str())) {
      return fail("tls: cannot set server name");
    }
    if (!t.insecure_skip_verify) tls->set_verify_callback(ssl::host_name_verification(sni));
    auto self = shared_from_this();
    tls->async_handshake(ssl::stream_base::client, [self](beast::error_code ec) {
      if (ec) return self->fail_ec(ec);
      self->send();
    });
  }

  template <typename F>
  void with_stream(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(*plain);
    }
  }

  void send() {
    auto auth = authorization_header(*client);
    if (!auth) return done(auth.status());
    request.method(http::verb::get);
    request.target(client->path_prefix + target);
    request.version(11);
    std::string host =
        client->host.find(':') != std::string::npos ? "[" + client->host + "]" : client->host;
    request.set(http::field::host, host + ":" + client->port);
    request.set(http::field::user_agent, user_agent);
    request.set(http::field::accept, "application/json");
    if (!auth->empty()) request.set(http::field::authorization, *auth);
    request.keep_alive(false);
    parser.emplace();
    parser->body_limit(std::numeric_limits<std::uint64_t>::max());  // callers bound it
    parser->header_limit(1 << 20);
    auto self = shared_from_this();
    with_stream([&](auto& s) {
      http::async_write(s, request, [self](beast::error_code ec, size_t) {
        if (ec) return self->fail_ec(ec);
        self->with_stream([&](auto& s2) {
          http::async_read_header(
              s2, self->buffer, *self->parser, [self](beast::error_code rec, size_t) {
                if (rec) return self->fail_ec(rec);
                if (self->handlers.on_header) {
                  self->handlers.on_header(static_cast<int>(self->parser->get().result_int()));
                }
                if (self->finished) return;
                self->read_body();
              });
        });
      });
    });
  }

  void read_body() {
    if (parser->is_done()) return done(Status::ok());
    parser->get().body().data = chunk;
    parser->get().body().size = sizeof chunk;
    auto self = shared_from_this();
    with_stream([&](auto& s) {
      http::async_read_some(s, buffer, *parser, [self](beast::error_code ec, size_t) {
        if (ec == http::error::need_buffer) ec = {};
        size_t n = sizeof self->chunk - self->parser->get().body().size;
        if (n > 0 && self->handlers.on_data && !self->finished) {
          if (!self->handlers.on_data(std::string_view(self->chunk, n))) {
            return self->done(Status::ok());
          }
        }
        if (self->finished) return;
        if (ec == http::error::end_of_stream || ec == net::error::eof) {
          return self->done(Status::ok());
        }
        if (ec) return self->fail_ec(ec);
        self->read_body();
      });
    });
  }
};

ApiStream::ApiStream(net::any_io_executor executor, std::shared_ptr<const ClientConfig> client,
                     std::string user_agent)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(client), std::move(user_agent))) {
}

ApiStream::~ApiStream() { cancel(); }

void ApiStream::start(std::string target, std::chrono::steady_clock::duration timeout, Handlers h) {
  impl_->target = std::move(target);
  impl_->deadline = std::chrono::steady_clock::now() + timeout;
  impl_->handlers = std::move(h);
  impl_->start();
}

void ApiStream::cancel() {
  net::post(impl_->executor, [impl = impl_] {
    if (impl->finished) return;
    impl->canceled = true;
    impl->close_socket();
  });
}

}  // namespace promlite::scraper::discovery::kubernetes
