// A small HTTP/1.1 server on 127.0.0.1 for tests: scrape targets that are
// healthy, slow, broken or gone, with keep-alive and optional gzip. One thread
// per connection; responses come from a handler the test sets.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace promlite::testutil {

struct FakeRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-cased names
};

struct FakeResponse {
  int status = 200;
  std::string content_type = "text/plain; version=0.0.4";
  std::string body;
  bool gzip = false;     // compress the body and set Content-Encoding
  int delay_ms = 0;      // sleep before answering
  bool close = false;    // close the connection after answering
  bool hang_up = false;  // close without answering
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  explicit FakeHttpServer(Handler handler);
  ~FakeHttpServer();

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }
  void set_handler(Handler h);
  // Stops listening and closes every connection (a target that disappears).
  void stop();

 private:
  void accept_loop();
  void serve(int fd);

  Handler handler_;
  std::mutex mu_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread acceptor_;
  std::vector<std::thread> workers_;
  std::vector<int> fds_;
};

// gzip-compresses `in` (for fake targets and fetcher tests).
std::string gzip_compress(const std::string& in);

}  // namespace promlite::testutil
