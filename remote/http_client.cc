#include "remote/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>
#include <optional>
#include <sstream>

namespace promlite::remote {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

Result<std::string> read_file_trimmed(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_argument("unable to read file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int k = 3; k >= 0; --k) out.push_back(kAlphabet[(v >> (6 * k)) & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

}  // namespace

struct HttpClient::Impl {
  std::chrono::milliseconds timeout{30000};
  bool tls = false;
  std::string host, port, target, host_header, sni;
  std::vector<std::pair<std::string, std::string>> headers;  // auth + user headers
  std::string user_agent;

  asio::io_context ioc;
  std::optional<asio::ssl::context> ssl_ctx;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*secure) : *plain; }
  bool connected() {
    return (tls ? secure.has_value() : plain.has_value()) && lowest().socket().is_open();
  }

  void close() {
    if (plain) plain->socket().close();
    if (secure) beast::get_lowest_layer(*secure).socket().close();
    plain.reset();
    secure.reset();
    buffer.clear();
  }

  // Runs the io_context until the operation started before completes.
  void run() {
    ioc.restart();
    ioc.run();
  }

  Status connect() {
    close();
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(host, port, [&](beast::error_code e, tcp::resolver::results_type r) {
      ec = e;
      endpoints = std::move(r);
    });
    run();
    if (ec) return Status(StatusCode::kUnavailable, "resolve " + host + ": " + ec.message());
    if (tls) {
      secure.emplace(ioc, *ssl_ctx);
    } else {
      plain.emplace(ioc);
    }
    lowest().expires_after(timeout);
    lowest().async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec)
      return Status(StatusCode::kUnavailable, "connect " + host + ":" + port + ": " + ec.message());
    lowest().socket().set_option(tcp::no_delay(true), ec);
    if (tls) {
      if (!SSL_set_tlsext_host_name(secure->native_handle(), sni.c_str())) {
        return Status(StatusCode::kUnavailable, "TLS: cannot set server name");
      }
      secure->set_verify_callback(asio::ssl::host_name_verification(sni));
      lowest().expires_after(timeout);
      secure->async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
      run();
      if (ec) return Status(StatusCode::kUnavailable, "TLS handshake: " + ec.message());
    }
    return Status::ok();
  }

  Result<HttpResponse> exchange(http::request<http::string_body>& req) {
    beast::error_code ec;
    lowest().expires_after(timeout);
    auto on_write = [&](beast::error_code e, size_t) { ec = e; };
    if (tls) {
      http::async_write(*secure, req, on_write);
    } else {
      http::async_write(*plain, req, on_write);
    }
    run();
    if (ec) return Status(StatusCode::kUnavailable, "write request: " + ec.message());
    http::response_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    auto on_read = [&](beast::error_code e, size_t) { ec = e; };
    if (tls) {
      http::async_read(*secure, buffer, parser, on_read);
    } else {
      http::async_read(*plain, buffer, parser, on_read);
    }
    run();
    if (ec) return Status(StatusCode::kUnavailable, "read response: " + ec.message());
    auto& res = parser.get();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.body = res.body().substr(0, 1024);
    if (auto it = res.find(http::field::retry_after); it != res.end()) {
      out.retry_after = std::string(it->value());
    }
    if (!res.keep_alive()) close();
    return out;
  }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::create(const config::RemoteWriteConfig& cfg,
                                                       std::string user_agent) {
  auto impl = std::make_unique<Impl>();
  impl->timeout = std::chrono::milliseconds(std::max<int64_t>(cfg.remote_timeout, 1));
  impl->user_agent = std::move(user_agent);
  std::string_view url = cfg.url;
  if (url.starts_with("https://")) {
    impl->tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return invalid_argument("remote_write url must start with http:// or https://: " + cfg.url);
  }
  size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  impl->target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (authority.empty()) return invalid_argument("remote_write url without host: " + cfg.url);
  impl->host_header = std::string(authority);
  if (authority.front() == '[') {  // [v6]:port
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalid_argument("bad IPv6 host in " + cfg.url);
    impl->host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    impl->port = rest.starts_with(":") ? std::string(rest.substr(1)) : "";
  } else {
    size_t colon = authority.rfind(':');
    impl->host = std::string(authority.substr(0, colon));
    impl->port = colon == std::string_view::npos ? "" : std::string(authority.substr(colon + 1));
  }
  if (impl->port.empty()) impl->port = impl->tls ? "443" : "80";

  const auto& hc = cfg.http;
  if (hc.basic_auth) {
    std::string user = hc.basic_auth->username, pass = hc.basic_auth->password;
    if (!hc.basic_auth->username_file.empty()) {
      auto r = read_file_trimmed(hc.basic_auth->username_file);
      if (!r) return r.status();
      user = *r;
    }
    if (!hc.basic_auth->password_file.empty()) {
      auto r = read_file_trimmed(hc.basic_auth->password_file);
      if (!r) return r.status();
      pass = *r;
    }
    impl->headers.emplace_back("Authorization", "Basic " + base64(user + ":" + pass));
  } else if (hc.authorization) {
    std::string cred = hc.authorization->credentials;
    if (!hc.authorization->credentials_file.empty()) {
      auto r = read_file_trimmed(hc.authorization->credentials_file);
      if (!r) return r.status();
      cred = *r;
    }
    impl->headers.emplace_back("Authorization", hc.authorization->type + " " + cred);
  }
  for (const auto& [k, v] : cfg.headers) impl->headers.emplace_back(k, v);

  if (impl->tls) {
    const auto& t = hc.tls_config;
    impl->ssl_ctx.emplace(asio::ssl::context::tls_client);
    auto& ctx = *impl->ssl_ctx;
    SSL_CTX_set_min_proto_version(ctx.native_handle(),
                                  t.min_version == "TLS13" ? TLS1_3_VERSION : TLS1_2_VERSION);
    beast::error_code ec;
    if (!t.ca_file.empty()) {
      ctx.load_verify_file(t.ca_file, ec);
      if (ec) return invalid_argument("tls_config ca_file " + t.ca_file + ": " + ec.message());
    } else {
      ctx.set_default_verify_paths(ec);
    }
    if (!t.cert_file.empty()) {
      ctx.use_certificate_chain_file(t.cert_file, ec);
      if (ec) return invalid_argument("tls_config cert_file " + t.cert_file + ": " + ec.message());
      ctx.use_private_key_file(t.key_file, asio::ssl::context::pem, ec);
      if (ec) return invalid_argument("tls_config key_file " + t.key_file + ": " + ec.message());
    }
    ctx.set_verify_mode(t.insecure_skip_verify ? asio::ssl::verify_none : asio::ssl::verify_peer);
    impl->sni = t.server_name.empty() ? impl->host : t.server_name;
  }
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

Result<HttpResponse> HttpClient::post(const std::string& body) {
  Impl& d = *impl_;
  http::request<http::string_body> req{http::verb::post, d.target, 11};
  req.set(http::field::host, d.host_header);
  req.set(http::field::user_agent, d.user_agent);
  req.set(http::field::content_type, "application/x-protobuf");
  req.set(http::field::content_encoding, "snappy");
  req.set("X-Prometheus-Remote-Write-Version", "0.1.0");
  for (const auto& [k, v] : d.headers) req.set(k, v);
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();
  // A reused connection may have been closed by the server meanwhile: retry
  // once on a fresh connection before reporting the failure.
  bool reused = d.connected();
  if (!reused) {
    if (Status s = d.connect(); !s) return s;
  }
  auto r = d.exchange(req);
  if (!r && reused) {
    if (Status s = d.connect(); !s) return s;
    r = d.exchange(req);
  }
  if (!r) d.close();
  return r;
}

}  // namespace promlite::remote
