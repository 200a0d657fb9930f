#include "bench/gen/farm.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace promlite::benchgen {
namespace {

using Body = std::shared_ptr<const std::string>;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct ClientStats {
  uint64_t scrapes = 0, samples = 0, bytes = 0;
};

struct Conn {
  int fd = -1;
  int target = 0;
  std::string in;
  std::string head;  // response head being written
  Body body;
  size_t off = 0;  // bytes of head+body written
  bool close_after = false;
};

class Farm {
 public:
  explicit Farm(const FarmOptions& opts) : opts_(opts), workload_(opts.workload) {}

  int run(const std::atomic<bool>& stop) {
    if (!listen_all()) return 1;
    render_all(std::chrono::steady_clock::now());
    if (!write_ports()) return 1;
    std::thread renderer([&] { render_loop(stop); });
    int rc = serve(stop);
    renderer.join();
    return rc;
  }

 private:
  bool listen_all() {
    const int n = static_cast<int>(workload_.targets().size());
    for (int i = 0; i < n; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<uint16_t>(opts_.base_port ? opts_.base_port + i : 0));
      if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 512) != 0) {
        std::fprintf(stderr, "benchgen: listen: %s\n", std::strerror(errno));
        return false;
      }
      socklen_t len = sizeof a;
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
      ports_.push_back(ntohs(a.sin_port));
      listeners_[fd] = i;
    }
    bodies_.resize(n);
    for (const Target& t : workload_.targets()) series_counts_.push_back(t.series.size());
    return true;
  }

  bool write_ports() {
    if (opts_.ports_file.empty()) {
      for (int p : ports_) std::printf("127.0.0.1:%d\n", p);
      std::fflush(stdout);
      return true;
    }
    const std::string tmp = opts_.ports_file + ".tmp";
    {
      std::ofstream f(tmp);
      for (int p : ports_) f << "127.0.0.1:" << p << "\n";
      if (!f) return false;
    }
    return std::rename(tmp.c_str(), opts_.ports_file.c_str()) == 0;
  }

  // t0: when the advance that precedes this render began.
  void render_all(std::chrono::steady_clock::time_point t0) {
    std::vector<Body> fresh;
    fresh.reserve(workload_.targets().size());
    for (const Target& t : workload_.targets()) {
      auto s = std::make_shared<std::string>();
      s->reserve(t.series.size() * 420);
      workload_.render(t, *s);
      fresh.push_back(std::move(s));
    }
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::lock_guard lock(mu_);
    bodies_.swap(fresh);
    step_ = workload_.step();
    render_seconds_ = took;
  }

  void render_loop(const std::atomic<bool>& stop) {
    const int64_t start = opts_.workload.start_ms, interval = opts_.workload.interval_ms;
    while (!stop) {
      const int64_t due = (now_ms() - start) / interval;
      if (due > workload_.step()) {
        // Catch up step by step: the data must not depend on timing.
        const auto t0 = std::chrono::steady_clock::now();
        while (workload_.step() < due) workload_.advance();
        render_all(t0);
        continue;
      }
      const int64_t next = start + (workload_.step() + 1) * interval;
      const int64_t wait = std::min<int64_t>(200, std::max<int64_t>(1, next - now_ms()));
      std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    }
  }

  std::string stats_json() {
    std::lock_guard lock(mu_);
    std::string out = "{\"step\":" + std::to_string(step_) +
                      ",\"targets\":" + std::to_string(workload_.targets().size()) +
                      ",\"series_per_target\":" + std::to_string(opts_.workload.series_per_target) +
                      ",\"interval_ms\":" + std::to_string(opts_.workload.interval_ms) +
                      ",\"start_ms\":" + std::to_string(opts_.workload.start_ms) +
                      ",\"render_seconds\":" + std::to_string(render_seconds_) + ",\"clients\":{";
    bool first = true;
    for (const auto& [ua, s] : stats_) {
      if (!first) out += ",";
      first = false;
      out += "\"" + ua + "\":{\"scrapes\":" + std::to_string(s.scrapes) +
             ",\"samples\":" + std::to_string(s.samples) + ",\"bytes\":" + std::to_string(s.bytes) +
             "}";
    }
    return out + "}}\n";
  }

  // Parses one complete request in c.in and prepares the response.
  void respond(Conn& c, const std::string& req) {
    const size_t sp1 = req.find(' '), sp2 = req.find(' ', sp1 + 1);
    const std::string path = req.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string ua = "unknown";
    c.close_after = false;
    for (size_t pos = req.find("\r\n") + 2; pos < req.size();) {
      size_t eol = req.find("\r\n", pos);
      if (eol == std::string::npos) break;
      std::string line = req.substr(pos, eol - pos);
      pos = eol + 2;
      if (strncasecmp(line.c_str(), "user-agent:", 11) == 0) {
        size_t b = line.find_first_not_of(' ', 11);
        ua = b == std::string::npos ? "" : line.substr(b);
        for (char& ch : ua) {
          if (ch == '"' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20) ch = '_';
        }
        if (ua.size() > 60) ua.resize(60);
      }
      if (strncasecmp(line.c_str(), "connection:", 11) == 0 &&
          line.find("close") != std::string::npos) {
        c.close_after = true;
      }
    }
    const char* type = "text/plain; version=0.0.4; charset=utf-8";
    if (path.rfind("/stats", 0) == 0) {
      c.body = std::make_shared<std::string>(stats_json());
      type = "application/json";
    } else {
      std::lock_guard lock(mu_);
      c.body = bodies_[c.target];
      ClientStats& s = stats_[ua];
      s.scrapes++;
      s.samples += series_counts_[c.target];
      s.bytes += c.body->size();
    }
    c.head = "HTTP/1.1 200 OK\r\nContent-Type: " + std::string(type) +
             "\r\nContent-Length: " + std::to_string(c.body->size()) + "\r\n" +
             (c.close_after ? "Connection: close\r\n" : "") + "\r\n";
    c.off = 0;
  }

  // Writes what it can; true when the response is fully written.
  bool flush(Conn& c) {
    while (c.body) {
      const size_t total = c.head.size() + c.body->size();
      iovec iov[2];
      int n = 0;
      if (c.off < c.head.size()) {
        iov[n++] = {const_cast<char*>(c.head.data() + c.off), c.head.size() - c.off};
        iov[n++] = {const_cast<char*>(c.body->data()), c.body->size()};
      } else {
        const size_t boff = c.off - c.head.size();
        iov[n++] = {const_cast<char*>(c.body->data() + boff), c.body->size() - boff};
      }
      ssize_t w = ::writev(c.fd, iov, n);
      if (w < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
        c.body.reset();  // the peer went away
        c.close_after = true;
        return true;
      }
      c.off += static_cast<size_t>(w);
      if (c.off == total) {
        c.body.reset();
        return true;
      }
    }
    return true;
  }

  int serve(const std::atomic<bool>& stop) {
    int ep = epoll_create1(0);
    for (const auto& [fd, target] : listeners_) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = fd;
      epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    std::unordered_map<int, Conn> conns;
    auto drop = [&](int fd) {
      epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
      ::close(fd);
      conns.erase(fd);
    };
    epoll_event events[256];
    while (!stop) {
      int n = epoll_wait(ep, events, 256, 200);
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (auto l = listeners_.find(fd); l != listeners_.end()) {
          for (;;) {
            int cfd = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK);
            if (cfd < 0) break;
            int one = 1;
            setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            Conn& c = conns[cfd];
            c.fd = cfd;
            c.target = l->second;
            epoll_event ev{};
            ev.events = EPOLLIN | EPOLLRDHUP;
            ev.data.fd = cfd;
            epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
          }
          continue;
        }
        auto it = conns.find(fd);
        if (it == conns.end()) continue;
        Conn& c = it->second;
        if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
          char buf[16384];
          bool closed = false;
          for (;;) {
            ssize_t r = ::recv(fd, buf, sizeof buf, 0);
            if (r > 0) {
              c.in.append(buf, static_cast<size_t>(r));
              continue;
            }
            if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) closed = true;
            break;
          }
          if (c.in.size() > (1 << 20)) closed = true;  // not a scraper
          if (closed && c.in.find("\r\n\r\n") == std::string::npos) {
            drop(fd);
            continue;
          }
        }
        // One request at a time; a pipelined next one waits in c.in.
        while (!c.body) {
          const size_t end = c.in.find("\r\n\r\n");
          if (end == std::string::npos) break;
          const std::string req = c.in.substr(0, end + 4);
          c.in.erase(0, end + 4);
          respond(c, req);
          if (!flush(c)) break;
          if (c.close_after) break;
        }
        if (c.close_after && !c.body) {
          drop(fd);
          continue;
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP | (c.body ? static_cast<uint32_t>(EPOLLOUT) : 0u);
        ev.data.fd = fd;
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
      }
    }
    for (auto& [fd, c] : conns) ::close(fd);
    for (const auto& [fd, t] : listeners_) ::close(fd);
    ::close(ep);
    return 0;
  }

  FarmOptions opts_;
  Workload workload_;
  std::vector<int> ports_;
  std::vector<size_t> series_counts_;  // per target; constant (churn keeps slots)
  std::map<int, int> listeners_;       // fd -> target
  std::mutex mu_;                      // guards bodies_, stats_, step_
  std::vector<Body> bodies_;
  std::map<std::string, ClientStats> stats_;
  int64_t step_ = 0;
  double render_seconds_ = 0;  // the last advance-and-render of all targets
};

}  // namespace

int run_farm(const FarmOptions& opts, const std::atomic<bool>& stop) {
  FarmOptions o = opts;
  o.workload.start_ms = now_ms() / 1000 * 1000;
  Farm farm(o);
  return farm.run(stop);
}

}  // namespace promlite::benchgen
