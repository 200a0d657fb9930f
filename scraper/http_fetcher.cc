#include "scraper/http_fetcher.h"

#include <openssl/ssl.h>
#include <zlib.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>

#include "scraper/tls_errors.h"

namespace promlite::scraper {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

// Beast never reads more than 64 KiB in one read_some.
constexpr size_t kReadBufferBytes = 64 * 1024;

std::string read_secret_file(const std::string& path, Status* err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err = io_error("unable to read " + path);
    return {};
  }
  std::stringstream s;
  s << in.rdbuf();
  std::string v = s.str();
  // Secrets files commonly end in a newline that is not part of the secret.
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  return v;
}

std::string base64(std::string_view in) {
  static constexpr char kChars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out.push_back(kChars[(n >> 18) & 63]);
    out.push_back(kChars[(n >> 12) & 63]);
    out.push_back(kChars[(n >> 6) & 63]);
    out.push_back(kChars[n & 63]);
  }
  if (i < in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    out.push_back(kChars[(n >> 18) & 63]);
    out.push_back(kChars[(n >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kChars[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// The Authorization header for this scrape, or "" for none.
Result<std::string> auth_header(const config::HTTPClientConfig& c) {
  Status err;
  if (c.basic_auth) {
    std::string user = c.basic_auth->username;
    if (!c.basic_auth->username_file.empty())
      user = read_secret_file(c.basic_auth->username_file, &err);
    std::string pass = c.basic_auth->password;
    if (!c.basic_auth->password_file.empty())
      pass = read_secret_file(c.basic_auth->password_file, &err);
    if (!err) return err;
    return "Basic " + base64(user + ":" + pass);
  }
  if (c.authorization) {
    std::string cred = c.authorization->credentials;
    if (!c.authorization->credentials_file.empty()) {
      cred = read_secret_file(c.authorization->credentials_file, &err);
      if (!err) return err;
    }
    return c.authorization->type + " " + cred;
  }
  return std::string();
}

// Go writes error messages in lower case ("connection refused"); strerror
// does not. Scrape errors should read like Prometheus's.
std::string go_style(std::string msg) {
  if (!msg.empty() && msg[0] >= 'A' && msg[0] <= 'Z' && (msg.size() < 2 || msg[1] >= 'a')) {
    msg[0] = static_cast<char>(msg[0] - 'A' + 'a');
  }
  return msg;
}

bool is_stale_connection_error(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == http::error::partial_message;
}

// A response body read into a std::string by appending. Beast's string_body
// resizes the string before each copy, which zero-fills every byte of the body
// once more (~4 % of a scrape's CPU in perf).
struct AppendStringBody {
  using value_type = std::string;

  class reader {
   public:
    template <bool kIsRequest, class Fields>
    reader(http::header<kIsRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, beast::error_code& ec) {
      // The parser's body_limit bounds what is read; reserve no more than it.
      if (length && *length <= (uint64_t{1} << 30)) body_.reserve(static_cast<size_t>(*length));
      ec = {};
    }
    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      size_t n = 0;
      for (net::const_buffer b : beast::buffers_range_ref(buffers)) {
        body_.append(static_cast<const char*>(b.data()), b.size());
        n += b.size();
      }
      ec = {};
      return n;
    }
    void finish(beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace

bool split_host_port(const std::string& address, const std::string& scheme, std::string* host,
                     std::string* port) {
  std::string def = scheme == "https" ? "443" : "80";
  if (address.empty()) return false;
  if (address.front() == '[') {
    size_t close = address.find(']');
    if (close == std::string::npos) return false;
    *host = address.substr(1, close - 1);
    if (close + 1 == address.size()) {
      *port = def;
    } else if (address[close + 1] == ':' && close + 2 < address.size()) {
      *port = address.substr(close + 2);
    } else {
      return false;
    }
    return !host->empty();
  }
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    *host = address;
    *port = def;
  } else {
    if (address.find(':') != colon) return false;  // bare IPv6 needs brackets
    *host = address.substr(0, colon);
    *port = address.substr(colon + 1);
    if (port->empty()) return false;
  }
  return !host->empty();
}

Status gunzip(std::string_view in, uint64_t limit, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return internal_error("inflateInit failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  out->clear();
  char buf[64 * 1024];
  int ret = Z_OK;
  while (ret != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    ret = inflate(&zs, Z_NO_FLUSH);
    if (ret != Z_OK && ret != Z_STREAM_END) {
      inflateEnd(&zs);
      return invalid_argument(std::string("gzip: ") +
                              (zs.msg ? zs.msg : "invalid compressed data"));
    }
    out->append(buf, sizeof buf - zs.avail_out);
    if (limit && out->size() > limit) {
      inflateEnd(&zs);
      return Status(StatusCode::kResourceExhausted, "body size limit exceeded");
    }
    if (ret == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return invalid_argument("gzip: unexpected EOF");
    }
  }
  inflateEnd(&zs);
  return Status::ok();
}

struct HttpFetcher::Impl : std::enable_shared_from_this<HttpFetcher::Impl> {
  Impl(net::io_context& io, config::HTTPClientConfig c, std::string ua)
      : strand(net::make_strand(io)),
        resolver(strand),
        client(std::move(c)),
        user_agent(std::move(ua)) {}

  net::strand<net::io_context::executor_type> strand;
  tcp::resolver resolver;
  config::HTTPClientConfig client;
  std::string user_agent;
  std::shared_ptr<TlsClientContext> tls_ctx;

  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  std::string conn_key;  // scheme://host:port of the open connection, "" when none

  // The fetch in progress.
  FetchRequest req;
  Callback done;
  std::chrono::steady_clock::time_point deadline;
  http::request<http::empty_body> request;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<AppendStringBody>> parser;
  bool reused = false;
  std::string verify_name;  // what the server certificate is checked against
  tls::PeerNames peer;      // its names, for Go-worded verification errors

  std::string url() const {
    std::string h = req.host.find(':') != std::string::npos ? "[" + req.host + "]" : req.host;
    return req.scheme + "://" + h + ":" + req.port + req.target;
  }

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  void drop_connection() {
    beast::error_code ec;
    if (plain) plain->socket().close(ec);
    if (tls) beast::get_lowest_layer(*tls).socket().close(ec);
    plain.reset();
    tls.reset();
    conn_key.clear();
  }

  // A timeout is kDeadlineExceeded (the scrape loop counts it apart), any
  // other failure to get an answer kUnavailable.
  void fail(const std::string& why, StatusCode code = StatusCode::kUnavailable) {
    drop_connection();
    FetchResult r;
    r.status = Status(code, "Get \"" + url() + "\": " + why);
    complete(std::move(r));
  }

  void fail_ec(beast::error_code ec) {
    if (ec == beast::error::timeout || ec == net::error::operation_aborted ||
        std::chrono::steady_clock::now() >= deadline) {
      return fail("context deadline exceeded", StatusCode::kDeadlineExceeded);
    }
    if (tls) {
      std::string why = tls::describe(ec, tls->native_handle(), verify_name, peer);
      if (!why.empty()) return fail(why);
    }
    fail(go_style(ec.message()));
  }

  void complete(FetchResult r) {
    Callback cb = std::move(done);
    done = nullptr;
    if (cb) cb(std::move(r));
  }

  void start() {
    std::string key = req.scheme + "://" + req.host + ":" + req.port;
    if (!conn_key.empty() && conn_key == key) {
      reused = true;
      return send();
    }
    drop_connection();
    reused = false;
    connect();
  }

  void connect() {
    auto self = shared_from_this();
    resolver.async_resolve(
        req.host, req.port, [self](beast::error_code ec, tcp::resolver::results_type results) {
          if (ec)
            return self->fail("dial tcp: lookup " + self->req.host + ": " + go_style(ec.message()));
          if (self->req.scheme == "https") {
            if (Status s = self->tls_ctx->load(); !s) return self->fail(s.message());
            self->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(
                self->strand, *static_cast<ssl::context*>(self->tls_ctx->native()));
          } else {
            self->plain = std::make_unique<beast::tcp_stream>(self->strand);
          }
          self->lowest().expires_at(self->deadline);
          self->lowest().async_connect(
              results, [self](beast::error_code cec, const tcp::endpoint&) {
                if (cec) {
                  if (cec == beast::error::timeout)
                    return self->fail("context deadline exceeded", StatusCode::kDeadlineExceeded);
                  return self->fail("dial tcp " + self->req.host + ":" + self->req.port +
                                    ": connect: " + go_style(cec.message()));
                }
                if (!self->tls) return self->on_connected();
                self->handshake();
              });
        });
  }

  void handshake() {
    auto self = shared_from_this();
    // As Go: the certificate is checked against server_name, else the host;
    // SNI carries that name unless it is an IP literal.
    verify_name = client.tls_config.server_name.empty() ? req.host : client.tls_config.server_name;
    if (!tls::is_ip_literal(verify_name) &&
        !SSL_set_tlsext_host_name(tls->native_handle(), verify_name.c_str())) {
      return fail("tls: cannot set server name");
    }
    peer = {};
    if (!client.tls_config.insecure_skip_verify) {
      tls::set_expected_name(tls->native_handle(), verify_name);
      // A raw pointer: the stream owns the callback, and the handshake in
      // flight keeps this Impl alive while it can run.
      tls::PeerNames* names = &peer;
      tls->set_verify_callback([names](bool preverified, ssl::verify_context& ctx) {
        X509_STORE_CTX* store = ctx.native_handle();
        if (X509_STORE_CTX_get_error_depth(store) == 0 && !names->seen) {
          if (X509* cert = X509_STORE_CTX_get_current_cert(store)) tls::capture_names(cert, names);
        }
        return preverified;
      });
    }
    lowest().expires_at(deadline);
    tls->async_handshake(ssl::stream_base::client, [self](beast::error_code ec) {
      if (ec) return self->fail_ec(ec);
      self->on_connected();
    });
  }

  void on_connected() {
    conn_key = req.scheme + "://" + req.host + ":" + req.port;
    send();
  }

  void send() {
    auto header = auth_header(client);
    if (!header) {
      drop_connection();
      FetchResult r;
      r.status = header.status();
      return complete(std::move(r));
    }
    request = {};
    request.method(http::verb::get);
    request.target(req.target);
    request.version(11);
    std::string host_header =
        req.host.find(':') != std::string::npos ? "[" + req.host + "]" : req.host;
    if (!((req.scheme == "http" && req.port == "80") ||
          (req.scheme == "https" && req.port == "443"))) {
      host_header += ":" + req.port;
    }
    request.set(http::field::host, host_header);
    request.set(http::field::user_agent, user_agent);
    if (!req.accept.empty()) request.set(http::field::accept, req.accept);
    request.set(http::field::accept_encoding, req.accept_gzip ? "gzip" : "identity");
    char timeout[32];
    std::snprintf(timeout, sizeof timeout, "%g", static_cast<double>(req.timeout) / 1000.0);
    request.set("X-Prometheus-Scrape-Timeout-Seconds", timeout);
    if (!header->empty()) request.set(http::field::authorization, *header);
    request.keep_alive(true);

    parser.emplace();
    parser->header_limit(1 << 20);
    // The wire limit: the inflated limit bounds the compressed size too.
    parser->body_limit(req.body_size_limit ? req.body_size_limit : (uint64_t{1} << 34));
    buffer.clear();
    // Beast reads at most the buffer's free capacity (at least 512 bytes, at
    // most 64 KiB) per read_some, and the string body drains the buffer after
    // each read: without this a 300 KB exposition took ~450 reads, each a
    // timed async operation, and those reads were most of a scrape's CPU.
    buffer.reserve(kReadBufferBytes);
    lowest().expires_at(deadline);
    auto self = shared_from_this();
    auto on_write = [self](beast::error_code ec, size_t) {
      if (ec) return self->on_io_error(ec);
      self->lowest().expires_at(self->deadline);
      auto on_read = [self](beast::error_code rec, size_t) {
        if (rec) return self->on_io_error(rec);
        self->finish();
      };
      if (self->tls) {
        http::async_read(*self->tls, self->buffer, *self->parser, on_read);
      } else {
        http::async_read(*self->plain, self->buffer, *self->parser, on_read);
      }
    };
    if (tls) {
      http::async_write(*tls, request, on_write);
    } else {
      http::async_write(*plain, request, on_write);
    }
  }

  void on_io_error(beast::error_code ec) {
    if (reused && is_stale_connection_error(ec) && std::chrono::steady_clock::now() < deadline) {
      // The server closed the kept-alive connection between scrapes: redial once.
      drop_connection();
      reused = false;
      return connect();
    }
    if (ec == http::error::body_limit) {
      drop_connection();
      FetchResult r;
      r.status = Status(StatusCode::kResourceExhausted, "body size limit exceeded");
      return complete(std::move(r));
    }
    fail_ec(ec);
  }

  void finish() {
    auto res = parser->release();
    FetchResult r;
    r.http_status = static_cast<int>(res.result_int());
    r.content_type = std::string(res[http::field::content_type]);
    r.wire_bytes = res.body().size();
    if (!res.keep_alive()) drop_connection();
    if (r.http_status < 200 || r.http_status > 299) {
      r.status = Status(StatusCode::kUnavailable, "server returned HTTP status " +
                                                      std::to_string(r.http_status) + " " +
                                                      std::string(res.reason()));
      return complete(std::move(r));
    }
    auto encoding = res[http::field::content_encoding];
    if (beast::iequals(encoding, "gzip")) {
      Status s = gunzip(res.body(), req.body_size_limit, &r.body);
      if (!s) {
        drop_connection();
        r.status = s;
        r.body.clear();
        return complete(std::move(r));
      }
    } else {
      r.body = std::move(res.body());
      if (req.body_size_limit && r.body.size() > req.body_size_limit) {
        r.status = Status(StatusCode::kResourceExhausted, "body size limit exceeded");
        r.body.clear();
        return complete(std::move(r));
      }
    }
    complete(std::move(r));
  }
};

struct TlsClientContext::State {
  ssl::context ctx{ssl::context::tls_client};
};

TlsClientContext::TlsClientContext(config::TLSConfig cfg) : cfg_(std::move(cfg)) {}
TlsClientContext::~TlsClientContext() = default;

bool TlsClientContext::names_files() const {
  return !cfg_.ca_file.empty() || !cfg_.cert_file.empty() || !cfg_.key_file.empty();
}

void* TlsClientContext::native() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_ ? &state_->ctx : nullptr;
}

Status TlsClientContext::load() {
  std::lock_guard<std::mutex> lock(mu_);
  if (result_) return *result_;
  auto st = std::make_unique<State>();
  try {
    auto& ctx = st->ctx;
    if (!cfg_.ca_file.empty()) {
      ctx.load_verify_file(cfg_.ca_file);
    } else {
      ctx.set_default_verify_paths();
    }
    if (!cfg_.cert_file.empty()) {
      ctx.use_certificate_chain_file(cfg_.cert_file);
      ctx.use_private_key_file(cfg_.key_file, ssl::context::pem);
    }
    ctx.set_verify_mode(cfg_.insecure_skip_verify ? ssl::verify_none : ssl::verify_peer);
    int min = TLS1_2_VERSION;
    if (cfg_.min_version == "TLS10") min = TLS1_VERSION;
    if (cfg_.min_version == "TLS11") min = TLS1_1_VERSION;
    if (cfg_.min_version == "TLS13") min = TLS1_3_VERSION;
    SSL_CTX_set_min_proto_version(ctx.native_handle(), min);
  } catch (const boost::system::system_error& e) {
    result_ = invalid_argument(std::string("unable to load TLS settings: ") + e.what());
    return *result_;
  }
  state_ = std::move(st);
  result_ = Status::ok();
  return *result_;
}

Result<std::shared_ptr<HttpFetcher>> HttpFetcher::create(net::io_context& ioc,
                                                         const config::HTTPClientConfig& client,
                                                         std::string user_agent,
                                                         std::shared_ptr<TlsClientContext> tls) {
  if (!tls) {
    tls = std::make_shared<TlsClientContext>(client.tls_config);
    if (Status s = tls->load(); !s) return s;
  }
  auto impl = std::make_shared<Impl>(ioc, client, std::move(user_agent));
  impl->tls_ctx = std::move(tls);
  auto f = std::shared_ptr<HttpFetcher>(new HttpFetcher());
  f->impl_ = std::move(impl);
  return f;
}

HttpFetcher::~HttpFetcher() { close(); }

void HttpFetcher::fetch(FetchRequest req, Callback done) {
  net::post(impl_->strand, [impl = impl_, req = std::move(req), done = std::move(done)]() mutable {
    impl->req = std::move(req);
    impl->done = std::move(done);
    impl->deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(impl->req.timeout);
    impl->start();
  });
}

void HttpFetcher::close() {
  net::post(impl_->strand, [impl = impl_] { impl->drop_connection(); });
}

}  // namespace promlite::scraper
