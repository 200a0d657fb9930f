// List-then-watch of the pods of one namespace (or of all namespaces), kept as
// target groups, as client-go's reflector does it for Prometheus:
//  - list in pages (limit/continue), remember the list's resourceVersion;
//  - watch from it with allowWatchBookmarks, applying ADDED/MODIFIED/DELETED
//    and moving the resourceVersion on BOOKMARKs;
//  - a watch that ends normally is re-opened from the last resourceVersion; a
//    410 Gone (at watch start or as an ERROR event), any other ERROR event, or
//    a failed request leads to a relist;
//  - every retry waits an exponential backoff with jitter, reset only after a
//    watch stayed open for a while, so a dead or flapping API server is never
//    polled in a tight loop.
// Runs on the strand given at construction; all methods must be called there.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "scraper/discovery/kubernetes/api_stream.h"
#include "scraper/discovery/kubernetes/json_splitter.h"
#include "scraper/discovery/target_group.h"

namespace promlite::scraper::discovery::kubernetes {

struct WatchOptions {
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
  // Watches ask the server to end them after [watch_timeout, 2*watch_timeout).
  std::chrono::seconds watch_timeout{300};
  // A list page must arrive within this.
  std::chrono::seconds request_timeout{60};
  // A watch open at least this long resets the backoff when it ends.
  std::chrono::milliseconds healthy_watch{1000};
  int page_limit = 500;
  size_t max_page_bytes = size_t{256} << 20;
  size_t max_event_bytes = size_t{16} << 20;
};

struct WatcherCounters {
  uint64_t lists = 0;     // list requests (pages) sent
  uint64_t relists = 0;   // full relists after the first
  uint64_t watches = 0;   // watch requests sent
  uint64_t events = 0;    // watch events applied
  uint64_t failures = 0;  // requests that failed (and were retried after a backoff)
};

class PodWatcher : public std::enable_shared_from_this<PodWatcher> {
 public:
  // `removed`: sources whose group went away with this change.
  using OnChange = std::function<void(std::vector<std::string> removed)>;

  // `ns` empty: all namespaces. Selectors are the pod role's label/field ones.
  PodWatcher(boost::asio::any_io_executor strand, std::shared_ptr<const ClientConfig> client,
             std::string user_agent, std::string ns, std::string label_selector,
             std::string field_selector, WatchOptions opts, OnChange on_change);

  void start();
  void stop();

  // True once the first list completed.
  bool synced() const { return synced_; }
  // True while a relist is being read: groups() then lacks the pods already
  // moved to the new list, so it must not be published.
  bool relisting() const { return relisting_; }
  const std::map<std::string, TargetGroup>& groups() const { return groups_; }
  const WatcherCounters& counters() const { return counters_; }
  const std::string& resource_version() const { return resource_version_; }

  // "/api/v1/namespaces/<ns>/pods?..." for a list page or a watch.
  std::string list_target(const std::string& continue_token) const;
  std::string watch_target(std::chrono::seconds timeout) const;

 private:
  void list_page(std::string continue_token);
  void on_list_page(int http_status, Status s, const std::string& body);
  void watch();
  void on_watch_object(std::string_view object);
  void on_watch_done(Status s);
  void retry(bool relist);
  void abandon_listing();
  std::chrono::milliseconds next_backoff();
  void log_status_error(const char* what, int http_status, const std::string& body);
  std::string selectors_query() const;

  boost::asio::any_io_executor strand_;
  std::shared_ptr<const ClientConfig> client_;
  std::string user_agent_;
  std::string ns_;
  std::string label_selector_;
  std::string field_selector_;
  WatchOptions opts_;
  OnChange on_change_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<ApiStream> stream_;
  std::mt19937_64 rng_;

  bool stopped_ = false;
  bool synced_ = false;
  bool relisting_ = false;
  std::map<std::string, TargetGroup> groups_;   // by source
  std::map<std::string, TargetGroup> listing_;  // the relist in progress
  size_t listing_changed_ = 0;                  // new or changed pods in it
  std::string resource_version_;
  int attempts_ = 0;  // consecutive failures, for the backoff

  // The watch in progress.
  int watch_status_ = 0;
  std::string watch_error_body_;
  JsonSplitter splitter_;
  bool watch_relist_ = false;
  Status watch_error_;
  std::chrono::steady_clock::time_point watch_started_;
  std::vector<std::string> pending_removed_;
  bool pending_change_ = false;

  WatcherCounters counters_;
};

// Percent-encodes a query parameter value.
std::string query_escape(std::string_view s);

}  // namespace promlite::scraper::discovery::kubernetes
