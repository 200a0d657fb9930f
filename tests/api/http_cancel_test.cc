// The HTTP server stops worker-pool handlers whose client went away
// (HttpRequest::cancel), drops their response, and still serves keep-alive
// and pipelined requests on connections that stay.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <thread>

#include "api/http_server.h"

namespace promlite::api {
namespace {

using namespace std::chrono_literals;

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

void send_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    off += static_cast<size_t>(n);
  }
}

// Everything until the server closes (or 5 s pass).
std::string read_to_eof(int fd) {
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

template <typename Pred>
bool wait_for(Pred pred, std::chrono::milliseconds limit = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

class HttpCancelTest : public ::testing::Test {
 protected:
  HttpCancelTest() : guard_(boost::asio::make_work_guard(ioc_)) {
    // Runs until its client goes away (at most 10 s).
    router_.handle(
        "/slow", {http::verb::get},
        [this](const HttpRequest& req, HttpResponse& resp) {
          started_ = true;
          auto deadline = std::chrono::steady_clock::now() + 10s;
          while (!req.cancel.stop_requested() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(1ms);
          }
          saw_stop_ = req.cancel.stop_requested();
          resp.body = "slow done";
        },
        Execution::kWorkerPool);
    router_.handle(
        "/work", {http::verb::get},
        [](const HttpRequest&, HttpResponse& resp) {
          std::this_thread::sleep_for(50ms);
          resp.body = "work done";
        },
        Execution::kWorkerPool);
    router_.handle("/fast", {http::verb::get},
                   [](const HttpRequest&, HttpResponse& resp) { resp.body = "fast"; });
    HttpServerOptions opts;
    opts.host = "127.0.0.1";
    opts.port = 0;
    opts.worker_threads = 1;
    server_ = std::make_unique<HttpServer>(ioc_, router_, opts);
    EXPECT_TRUE(server_->start().is_ok());
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~HttpCancelTest() override {
    server_->stop(1000);
    guard_.reset();
    ioc_.stop();
    thread_.join();
  }

  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::atomic<bool> started_{false};
  std::atomic<bool> saw_stop_{false};
};

TEST_F(HttpCancelTest, ClientGoneStopsTheHandler) {
  int fd = connect_to(server_->port());
  ASSERT_GE(fd, 0);
  send_all(fd, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(wait_for([&] { return started_.load(); }));
  auto closed_at = std::chrono::steady_clock::now();
  ::close(fd);
  ASSERT_TRUE(wait_for([&] { return server_->requests_canceled() == 1; }));
  EXPECT_TRUE(wait_for([&] { return saw_stop_.load(); }));
  EXPECT_LT(std::chrono::steady_clock::now() - closed_at, 3s);
  EXPECT_TRUE(wait_for([&] { return server_->in_flight() == 0; }));
  // The single worker is free again.
  fd = connect_to(server_->port());
  send_all(fd, "GET /work HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string resp = read_to_eof(fd);
  ::close(fd);
  EXPECT_NE(resp.find("work done"), std::string::npos) << resp;
  EXPECT_EQ(server_->requests_canceled(), 1u);
}

TEST_F(HttpCancelTest, HalfDoneRequestsOnLiveConnectionsAreAnswered) {
  // Keep-alive: a worker-pool request, then another, then an inline one.
  int fd = connect_to(server_->port());
  ASSERT_GE(fd, 0);
  send_all(fd, "GET /work HTTP/1.1\r\nHost: x\r\n\r\n");
  char buf[4096];
  std::string first;
  while (first.find("work done") == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    first.append(buf, static_cast<size_t>(n));
  }
  // Pipelined: both requests in one write while the first runs on the pool.
  send_all(fd,
           "GET /work HTTP/1.1\r\nHost: x\r\n\r\n"
           "GET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto sent_at = std::chrono::steady_clock::now();
  std::string rest = read_to_eof(fd);
  // "Connection: close" closes right after the answer (not at the 5 s timeout).
  EXPECT_LT(std::chrono::steady_clock::now() - sent_at, 3s);
  ::close(fd);
  size_t work = rest.find("work done");
  size_t fast = rest.find("fast");
  ASSERT_NE(work, std::string::npos) << rest;
  ASSERT_NE(fast, std::string::npos) << rest;
  EXPECT_LT(work, fast);
  EXPECT_EQ(server_->requests_canceled(), 0u);
}

}  // namespace
}  // namespace promlite::api
