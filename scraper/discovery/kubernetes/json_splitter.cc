#include "scraper/discovery/kubernetes/json_splitter.h"

namespace promlite::scraper::discovery::kubernetes {

void JsonSplitter::reset() {
  buf_.clear();
  depth_ = 0;
  in_string_ = false;
  escape_ = false;
}

Status JsonSplitter::feed(std::string_view data,
                          const std::function<bool(std::string_view)>& on_object) {
  size_t start = 0;  // where the current object's bytes begin in `data`
  for (size_t i = 0; i < data.size(); ++i) {
    char c = data[i];
    if (depth_ == 0) {
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        start = i + 1;
        continue;
      }
      if (c != '{') {
        reset();
        return invalid_argument("unexpected byte in the watch stream outside an object");
      }
      start = i;
      depth_ = 1;
      continue;
    }
    if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      continue;
    }
    if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if (c == '}' || c == ']') {
      if (--depth_ == 0) {
        bool go_on;
        if (buf_.empty()) {
          go_on = on_object(data.substr(start, i + 1 - start));
        } else {
          buf_.append(data.substr(start, i + 1 - start));
          std::string object = std::move(buf_);
          buf_.clear();
          go_on = on_object(object);
        }
        start = i + 1;
        if (!go_on) {
          reset();
          return Status::ok();
        }
      }
    }
  }
  if (depth_ > 0) {
    if (buf_.size() + (data.size() - start) > max_) {
      reset();
      return Status(StatusCode::kResourceExhausted, "watch event larger than the limit");
    }
    buf_.append(data.substr(start));
  }
  return Status::ok();
}

}  // namespace promlite::scraper::discovery::kubernetes
