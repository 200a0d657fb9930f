// file_sd_configs: target groups from JSON/YAML files matched by globs, re-read
// when a file changes (checked every few seconds by modification time and size)
// and on refresh_interval. A file that fails to parse keeps its last good groups
// and the error is logged, as Prometheus does; a file that disappears takes its
// groups with it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "scraper/discovery/provider.h"

namespace promlite::scraper::discovery {

class FileSDProvider : public Provider, public std::enable_shared_from_this<FileSDProvider> {
 public:
  // `check_interval`: how often files are checked for changes.
  FileSDProvider(boost::asio::io_context& ioc, config::FileSDConfig cfg,
                 model::Duration check_interval = 5 * model::kSecond);
  void start(Callback on_update) override;
  void stop() override;

  // One pass: expand globs, re-read changed files; true when the groups changed.
  // (Public for tests.)
  bool refresh(bool force);
  std::vector<TargetGroup> groups() const;

 private:
  struct FileState {
    int64_t mtime_ns = 0;
    uintmax_t size = 0;
    std::vector<TargetGroup> groups;
  };
  void schedule();

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  config::FileSDConfig cfg_;
  model::Duration check_interval_;
  Callback callback_;
  bool stopped_ = false;
  std::map<std::string, FileState> files_;
  std::chrono::steady_clock::time_point last_full_;
};

// Static targets: one group per static_configs entry, emitted once.
class StaticProvider : public Provider {
 public:
  explicit StaticProvider(std::vector<config::StaticConfig> cfgs) : cfgs_(std::move(cfgs)) {}
  void start(Callback on_update) override;
  void stop() override {}

 private:
  std::vector<config::StaticConfig> cfgs_;
};

}  // namespace promlite::scraper::discovery
