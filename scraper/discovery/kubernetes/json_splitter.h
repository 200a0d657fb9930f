// Splits a stream of concatenated JSON objects (a watch's event stream; the API
// server writes one object per line, but chunk boundaries fall anywhere) into
// complete objects, without parsing them.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "model/status.h"

namespace promlite::scraper::discovery::kubernetes {

class JsonSplitter {
 public:
  // An object being assembled may not grow past `max_object_bytes`.
  explicit JsonSplitter(size_t max_object_bytes = size_t{16} << 20) : max_(max_object_bytes) {}

  // Feeds bytes; `on_object` runs for every object completed by them and may
  // return false to stop (the rest of the input is then discarded). Fails on
  // bytes outside an object that are not whitespace, or an oversized object.
  Status feed(std::string_view data, const std::function<bool(std::string_view)>& on_object);

  void reset();
  // Bytes held for an incomplete object.
  size_t pending() const { return buf_.size(); }

 private:
  size_t max_;
  std::string buf_;
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
};

}  // namespace promlite::scraper::discovery::kubernetes
