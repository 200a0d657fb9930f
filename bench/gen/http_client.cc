#include "bench/gen/http_client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace promlite::benchgen {

bool parse_url(const std::string& text, Url* out) {
  const std::string scheme = "http://";
  if (text.compare(0, scheme.size(), scheme) != 0) return false;
  std::string rest = text.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  out->path = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) {
    out->host = hostport;
    out->port = 80;
  } else {
    out->host = hostport.substr(0, colon);
    out->port = std::atoi(hostport.c_str() + colon + 1);
  }
  return !out->host.empty() && out->port > 0 && out->port < 65536;
}

HttpClient::~HttpClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool HttpClient::connect(std::string* error) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buf_.clear();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(url_.host.c_str(), std::to_string(url_.port).c_str(), &hints, &res);
      rc != 0) {
    *error = std::string("resolve: ") + gai_strerror(rc);
    return false;
  }
  for (addrinfo* a = res; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      fd_ = fd;
      break;
    }
    ::close(fd);
  }
  freeaddrinfo(res);
  if (fd_ < 0) *error = std::string("connect: ") + std::strerror(errno);
  return fd_ >= 0;
}

bool HttpClient::read_more(std::string* error) {
  char tmp[65536];
  ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
  if (n <= 0) {
    *error = n == 0 ? "connection closed" : std::string("recv: ") + std::strerror(errno);
    return false;
  }
  buf_.append(tmp, static_cast<size_t>(n));
  return true;
}

int HttpClient::exchange(const std::string& head, const std::string& body, std::string* response,
                         std::string* error) {
  for (const std::string* part : {&head, &body}) {
    size_t off = 0;
    while (off < part->size()) {
      ssize_t n = ::send(fd_, part->data() + off, part->size() - off, MSG_NOSIGNAL);
      if (n <= 0) {
        *error = std::string("send: ") + std::strerror(errno);
        return -1;
      }
      off += static_cast<size_t>(n);
    }
  }
  size_t end;
  while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
    if (!read_more(error)) return -1;
  }
  const std::string headers = buf_.substr(0, end + 2);
  buf_.erase(0, end + 4);
  int status = 0;
  if (headers.size() < 12 || std::sscanf(headers.c_str(), "HTTP/1.%*d %d", &status) != 1) {
    *error = "malformed response";
    return -1;
  }
  long length = -1;
  bool chunked = false, close_after = false;
  for (size_t pos = headers.find("\r\n") + 2; pos < headers.size();) {
    size_t eol = headers.find("\r\n", pos);
    std::string line = headers.substr(pos, eol - pos);
    pos = eol + 2;
    if (strncasecmp(line.c_str(), "content-length:", 15) == 0)
      length = std::atol(line.c_str() + 15);
    if (strncasecmp(line.c_str(), "transfer-encoding:", 18) == 0 &&
        line.find("chunked") != std::string::npos) {
      chunked = true;
    }
    if (strncasecmp(line.c_str(), "connection:", 11) == 0 &&
        line.find("close") != std::string::npos) {
      close_after = true;
    }
  }
  response->clear();
  if (chunked) {
    for (;;) {
      size_t eol;
      while ((eol = buf_.find("\r\n")) == std::string::npos) {
        if (!read_more(error)) return -1;
      }
      size_t size = std::strtoul(buf_.c_str(), nullptr, 16);
      while (buf_.size() < eol + 2 + size + 2) {
        if (!read_more(error)) return -1;
      }
      response->append(buf_, eol + 2, size);
      buf_.erase(0, eol + 2 + size + 2);
      if (size == 0) break;
    }
  } else if (length >= 0) {
    while (buf_.size() < static_cast<size_t>(length)) {
      if (!read_more(error)) return -1;
    }
    response->assign(buf_, 0, static_cast<size_t>(length));
    buf_.erase(0, static_cast<size_t>(length));
  } else if (status != 204 && status != 304) {
    std::string ignored;
    while (read_more(&ignored)) {
    }
    *response = buf_;
    buf_.clear();
    close_after = true;
  }
  if (close_after) {
    ::close(fd_);
    fd_ = -1;
  }
  return status;
}

int HttpClient::post(const std::vector<std::pair<std::string, std::string>>& headers,
                     const std::string& body, std::string* response, std::string* error) {
  std::string head = "POST " + url_.path + " HTTP/1.1\r\nHost: " + url_.host + ":" +
                     std::to_string(url_.port) +
                     "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& [k, v] : headers) head += k + ": " + v + "\r\n";
  head += "\r\n";
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool fresh = fd_ < 0;
    if (fresh && !connect(error)) return -1;
    int status = exchange(head, body, response, error);
    if (status >= 0) return status;
    ::close(fd_);
    fd_ = -1;
    if (fresh) return -1;  // a new connection failed: do not retry
  }
  return -1;
}

}  // namespace promlite::benchgen
