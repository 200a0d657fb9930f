// A fake Kubernetes API server for tests: HTTPS (a self-signed certificate for
// 127.0.0.1 made at start with OpenSSL) or plain HTTP on loopback, speaking the
// pod list/watch protocol: paginated lists (limit/continue) with a
// resourceVersion, chunked watch streams replaying events after the requested
// resourceVersion, bookmarks, 410 Gone for compacted versions, ERROR events,
// dropped connections, bearer-token checks, and going down / coming back on the
// same port. Header-only (only *_test.cc files are compiled in tests/kubernetes).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace promlite::testutil {

// A self-signed certificate (CA:TRUE, SAN IP:127.0.0.1) and its key, as PEM.
struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

inline TestCert make_test_cert(const char* cn = "127.0.0.1") {
  EVP_PKEY* key = EVP_EC_gen("prime256v1");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x),
                   static_cast<long>(std::random_device{}() & 0x7fffffff));
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, key, EVP_sha256());
  auto to_string = [](BIO* b) {
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    std::string s(data, static_cast<size_t>(n));
    BIO_free(b);
    return s;
  };
  BIO* cb = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cb, x);
  BIO* kb = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(kb, key, nullptr, nullptr, 0, nullptr, nullptr);
  TestCert out{to_string(cb), to_string(kb)};
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

class FakeApiServer {
 public:
  struct Request {
    std::string target;
    std::string authorization;
  };

  explicit FakeApiServer(bool tls = true) : tls_(tls) {
    // SSL_write/SSL_shutdown on a connection the peer (or go_down) closed must
    // not kill the test process.
    ::signal(SIGPIPE, SIG_IGN);
    if (tls_) {
      cert_ = make_test_cert();
      ctx_ = SSL_CTX_new(TLS_server_method());
      BIO* cb = BIO_new_mem_buf(cert_.cert_pem.data(), static_cast<int>(cert_.cert_pem.size()));
      X509* x = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
      BIO* kb = BIO_new_mem_buf(cert_.key_pem.data(), static_cast<int>(cert_.key_pem.size()));
      EVP_PKEY* k = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
      SSL_CTX_use_certificate(ctx_, x);
      SSL_CTX_use_PrivateKey(ctx_, k);
      X509_free(x);
      EVP_PKEY_free(k);
      BIO_free(cb);
      BIO_free(kb);
    }
    listen_on(0);
  }
  ~FakeApiServer() {
    go_down();
    if (ctx_) SSL_CTX_free(ctx_);
  }

  uint16_t port() const { return port_; }
  std::string url() const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  }
  const std::string& ca_pem() const { return cert_.cert_pem; }

  // --- the cluster -----------------------------------------------------------
  // `json_for_rv(rv)`: the pod's JSON carrying that resourceVersion.
  void upsert(const std::string& ns, const std::string& name, const std::string& json) {
    std::lock_guard<std::mutex> l(mu_);
    ++rv_;
    bool existed = pods_.count(ns + "/" + name) > 0;
    pods_[ns + "/" + name] = json;
    push_locked(existed ? "MODIFIED" : "ADDED", json);
  }
  void remove(const std::string& ns, const std::string& name) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = pods_.find(ns + "/" + name);
    if (it == pods_.end()) return;
    ++rv_;
    push_locked("DELETED", it->second);
    pods_.erase(it);
  }
  void bookmark() {
    std::lock_guard<std::mutex> l(mu_);
    ++rv_;
    events_.push_back({rv_,
                       "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":"
                       "\"v1\",\"metadata\":{\"resourceVersion\":\"" +
                           std::to_string(rv_) + "\"}}}\n"});
    cv_.notify_all();
  }
  int64_t resource_version() {
    std::lock_guard<std::mutex> l(mu_);
    return rv_;
  }
  // Forgets history: open watches end, and a watch from an older version gets 410.
  void compact() {
    std::lock_guard<std::mutex> l(mu_);
    ++rv_;
    min_rv_ = rv_;
    ++drop_epoch_;
    cv_.notify_all();
  }
  // Open watches get an ERROR event (410 Expired) and end.
  void send_error_event() {
    std::lock_guard<std::mutex> l(mu_);
    ++error_epoch_;
    cv_.notify_all();
  }
  // Open watches end cleanly (as at the server's timeout).
  void end_watches() {
    std::lock_guard<std::mutex> l(mu_);
    ++drop_epoch_;
    cv_.notify_all();
  }
  void set_token(std::string t) {
    std::lock_guard<std::mutex> l(mu_);
    token_ = std::move(t);
  }
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }
  int open_watches() const { return open_watches_.load(); }

  // Stops listening and closes every connection (the API server is down).
  void go_down() {
    stopping_ = true;
    {
      std::lock_guard<std::mutex> l(mu_);
      cv_.notify_all();
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    if (listen_fd_ >= 0) {
      ::shutdown(listen_fd_, SHUT_RDWR);
      ::close(listen_fd_);
      listen_fd_ = -1;
    }
    if (acceptor_.joinable()) acceptor_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard<std::mutex> l(mu_);
      workers.swap(workers_);
    }
    for (auto& t : workers) t.join();
  }
  // Listens again on the same port.
  void come_back() { listen_on(port_); }

 private:
  struct Event {
    int64_t rv;
    std::string line;
  };

  void push_locked(const char* type, const std::string& json) {
    // The object carries the new resourceVersion, as the API server's would.
    std::string obj = json;
    size_t p = obj.find("\"resourceVersion\":\"");
    if (p != std::string::npos) {
      size_t start = p + 19, end = obj.find('"', start);
      obj.replace(start, end - start, std::to_string(rv_));
    }
    events_.push_back({rv_, std::string("{\"type\":\"") + type + "\",\"object\":" + obj + "}\n"});
    cv_.notify_all();
  }

  void listen_on(uint16_t port) {
    stopping_ = false;
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
    ::listen(listen_fd_, 64);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this, fd = listen_fd_] {
      while (!stopping_) {
        int c = ::accept(fd, nullptr, nullptr);
        if (c < 0) return;
        std::lock_guard<std::mutex> l(mu_);
        fds_.push_back(c);
        workers_.emplace_back([this, c] { serve(c); });
      }
    });
  }

  // Blocking I/O over the plain socket or TLS.
  struct Conn {
    int fd;
    SSL* ssl = nullptr;
    bool write(const std::string& s) {
      size_t off = 0;
      while (off < s.size()) {
        int n = ssl ? SSL_write(ssl, s.data() + off, static_cast<int>(s.size() - off))
                    : static_cast<int>(::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL));
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
      }
      return true;
    }
    int read(char* buf, int n) {
      return ssl ? SSL_read(ssl, buf, n) : static_cast<int>(::recv(fd, buf, n, 0));
    }
  };

  void serve(int fd) {
    Conn c{fd};
    if (tls_) {
      c.ssl = SSL_new(ctx_);
      SSL_set_fd(c.ssl, fd);
      if (SSL_accept(c.ssl) <= 0) return finish(c);
    }
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
      int n = c.read(buf, sizeof buf);
      if (n <= 0) return finish(c);
      head.append(buf, static_cast<size_t>(n));
    }
    Request req;
    size_t sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
    req.target = head.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t a = head.find("\r\nAuthorization: ");
    if (a == std::string::npos) a = head.find("\r\nauthorization: ");
    if (a != std::string::npos) {
      size_t s = a + 17;
      req.authorization = head.substr(s, head.find("\r\n", s) - s);
    }
    std::string token;
    {
      std::lock_guard<std::mutex> l(mu_);
      requests_.push_back(req);
      token = token_;
    }
    if (!token.empty() && req.authorization != "Bearer " + token) {
      respond(c, 401, status_json(401, "Unauthorized", "Unauthorized"));
      return finish(c);
    }
    std::string ns;  // "" = all namespaces
    const std::string kNs = "/api/v1/namespaces/";
    if (req.target.rfind(kNs, 0) == 0) {
      ns = req.target.substr(kNs.size(), req.target.find('/', kNs.size()) - kNs.size());
    } else if (req.target.rfind("/api/v1/pods", 0) != 0) {
      respond(c, 404,
              status_json(404, "NotFound", "the server could not find the requested resource"));
      return finish(c);
    }
    if (param(req.target, "watch") == "true") {
      watch(c, ns, std::stoll("0" + param(req.target, "resourceVersion")));
    } else {
      list(c, ns, param(req.target, "limit"), param(req.target, "continue"));
    }
    finish(c);
  }

  void finish(Conn& c) {
    if (c.ssl) {
      SSL_shutdown(c.ssl);
      SSL_free(c.ssl);
    }
    std::lock_guard<std::mutex> l(mu_);
    ::close(c.fd);
    for (auto it = fds_.begin(); it != fds_.end(); ++it) {
      if (*it == c.fd) {
        fds_.erase(it);
        break;
      }
    }
  }

  static std::string param(const std::string& target, const std::string& name) {
    size_t q = target.find('?');
    if (q == std::string::npos) return "";
    std::string query = "&" + target.substr(q + 1);
    size_t p = query.find("&" + name + "=");
    if (p == std::string::npos) return "";
    size_t s = p + name.size() + 2;
    return query.substr(s, query.find('&', s) - s);
  }

  static std::string status_json(int code, const std::string& reason, const std::string& msg) {
    return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
           "\"message\":\"" +
           msg + "\",\"reason\":\"" + reason + "\",\"code\":" + std::to_string(code) + "}";
  }

  static void respond(Conn& c, int code, const std::string& body) {
    c.write("HTTP/1.1 " + std::to_string(code) + " X\r\nContent-Type: application/json\r\n" +
            "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
            body);
  }

  bool in_ns(const std::string& key, const std::string& ns) {
    return ns.empty() || key.rfind(ns + "/", 0) == 0;
  }

  void list(Conn& c, const std::string& ns, const std::string& limit_s, const std::string& cont) {
    std::string body;
    {
      std::lock_guard<std::mutex> l(mu_);
      size_t limit = limit_s.empty() ? SIZE_MAX : std::stoul(limit_s);
      size_t start = cont.empty() ? 0 : std::stoul(cont);
      std::string items;
      size_t i = 0, n = 0;
      bool more = false;
      for (const auto& [key, json] : pods_) {
        if (!in_ns(key, ns)) continue;
        if (i++ < start) continue;
        if (n == limit) {
          more = true;
          break;
        }
        if (n++) items += ",";
        items += json;
      }
      body = "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"" +
             std::to_string(rv_) + "\"" +
             (more ? ",\"continue\":\"" + std::to_string(start + n) + "\"" : std::string()) +
             "},\"items\":[" + items + "]}";
    }
    respond(c, 200, body);
  }

  void watch(Conn& c, const std::string& ns, int64_t from) {
    std::unique_lock<std::mutex> l(mu_);
    if (from < min_rv_) {
      l.unlock();
      respond(c, 410,
              status_json(410, "Expired", "too old resource version: " + std::to_string(from)));
      return;
    }
    int drop = drop_epoch_, error = error_epoch_;
    l.unlock();
    if (!c.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n")) {
      return;
    }
    ++open_watches_;
    auto chunk = [&](const std::string& s) {
      char hex[16];
      std::snprintf(hex, sizeof hex, "%zx\r\n", s.size());
      return c.write(hex + s + "\r\n");
    };
    l.lock();
    size_t next = 0;
    while (!stopping_) {
      while (next < events_.size()) {
        const Event e = events_[next++];
        if (e.rv <= from) continue;
        bool bookmark = e.line.find("\"BOOKMARK\"") != std::string::npos;
        if (!bookmark && !ns.empty() &&
            e.line.find("\"namespace\":\"" + ns + "\"") == std::string::npos) {
          continue;
        }
        l.unlock();
        bool ok = chunk(e.line);
        l.lock();
        if (!ok) {
          --open_watches_;
          return;
        }
      }
      if (error_epoch_ != error) {
        l.unlock();
        chunk("{\"type\":\"ERROR\",\"object\":" +
              status_json(410, "Expired", "too old resource version") + "}\n");
        c.write("0\r\n\r\n");
        --open_watches_;
        return;
      }
      if (drop_epoch_ != drop) break;
      cv_.wait(l);
    }
    l.unlock();
    if (!stopping_) c.write("0\r\n\r\n");
    --open_watches_;
  }

  bool tls_;
  TestCert cert_;
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> open_watches_{0};
  std::thread acceptor_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> workers_;
  std::vector<int> fds_;
  std::map<std::string, std::string> pods_;  // "ns/name" -> JSON
  std::vector<Event> events_;
  int64_t rv_ = 1000;
  int64_t min_rv_ = 0;
  int drop_epoch_ = 0;
  int error_epoch_ = 0;
  std::string token_;
  std::vector<Request> requests_;
};

}  // namespace promlite::testutil
