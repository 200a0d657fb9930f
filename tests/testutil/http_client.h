// A small blocking HTTP/1.1 client for tests (loopback only).
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace promlite::testutil {

struct HttpResult {
  int status = 0;  // 0: the request failed (see error)
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string error;
};

// Sends one request to 127.0.0.1:port and reads the whole response.
HttpResult http_request(uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = "",
                        const std::map<std::string, std::string>& headers = {});

// Percent-encodes everything but unreserved characters (RFC 3986), for query
// strings and form bodies.
std::string url_encode(const std::string& s);

inline HttpResult http_get(uint16_t port, const std::string& target) {
  return http_request(port, "GET", target);
}

}  // namespace promlite::testutil
