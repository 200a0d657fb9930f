// Test helpers for HTTPS scrapes: a throw-away CA with server and client
// certificates generated at test time with OpenSSL's APIs, and a small TLS
// HTTP/1.1 target on 127.0.0.1 (optionally requiring a client certificate).
// Header-only so the scraper unit tests and the integration tests share it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace promlite::testutil::tls {

struct KeyCert {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  KeyCert() = default;
  KeyCert(const KeyCert&) = delete;
  KeyCert& operator=(const KeyCert&) = delete;
  KeyCert(KeyCert&& o) noexcept : key(o.key), cert(o.cert) { o.key = nullptr, o.cert = nullptr; }
  ~KeyCert() {
    EVP_PKEY_free(key);
    X509_free(cert);
  }
};

inline void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("openssl: ") + what);
}

inline void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A P-256 key and a certificate for `cn`, signed by `issuer` (self-signed
// when null). `san` like "DNS:localhost,IP:127.0.0.1"; `ca` makes it a CA.
inline KeyCert make_cert(const std::string& cn, const KeyCert* issuer, const std::string& san,
                         bool ca, bool client = false) {
  static std::atomic<long> serial{1};
  KeyCert kc;
  kc.key = EVP_EC_gen("P-256");
  check(kc.key != nullptr, "EVP_EC_gen");
  kc.cert = X509_new();
  X509_set_version(kc.cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(kc.cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(kc.cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(kc.cert), 24 * 3600);
  X509_set_pubkey(kc.cert, kc.key);
  X509_NAME* name = X509_get_subject_name(kc.cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* issuer_cert = issuer ? issuer->cert : kc.cert;
  X509_set_issuer_name(kc.cert, X509_get_subject_name(issuer_cert));
  if (ca) {
    add_ext(kc.cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(kc.cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(kc.cert, issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(kc.cert, issuer_cert, NID_ext_key_usage, client ? "clientAuth" : "serverAuth");
  }
  if (!san.empty()) add_ext(kc.cert, issuer_cert, NID_subject_alt_name, san.c_str());
  add_ext(kc.cert, issuer_cert, NID_subject_key_identifier, "hash");
  check(X509_sign(kc.cert, issuer ? issuer->key : kc.key, EVP_sha256()) > 0, "X509_sign");
  return kc;
}

inline void write_pem(const std::string& path, const KeyCert& kc, bool key) {
  FILE* f = std::fopen(path.c_str(), "w");
  check(f != nullptr, "fopen");
  bool ok = key ? PEM_write_PrivateKey(f, kc.key, nullptr, nullptr, 0, nullptr, nullptr) == 1
                : PEM_write_X509(f, kc.cert) == 1;
  std::fclose(f);
  check(ok, "PEM_write");
}

// Files of one test PKI in `dir`: ca.pem, server.pem/server-key.pem (for
// localhost and 127.0.0.1), client.pem/client-key.pem, and other-ca.pem (a CA
// that signed nothing here).
struct Pki {
  std::string dir, ca, server_cert, server_key, client_cert, client_key, other_ca;
};

inline Pki make_pki(const std::string& dir) {
  KeyCert ca = make_cert("promlite test CA", nullptr, "", true);
  KeyCert other = make_cert("unrelated CA", nullptr, "", true);
  KeyCert server = make_cert("localhost", &ca, "DNS:localhost,IP:127.0.0.1", false);
  KeyCert client = make_cert("promlite scraper", &ca, "", false, /*client=*/true);
  Pki p{dir,
        dir + "/ca.pem",
        dir + "/server.pem",
        dir + "/server-key.pem",
        dir + "/client.pem",
        dir + "/client-key.pem",
        dir + "/other-ca.pem"};
  write_pem(p.ca, ca, false);
  write_pem(p.other_ca, other, false);
  write_pem(p.server_cert, server, false);
  write_pem(p.server_key, server, true);
  write_pem(p.client_cert, client, false);
  write_pem(p.client_key, client, true);
  return p;
}

// A TLS target answering every GET with `body` (text format 0.0.4), one
// connection at a time, closing after each response.
class TlsTarget {
 public:
  TlsTarget(const Pki& pki, std::string body, bool require_client_cert) : body_(std::move(body)) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    check(ctx_ != nullptr, "SSL_CTX_new");
    check(SSL_CTX_use_certificate_file(ctx_, pki.server_cert.c_str(), SSL_FILETYPE_PEM) == 1,
          "server cert");
    check(SSL_CTX_use_PrivateKey_file(ctx_, pki.server_key.c_str(), SSL_FILETYPE_PEM) == 1,
          "server key");
    if (require_client_cert) {
      check(SSL_CTX_load_verify_locations(ctx_, pki.ca.c_str(), nullptr) == 1, "client CA");
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    check(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0, "bind");
    check(::listen(fd_, 16) == 0, "listen");
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TlsTarget() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int served() const { return served_.load(); }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      timeval tv{2, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, c);
      if (SSL_accept(ssl) == 1) {
        std::string req;
        char buf[4096];
        while (req.find("\r\n\r\n") == std::string::npos) {
          int n = SSL_read(ssl, buf, sizeof buf);
          if (n <= 0) break;
          req.append(buf, static_cast<size_t>(n));
        }
        if (req.find("\r\n\r\n") != std::string::npos) {
          std::string resp =
              "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " +
              std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
          SSL_write(ssl, resp.data(), static_cast<int>(resp.size()));
          ++served_;
        }
        SSL_shutdown(ssl);
      } else {
        // Read what the client still sends (its request) until it hangs up, so
        // closing does not reset the connection before it has read our alert.
        timeval shortwait{0, 300000};
        ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &shortwait, sizeof shortwait);
        char drain[1024];
        while (::recv(c, drain, sizeof drain, 0) > 0) {
        }
      }
      ERR_clear_error();
      SSL_free(ssl);
      ::close(c);
    }
  }

  std::string body_;
  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> served_{0};
  std::thread thread_;
};

}  // namespace promlite::testutil::tls
