// A minimal blocking HTTP/1.1 client for the generator's uploads (remote write,
// VictoriaMetrics import): one keep-alive connection, Content-Length or chunked
// responses. Not thread-safe: one client per thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace promlite::benchgen {

struct Url {
  std::string host;
  int port = 80;
  std::string path = "/";
};

// Parses "http://host:port/path"; false if it is not of that form.
bool parse_url(const std::string& text, Url* out);

class HttpClient {
 public:
  explicit HttpClient(Url url) : url_(std::move(url)) {}
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs body to the URL's path; returns the status code, or -1 with *error
  // set when the connection failed (it reconnects once on a stale keep-alive).
  int post(const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
           std::string* response, std::string* error);

 private:
  bool connect(std::string* error);
  int exchange(const std::string& head, const std::string& body, std::string* response,
               std::string* error);
  bool read_more(std::string* error);

  Url url_;
  int fd_ = -1;
  std::string buf_;
};

}  // namespace promlite::benchgen
