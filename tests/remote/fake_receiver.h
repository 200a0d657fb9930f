// A remote-write receiver for the remote/ tests: HTTP/1.1 on 127.0.0.1,
// decodes snappy + protobuf WriteRequests and keeps every sample it accepted.
// The handler chooses each answer's status. Header-only (tests only).
#pragma once

#include <fcntl.h>
#include <snappy.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace promlite::remote::testing {

struct ReceivedSample {
  std::string labels;  // "name=value,name=value" in wire order
  int64_t t;
  double v;
};

// One WriteRequest.metadata entry (MetricMetadata).
struct ReceivedMetadata {
  int type = 0;  // MetricMetadata.MetricType (0 UNKNOWN, 1 COUNTER, ...)
  std::string family, help, unit;
};

// Decodes a serialized WriteRequest; false when malformed. Metadata entries
// go to *metadata when given.
inline bool decode_write_request(std::string_view in, std::vector<ReceivedSample>& out,
                                 std::vector<ReceivedMetadata>* metadata = nullptr) {
  auto varint = [](std::string_view& s, uint64_t* v) {
    *v = 0;
    for (int shift = 0; !s.empty() && shift < 64; shift += 7) {
      uint8_t c = static_cast<uint8_t>(s[0]);
      s.remove_prefix(1);
      *v |= uint64_t(c & 0x7f) << shift;
      if (!(c & 0x80)) return true;
    }
    return false;
  };
  // Reads one field: tag and, for wire type 2, the bytes.
  auto field = [&](std::string_view& s, uint64_t* num, uint64_t* wt, std::string_view* bytes,
                   uint64_t* scalar) {
    uint64_t tag;
    if (!varint(s, &tag)) return false;
    *num = tag >> 3;
    *wt = tag & 7;
    if (*wt == 0) return varint(s, scalar);
    if (*wt == 1) {
      if (s.size() < 8) return false;
      std::memcpy(scalar, s.data(), 8);
      s.remove_prefix(8);
      return true;
    }
    if (*wt != 2) return false;
    uint64_t len;
    if (!varint(s, &len) || len > s.size()) return false;
    *bytes = s.substr(0, len);
    s.remove_prefix(len);
    return true;
  };
  uint64_t num, wt, scalar = 0;
  std::string_view ts;
  while (!in.empty()) {
    if (!field(in, &num, &wt, &ts, &scalar)) return false;
    if (num == 3 && wt == 2) {  // MetricMetadata
      ReceivedMetadata m;
      std::string_view b;
      while (!ts.empty()) {
        uint64_t n2, w2, sc = 0;
        if (!field(ts, &n2, &w2, &b, &sc)) return false;
        if (n2 == 1 && w2 == 0) m.type = static_cast<int>(sc);
        if (n2 == 2 && w2 == 2) m.family = b;
        if (n2 == 4 && w2 == 2) m.help = b;
        if (n2 == 5 && w2 == 2) m.unit = b;
      }
      if (metadata) metadata->push_back(std::move(m));
      continue;
    }
    if (num != 1 || wt != 2) continue;
    std::string labels;
    std::vector<std::pair<int64_t, double>> samples;
    std::string_view f;
    while (!ts.empty()) {
      if (!field(ts, &num, &wt, &f, &scalar)) return false;
      if (num == 1 && wt == 2) {  // Label
        std::string_view name, value, b;
        while (!f.empty()) {
          uint64_t n2, w2, sc;
          if (!field(f, &n2, &w2, &b, &sc)) return false;
          (n2 == 1 ? name : value) = b;
        }
        if (!labels.empty()) labels += ",";
        labels += std::string(name) + "=" + std::string(value);
      } else if (num == 2 && wt == 2) {  // Sample
        int64_t t = 0;
        double v = 0;
        std::string_view b;
        while (!f.empty()) {
          uint64_t n2, w2, sc = 0;
          if (!field(f, &n2, &w2, &b, &sc)) return false;
          if (n2 == 1) std::memcpy(&v, &sc, 8);
          if (n2 == 2) t = static_cast<int64_t>(sc);
        }
        samples.emplace_back(t, v);
      }
    }
    for (auto [t, v] : samples) out.push_back({labels, t, v});
  }
  return true;
}

class FakeReceiver {
 public:
  // Returns the HTTP status for a request (given its index, from 0).
  using Handler = std::function<int(int request)>;

  explicit FakeReceiver(Handler h, uint16_t port = 0) : handler_(std::move(h)) {
    namespace asio = boost::asio;
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    acceptor_.open(ep.protocol());
    // Not inherited by processes a test starts (a sender that held our port
    // open would accept its own requests while we are "down").
    ::fcntl(acceptor_.native_handle(), F_SETFD, FD_CLOEXEC);
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~FakeReceiver() { stop(); }

  void stop() {
    if (stopped_.exchange(true)) return;
    boost::system::error_code ec;
    {  // wakes the blocking accept()
      boost::asio::io_context ioc;
      boost::asio::ip::tcp::socket wake(ioc);
      wake.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    }
    thread_.join();
    acceptor_.close(ec);
    {
      // Reset, not FIN: like a receiver that crashed, and no lingering
      // connection state keeps a new receiver from binding the same port.
      std::lock_guard lk(mu_);
      for (auto* s : sockets_) {
        s->set_option(boost::asio::socket_base::linger(true, 0), ec);
        s->shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
      }
    }
    for (auto& t : workers_) t.join();
    for (auto* s : sockets_) delete s;
    sockets_.clear();
  }

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/v1/write"; }
  int requests() const { return requests_.load(); }
  std::vector<ReceivedSample> samples() const {
    std::lock_guard lk(mu_);
    return samples_;
  }
  // Metadata entries of accepted requests, in arrival order.
  std::vector<ReceivedMetadata> metadata() const {
    std::lock_guard lk(mu_);
    return metadata_;
  }
  // Entries per accepted request that carried metadata.
  std::vector<size_t> metadata_batch_sizes() const {
    std::lock_guard lk(mu_);
    return metadata_batch_sizes_;
  }
  // Requests (any answer) that carried metadata.
  int metadata_requests() const { return metadata_requests_.load(); }
  std::vector<size_t> batch_sizes() const {
    std::lock_guard lk(mu_);
    return batch_sizes_;
  }
  std::map<std::string, std::string> last_headers() const {
    std::lock_guard lk(mu_);
    return headers_;
  }
  bool wait_for_samples(size_t n, int timeout_ms = 5000) const {
    for (int i = 0; i < timeout_ms / 5; ++i) {
      if (samples().size() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return samples().size() >= n;
  }

 private:
  void accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      auto* sock = new boost::asio::ip::tcp::socket(ioc_);
      acceptor_.accept(*sock, ec);
      if (ec || stopped_) {
        delete sock;
        return;
      }
      ::fcntl(sock->native_handle(), F_SETFD, FD_CLOEXEC);
      std::lock_guard lk(mu_);
      sockets_.push_back(sock);
      workers_.emplace_back([this, sock] { serve(sock); });
    }
  }

  void serve(boost::asio::ip::tcp::socket* sock) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buf;
    for (;;) {
      http::request<http::string_body> req;
      boost::system::error_code ec;
      http::read(*sock, buf, req, ec);
      if (ec) break;
      int n = requests_++;
      int status = handler_(n);
      std::string raw;
      std::vector<ReceivedSample> got;
      std::vector<ReceivedMetadata> meta;
      bool ok = snappy::Uncompress(req.body().data(), req.body().size(), &raw) &&
                decode_write_request(raw, got, &meta);
      if (!ok) status = 400;
      if (!meta.empty()) ++metadata_requests_;
      {
        std::lock_guard lk(mu_);
        headers_.clear();
        for (const auto& h : req) headers_[std::string(h.name_string())] = std::string(h.value());
        if (status / 100 == 2) {
          // A metadata-only request is no sample batch.
          if (!got.empty() || meta.empty()) batch_sizes_.push_back(got.size());
          samples_.insert(samples_.end(), got.begin(), got.end());
          if (!meta.empty()) metadata_batch_sizes_.push_back(meta.size());
          metadata_.insert(metadata_.end(), meta.begin(), meta.end());
        }
      }
      http::response<http::string_body> res{static_cast<http::status>(status), 11};
      res.keep_alive(req.keep_alive());
      res.body() = status / 100 == 2 ? "" : "error\n";
      res.prepare_payload();
      http::write(*sock, res, ec);
      if (ec || !req.keep_alive()) break;
    }
    boost::system::error_code ec;
    sock->close(ec);
  }

  Handler handler_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_{ioc_};
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  std::thread thread_;
  std::atomic<int> requests_{0};
  std::atomic<int> metadata_requests_{0};
  mutable std::mutex mu_;
  std::vector<boost::asio::ip::tcp::socket*> sockets_;
  std::vector<std::thread> workers_;
  std::vector<ReceivedSample> samples_;
  std::vector<size_t> batch_sizes_;
  std::vector<ReceivedMetadata> metadata_;
  std::vector<size_t> metadata_batch_sizes_;
  std::map<std::string, std::string> headers_;
};

}  // namespace promlite::remote::testing
