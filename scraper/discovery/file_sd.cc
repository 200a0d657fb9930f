#include "scraper/discovery/file_sd.h"

#include <glob.h>
#include <sys/stat.h>

#include <boost/asio/post.hpp>
#include <fstream>
#include <sstream>

#include "model/log.h"
#include "scraper/discovery/file_sd_parse.h"
#include "scraper/target_labels.h"

namespace promlite::scraper::discovery {

namespace net = boost::asio;

void StaticProvider::start(Callback on_update) {
  std::vector<TargetGroup> groups;
  for (size_t i = 0; i < cfgs_.size(); ++i) {
    TargetGroup g;
    g.source = std::to_string(i);
    for (const auto& t : cfgs_[i].targets) {
      g.targets.push_back(model::Labels{{kAddressLabel, t}});
    }
    g.labels = cfgs_[i].labels;
    groups.push_back(std::move(g));
  }
  on_update(std::move(groups));
}

FileSDProvider::FileSDProvider(net::io_context& ioc, config::FileSDConfig cfg,
                               model::Duration check_interval)
    : strand_(net::make_strand(ioc)),
      timer_(strand_),
      cfg_(std::move(cfg)),
      check_interval_(check_interval) {}

void FileSDProvider::start(Callback on_update) {
  net::post(strand_, [self = shared_from_this(), cb = std::move(on_update)]() mutable {
    self->callback_ = std::move(cb);
    self->refresh(true);
    self->callback_(self->groups());
    self->schedule();
  });
}

void FileSDProvider::stop() {
  net::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
  });
}

void FileSDProvider::schedule() {
  timer_.expires_after(std::chrono::milliseconds(check_interval_));
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->stopped_) return;
    bool full = std::chrono::steady_clock::now() - self->last_full_ >=
                std::chrono::milliseconds(self->cfg_.refresh_interval);
    if (self->refresh(full)) self->callback_(self->groups());
    self->schedule();
  });
}

bool FileSDProvider::refresh(bool force) {
  if (force) last_full_ = std::chrono::steady_clock::now();
  std::map<std::string, FileState> next;
  bool changed = false;
  for (const auto& pattern : cfg_.files) {
    glob_t g{};
    if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) next.emplace(g.gl_pathv[i], FileState{});
    }
    globfree(&g);
  }
  for (auto& [path, state] : next) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;
    state.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    state.size = static_cast<uintmax_t>(st.st_size);
    auto old = files_.find(path);
    bool same = old != files_.end() && old->second.mtime_ns == state.mtime_ns &&
                old->second.size == state.size;
    if (same && !force) {
      state.groups = old->second.groups;
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    auto parsed = parse_file_sd(path, content.str());
    if (!parsed) {
      LOG_ERROR("Error reading file", {"component", "discovery manager"}, {"path", path},
                {"err", parsed.status().message()});
      if (old != files_.end()) state.groups = old->second.groups;  // keep the last good ones
      continue;
    }
    if (old == files_.end() || old->second.groups != *parsed) changed = true;
    state.groups = std::move(parsed).value();
  }
  for (const auto& [path, state] : files_) {
    if (!next.count(path) && !state.groups.empty()) changed = true;
  }
  files_ = std::move(next);
  return changed;
}

std::vector<TargetGroup> FileSDProvider::groups() const {
  std::vector<TargetGroup> out;
  for (const auto& [path, state] : files_) {
    out.insert(out.end(), state.groups.begin(), state.groups.end());
  }
  return out;
}

}  // namespace promlite::scraper::discovery
