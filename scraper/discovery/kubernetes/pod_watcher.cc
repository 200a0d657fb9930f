#include "scraper/discovery/kubernetes/pod_watcher.h"

#include <boost/asio/post.hpp>

#include "model/log.h"
#include "scraper/discovery/kubernetes/pod.h"

namespace promlite::scraper::discovery::kubernetes {

namespace net = boost::asio;
using std::chrono::milliseconds;

std::string query_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

PodWatcher::PodWatcher(net::any_io_executor strand, std::shared_ptr<const ClientConfig> client,
                       std::string user_agent, std::string ns, std::string label_selector,
                       std::string field_selector, WatchOptions opts, OnChange on_change)
    : strand_(std::move(strand)),
      client_(std::move(client)),
      user_agent_(std::move(user_agent)),
      ns_(std::move(ns)),
      label_selector_(std::move(label_selector)),
      field_selector_(std::move(field_selector)),
      opts_(opts),
      on_change_(std::move(on_change)),
      timer_(strand_),
      rng_(std::random_device{}()),
      splitter_(opts.max_event_bytes) {}

std::string PodWatcher::selectors_query() const {
  std::string q;
  if (!field_selector_.empty()) q += "&fieldSelector=" + query_escape(field_selector_);
  if (!label_selector_.empty()) q += "&labelSelector=" + query_escape(label_selector_);
  return q;
}

static std::string pods_path(const std::string& ns) {
  return ns.empty() ? "/api/v1/pods" : "/api/v1/namespaces/" + query_escape(ns) + "/pods";
}

std::string PodWatcher::list_target(const std::string& continue_token) const {
  std::string t = pods_path(ns_) + "?limit=" + std::to_string(opts_.page_limit);
  if (!continue_token.empty()) t += "&continue=" + query_escape(continue_token);
  return t + selectors_query();
}

std::string PodWatcher::watch_target(std::chrono::seconds timeout) const {
  return pods_path(ns_) +
         "?allowWatchBookmarks=true&resourceVersion=" + query_escape(resource_version_) +
         "&timeoutSeconds=" + std::to_string(timeout.count()) + "&watch=true" + selectors_query();
}

void PodWatcher::start() { list_page(""); }

void PodWatcher::stop() {
  stopped_ = true;
  timer_.cancel();
  if (stream_) stream_->cancel();
}

milliseconds PodWatcher::next_backoff() {
  // Exponential, capped, with full jitter in [d/2, d).
  int64_t d = opts_.initial_backoff.count();
  for (int i = 0; i < attempts_ && d < opts_.max_backoff.count(); ++i) d *= 2;
  d = std::min<int64_t>(d, opts_.max_backoff.count());
  ++attempts_;
  std::uniform_int_distribution<int64_t> dist(d / 2, std::max<int64_t>(d / 2, d - 1));
  return milliseconds(dist(rng_));
}

void PodWatcher::retry(bool relist) {
  if (stopped_) return;
  auto delay = next_backoff();
  timer_.expires_after(delay);
  timer_.async_wait([self = shared_from_this(), relist](const boost::system::error_code& ec) {
    if (ec || self->stopped_) return;
    if (relist) {
      ++self->counters_.relists;
      self->list_page("");
    } else {
      self->watch();
    }
  });
}

void PodWatcher::log_status_error(const char* what, int http_status, const std::string& body) {
  std::string message;
  auto env = parse_document(body, DocumentKind::kPod, [](Pod&&) {});
  if (env && !env->status_message.empty()) message = env->status_message;
  LOG_WARN("Kubernetes API request failed", {"component", "discovery manager"},
           {"discovery", "kubernetes"}, {"request", what}, {"namespace", ns_},
           {"status", http_status}, {"err", message});
}

void PodWatcher::list_page(std::string continue_token) {
  if (stopped_) return;
  if (continue_token.empty()) {
    abandon_listing();
    relisting_ = synced_;
    listing_changed_ = 0;
  }
  ++counters_.lists;
  struct PageState {
    int http_status = 0;
    std::string body;
    bool too_big = false;
  };
  auto page = std::make_shared<PageState>();
  stream_ = std::make_shared<ApiStream>(strand_, client_, user_agent_);
  // Handlers hold the watcher weakly: the watcher owns the stream.
  std::weak_ptr<PodWatcher> weak = shared_from_this();
  ApiStream::Handlers h;
  h.on_header = [page](int status) { page->http_status = status; };
  h.on_data = [page, max = opts_.max_page_bytes](std::string_view d) {
    if (page->body.size() + d.size() > max) {
      page->too_big = true;
      return false;
    }
    page->body.append(d);
    return true;
  };
  h.on_done = [weak, page](Status s) {
    auto self = weak.lock();
    if (!self) return;
    if (page->too_big)
      s = Status(StatusCode::kResourceExhausted, "list page larger than the limit");
    self->on_list_page(page->http_status, std::move(s), page->body);
  };
  stream_->start(list_target(continue_token), opts_.request_timeout, std::move(h));
}

void PodWatcher::abandon_listing() {
  // Groups moved over by a relist that failed go back; changed pods keep
  // their last known group until a relist completes.
  for (auto& node : listing_) groups_.try_emplace(node.first, std::move(node.second));
  listing_.clear();
  relisting_ = false;
}

void PodWatcher::on_list_page(int http_status, Status s, const std::string& body) {
  stream_.reset();
  if (stopped_) return;
  if (!s || http_status != 200) abandon_listing();
  if (!s) {
    ++counters_.failures;
    LOG_WARN("Kubernetes pod list failed", {"component", "discovery manager"},
             {"discovery", "kubernetes"}, {"namespace", ns_}, {"err", s.message()});
    return retry(true);
  }
  if (http_status != 200) {
    ++counters_.failures;
    // A 410 here means the continue token expired: the list starts over.
    log_status_error("list", http_status, body);
    return retry(true);
  }
  auto env = parse_document(body, DocumentKind::kList, [this](Pod&& pod) {
    TargetGroup g = build_pod_group(pod);
    // An unchanged pod moves its stored group over, so that a relist does not
    // hold two copies of the state at its peak.
    auto it = groups_.find(g.source);
    if (it != groups_.end() && it->second == g) {
      listing_.insert(groups_.extract(it));
      return;
    }
    ++listing_changed_;
    std::string source = g.source;
    listing_[std::move(source)] = std::move(g);
  });
  if (!env) {
    abandon_listing();
    ++counters_.failures;
    LOG_WARN("Kubernetes pod list failed", {"component", "discovery manager"},
             {"discovery", "kubernetes"}, {"namespace", ns_}, {"err", env.status().message()});
    return retry(true);
  }
  if (!env->continue_token.empty()) return list_page(env->continue_token);

  // The list is complete: it replaces what we had.
  std::vector<std::string> removed;
  for (const auto& [source, g] : groups_) {
    if (!listing_.count(source)) removed.push_back(source);
  }
  // What is left in groups_ was removed or changed.
  bool changed = !synced_ || !groups_.empty() || listing_changed_ > 0;
  groups_ = std::move(listing_);
  listing_.clear();
  relisting_ = false;
  resource_version_ = env->resource_version;
  synced_ = true;
  if (changed) on_change_(std::move(removed));
  watch();
}

void PodWatcher::watch() {
  if (stopped_) return;
  ++counters_.watches;
  watch_status_ = 0;
  watch_error_body_.clear();
  splitter_.reset();
  watch_relist_ = false;
  watch_error_ = Status::ok();
  watch_started_ = std::chrono::steady_clock::now();
  // Like client-go: a random server-side timeout in [t, 2t) spreads re-watches.
  std::uniform_int_distribution<int64_t> dist(opts_.watch_timeout.count(),
                                              2 * opts_.watch_timeout.count() - 1);
  std::chrono::seconds timeout(std::max<int64_t>(1, dist(rng_)));
  stream_ = std::make_shared<ApiStream>(strand_, client_, user_agent_);
  std::weak_ptr<PodWatcher> weak = shared_from_this();
  ApiStream::Handlers h;
  h.on_header = [weak](int status) {
    if (auto self = weak.lock()) self->watch_status_ = status;
  };
  h.on_data = [weak](std::string_view d) {
    auto self = weak.lock();
    if (!self || self->stopped_) return false;
    if (self->watch_status_ != 200) {
      if (self->watch_error_body_.size() < 64 * 1024) self->watch_error_body_.append(d);
      return true;
    }
    Status fs = self->splitter_.feed(d, [&](std::string_view object) {
      self->on_watch_object(object);
      return !self->watch_relist_ && self->watch_error_.is_ok();
    });
    if (!fs) self->watch_error_ = fs;
    bool go_on = !self->watch_relist_ && self->watch_error_.is_ok();
    if (self->pending_change_) {
      // One notification per received piece, not per event.
      self->pending_change_ = false;
      self->on_change_(std::move(self->pending_removed_));
      self->pending_removed_.clear();
    }
    return go_on;
  };
  h.on_done = [weak](Status s) {
    if (auto self = weak.lock()) self->on_watch_done(std::move(s));
  };
  stream_->start(watch_target(timeout), timeout + std::chrono::seconds(30), std::move(h));
}

void PodWatcher::on_watch_object(std::string_view object) {
  std::vector<Pod> pods;
  auto env =
      parse_document(object, DocumentKind::kEvent, [&](Pod&& p) { pods.push_back(std::move(p)); });
  if (!env) {
    watch_error_ = env.status();
    return;
  }
  ++counters_.events;
  const std::string& type = env->type;
  if (type == "ERROR") {
    LOG_WARN("Kubernetes watch ended by an error event; relisting",
             {"component", "discovery manager"}, {"discovery", "kubernetes"}, {"namespace", ns_},
             {"code", env->status_code}, {"reason", env->status_reason},
             {"err", env->status_message});
    watch_relist_ = true;
    return;
  }
  if (!env->resource_version.empty()) resource_version_ = env->resource_version;
  if (type == "BOOKMARK" || pods.empty()) return;
  const Pod& pod = pods.front();
  std::string source = pod_source(pod.namespace_, pod.name);
  if (type == "DELETED") {
    if (groups_.erase(source)) {
      pending_removed_.push_back(source);
      pending_change_ = true;
    }
    return;
  }
  if (type != "ADDED" && type != "MODIFIED") {
    watch_error_ = invalid_argument("unknown watch event type \"" + type + "\"");
    return;
  }
  TargetGroup g = build_pod_group(pod);
  auto it = groups_.find(source);
  if (it != groups_.end() && it->second == g) return;
  groups_[source] = std::move(g);
  pending_change_ = true;
}

void PodWatcher::on_watch_done(Status s) {
  stream_.reset();
  if (stopped_) return;
  if (pending_change_) {
    pending_change_ = false;
    on_change_(std::move(pending_removed_));
    pending_removed_.clear();
  }
  if (watch_status_ == 200 &&
      std::chrono::steady_clock::now() - watch_started_ >= opts_.healthy_watch) {
    attempts_ = 0;  // the API server was fine for a while: start backing off afresh
  }
  if (watch_status_ != 0 && watch_status_ != 200) {
    ++counters_.failures;
    // 410 Gone: our resourceVersion is too old. Anything else: start over too.
    log_status_error("watch", watch_status_, watch_error_body_);
    return retry(true);
  }
  if (watch_relist_) return retry(true);
  if (!watch_error_.is_ok() || !s) {
    ++counters_.failures;
    LOG_WARN("Kubernetes pod watch failed", {"component", "discovery manager"},
             {"discovery", "kubernetes"}, {"namespace", ns_},
             {"err", !watch_error_.is_ok() ? watch_error_.message() : s.message()});
    return retry(true);
  }
  // The server closed the watch (its timeout): re-open it from where we are.
  if (std::chrono::steady_clock::now() - watch_started_ >= opts_.healthy_watch) return watch();
  retry(false);  // a watch that ends at once must not spin
}

}  // namespace promlite::scraper::discovery::kubernetes
