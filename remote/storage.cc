#include "remote/storage.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/log.h"
#include "remote/http_client.h"

namespace promlite::remote {

namespace {

// Appends self-delimiting fields, so that different field values can never
// serialize alike: strings are length-prefixed, lists count-prefixed and
// optional parts marked present or absent. In identity mode (a queue's name)
// the contents of the files named and the values of inline secrets are left
// out: rotating a password or certificate must not rename the queue, which
// would lose its saved position.
class Canon {
 public:
  explicit Canon(bool identity) : identity_(identity) {}
  Canon& str(std::string_view s) {
    out_ += std::to_string(s.size());
    out_ += ':';
    out_.append(s);
    return *this;
  }
  Canon& num(int64_t v) {
    out_ += std::to_string(v);
    out_ += ';';
    return *this;
  }
  // A password or credentials: in identity mode only whether it is set (as
  // Prometheus hashes its config with secrets masked).
  Canon& secret(std::string_view s) { return identity_ ? num(!s.empty()) : str(s); }
  // The path and (not in identity mode) a digest of the file's contents.
  Canon& file(const std::string& path) {
    str(path);
    if (path.empty() || identity_) return *this;
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return str("unreadable");
    const std::string s = std::move(text).str();
    return num(static_cast<int64_t>(model::hash_bytes(s.data(), s.size()))).num(s.size());
  }
  std::string take() { return std::move(out_); }

 private:
  bool identity_;
  std::string out_;
};

// The serializers below take every field by structured binding, so that a
// field added to one of these config types fails to compile here until it is
// serialized too (else an edit of it would not restart the queue).

void add_http(Canon& c, const config::HTTPClientConfig& h) {
  const auto& [basic_auth, authorization, tls, follow_redirects, enable_http2] = h;
  c.num(basic_auth.has_value());
  if (basic_auth) {
    const auto& [username, username_file, password, password_file] = *basic_auth;
    c.str(username).file(username_file).secret(password).file(password_file);
  }
  c.num(authorization.has_value());
  if (authorization) {
    const auto& [type, credentials, credentials_file] = *authorization;
    c.str(type).secret(credentials).file(credentials_file);
  }
  const auto& [ca_file, cert_file, key_file, server_name, insecure_skip_verify, min_version] = tls;
  c.file(ca_file).file(cert_file).file(key_file).str(server_name);
  c.num(insecure_skip_verify).str(min_version);
  c.num(follow_redirects).num(enable_http2);
}

void add_relabel(Canon& c, const config::RelabelConfigs& rules) {
  c.num(static_cast<int64_t>(rules.size()));
  for (const auto& r : rules) {
    // `compiled` is derived from `regex`.
    const auto& [source_labels, separator, regex, modulus, target_label, replacement, action,
                 compiled] = r;
    (void)compiled;
    c.num(static_cast<int64_t>(source_labels.size()));
    for (const auto& l : source_labels) c.str(l);
    c.str(separator).str(regex).num(static_cast<int64_t>(modulus)).str(target_label);
    c.str(replacement).num(static_cast<int64_t>(action));
  }
}

void add_remote_write(Canon& c, const config::RemoteWriteConfig& cfg) {
  const auto& [url, name, remote_timeout, headers, write_relabel_configs, queue_config,
               metadata_config, send_exemplars, protobuf_message, http] = cfg;
  c.str(url).str(name).num(remote_timeout);
  c.num(static_cast<int64_t>(headers.size()));
  for (const auto& [k, v] : headers) c.str(k).str(v);
  add_relabel(c, write_relabel_configs);
  const auto& [capacity, min_shards, max_shards, max_samples_per_send, batch_send_deadline,
               min_backoff, max_backoff, retry_on_http_429, sample_age_limit] = queue_config;
  c.num(capacity).num(min_shards).num(max_shards).num(max_samples_per_send);
  c.num(batch_send_deadline).num(min_backoff).num(max_backoff);
  c.num(retry_on_http_429).num(sample_age_limit);
  const auto& [send, send_interval, metadata_max_per_send] = metadata_config;
  c.num(send).num(send_interval).num(metadata_max_per_send);
  c.num(send_exemplars).str(protobuf_message);
  add_http(c, http);
}

std::string hex6(std::string_view s) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(model::hash_bytes(s.data(), s.size())));
  return std::string(buf, 6);
}

}  // namespace

std::string queue_identity(const config::RemoteWriteConfig& cfg) {
  Canon c(/*identity=*/true);
  add_remote_write(c, cfg);
  return c.take();
}

std::string queue_name(const config::RemoteWriteConfig& cfg) {
  return cfg.name.empty() ? hex6(queue_identity(cfg)) : cfg.name;
}

std::string legacy_queue_name(const std::string& url) { return hex6(url); }

std::string queue_fingerprint(const config::RemoteWriteConfig& cfg,
                              const model::Labels& external_labels) {
  Canon c(/*identity=*/false);
  add_remote_write(c, cfg);
  c.str(external_labels.data());
  return c.take();
}

RemoteStorage::RemoteStorage(RemoteStorageOptions opts) : opts_(std::move(opts)) {}
RemoteStorage::~RemoteStorage() { stop(); }

QueueOptions RemoteStorage::queue_options(const config::RemoteWriteConfig& rw,
                                          const model::Labels& external_labels) const {
  QueueOptions o;
  o.cfg = rw;
  o.queue_name = queue_name(rw);
  o.external_labels = external_labels;
  o.relabel = opts_.relabel;
  o.metadata = opts_.metadata;
  o.wal_dir = opts_.wal_dir;
  o.position_file = position_file(o.queue_name);
  o.user_agent = opts_.user_agent;
  o.registry = opts_.registry;
  return o;
}

std::string RemoteStorage::position_file(const std::string& name) const {
  return opts_.data_dir.empty() ? std::string() : opts_.data_dir + "/remote/" + name + ".pos";
}

Status RemoteStorage::apply_config(const config::Config& cfg) {
  const auto& entries = cfg.remote_write;
  const model::Labels& ext = cfg.global.external_labels;
  std::lock_guard lk(mu_);
  stopped_hold_.reset();
  Status first;
  auto fail = [&first](const Status& s) {
    if (first) first = s;
  };
  auto refuse = [&](size_t i, std::string msg) {
    Status s = invalid_argument(std::move(msg));
    LOG_ERROR("Remote write: cannot start queue", {"url", entries[i].url}, {"err", s.message()});
    fail(s);
  };

  // Pass 1: refuse duplicates and name clashes (every live queue must have a
  // name of its own: the name keys its position file and metric series),
  // and keep the running queues whose configuration is unchanged.
  const size_t n = entries.size();
  std::vector<Running> next(n);
  std::vector<std::string> fps(n), ids(n), names(n);
  std::vector<bool> skip(n, false), claimed(queues_.size(), false);
  std::set<std::string> live_names;  // of the entries not refused
  for (size_t i = 0; i < n; ++i) {
    const auto& rw = entries[i];
    fps[i] = queue_fingerprint(rw, ext);
    ids[i] = queue_identity(rw);
    names[i] = queue_name(rw);
    for (size_t j = 0; j < i && !skip[i]; ++j) {
      if (skip[j]) continue;
      // Alike but for secrets or file contents: a duplicate to Prometheus
      // too, whose config hash masks secrets.
      if (fps[j] == fps[i] || (rw.name.empty() && entries[j].name.empty() && ids[j] == ids[i])) {
        refuse(i, "duplicate remote write configs are not allowed, found duplicate for URL: " +
                      rw.url);
        skip[i] = true;
      } else if (names[j] == names[i]) {
        refuse(i, "found multiple remote write configs with queue name \"" + names[i] +
                      "\" (set a distinct name)");
        skip[i] = true;
      }
    }
    if (skip[i]) continue;
    live_names.insert(names[i]);
    for (size_t j = 0; j < queues_.size(); ++j) {
      if (!claimed[j] && queues_[j].fingerprint == fps[i]) {
        claimed[j] = true;
        next[i] = std::move(queues_[j]);
        break;
      }
    }
  }

  // Each entry that needs a new queue and the running queue it replaces, if
  // any: the one of its name, else (an unnamed queue whose configuration
  // changed, so did its name) the only unnamed queue of its URL not kept,
  // when it is the only new unnamed entry of that URL. The new queue resumes
  // from its predecessor's position.
  std::vector<std::optional<size_t>> pred(n);
  auto needs_queue = [&](size_t i) { return !skip[i] && !next[i].queue; };
  for (size_t i = 0; i < n; ++i) {
    if (!needs_queue(i)) continue;
    std::optional<size_t> by_url;
    int url_matches = 0;
    for (size_t j = 0; j < queues_.size(); ++j) {
      if (claimed[j]) continue;
      const Running& r = queues_[j];
      if (r.queue->name() == names[i]) {
        pred[i] = j;
        break;
      }
      if (entries[i].name.empty() && !r.named && r.url == entries[i].url &&
          !live_names.count(r.queue->name())) {
        by_url = j;
        ++url_matches;
      }
    }
    if (pred[i] || url_matches != 1 || !entries[i].name.empty()) continue;
    int entry_matches = 0;
    for (size_t k = 0; k < n; ++k) {
      entry_matches +=
          needs_queue(k) && entries[k].name.empty() && entries[k].url == entries[i].url;
    }
    if (entry_matches == 1) pred[i] = by_url;
  }

  // Pass 2: check that each new or changed entry can start before its old
  // queue is stopped; if it cannot, its predecessor carries on.
  std::vector<bool> start(n, false);
  for (size_t i = 0; i < n; ++i) {
    if (!needs_queue(i)) continue;
    auto probe = HttpClient::create(entries[i], opts_.user_agent);
    if (probe) {
      start[i] = true;
      continue;
    }
    LOG_ERROR("Remote write: cannot start queue", {"url", entries[i].url},
              {"err", probe.status().message()});
    fail(probe.status());
    if (pred[i]) {
      const size_t j = *pred[i];
      LOG_WARN("Remote write: the queue keeps running with its previous configuration",
               {"remote_name", queues_[j].queue->name()});
      claimed[j] = true;
      next[i] = std::move(queues_[j]);
    }
  }

  // Pass 3: stop the queues no entry kept (each saves its position) before a
  // new queue of the same name reads it.
  std::vector<std::string> old_names(queues_.size());
  for (size_t j = 0; j < queues_.size(); ++j) {
    if (claimed[j]) continue;
    old_names[j] = queues_[j].queue->name();
    LOG_INFO("Stopping remote write queue", {"remote_name", old_names[j]});
    queues_[j].queue->stop();
    queues_[j].queue.reset();  // unregisters its metrics before a successor registers them
  }
  queues_.clear();
  for (const auto& r : next) {
    if (r.queue) live_names.insert(r.queue->name());  // a predecessor kept under its old name
  }

  // Pass 4: start the new and changed queues.
  for (size_t i = 0; i < n; ++i) {
    if (!start[i]) continue;
    if (pred[i] && !old_names[*pred[i]].empty() && old_names[*pred[i]] != names[i]) {
      take_position(old_names[*pred[i]], names[i]);
    } else if (!pred[i] && entries[i].name.empty()) {
      take_legacy_position(entries, i, live_names);
    }
    auto q = QueueManager::start(queue_options(entries[i], ext));
    if (!q) {  // a file changed since the probe
      LOG_ERROR("Remote write: cannot start queue", {"url", entries[i].url},
                {"err", q.status().message()});
      fail(q.status());
      continue;
    }
    LOG_INFO("Starting WAL watcher", {"remote_name", (*q)->name()}, {"url", entries[i].url});
    next[i] = {std::move(fps[i]), entries[i].url, !entries[i].name.empty(), std::move(*q)};
  }
  for (auto& r : next) {
    if (r.queue) queues_.push_back(std::move(r));
  }
  return first;
}

void RemoteStorage::take_position(const std::string& from, const std::string& to) const {
  const std::string src = position_file(from), dst = position_file(to);
  if (src.empty()) return;
  std::error_code ec;
  if (!std::filesystem::exists(src, ec)) return;
  std::filesystem::rename(src, dst, ec);
  if (ec) {
    LOG_WARN("Remote write: cannot carry the position over to the renamed queue", {"file", src},
             {"err", ec.message()});
    return;
  }
  LOG_INFO("Remote write: the queue resumes from its predecessor's position", {"from", from},
           {"remote_name", to});
}

void RemoteStorage::take_legacy_position(const std::vector<config::RemoteWriteConfig>& entries,
                                         size_t i, const std::set<std::string>& live) const {
  const std::string name = queue_name(entries[i]);
  const std::string legacy = legacy_queue_name(entries[i].url);
  std::error_code ec;
  if (opts_.data_dir.empty() || legacy == name || live.count(legacy) ||
      std::filesystem::exists(position_file(name), ec)) {
    return;
  }
  // Only when unambiguous: the old name was shared by every unnamed entry of the URL.
  for (size_t k = 0; k < entries.size(); ++k) {
    if (k != i && entries[k].name.empty() && entries[k].url == entries[i].url) return;
  }
  take_position(legacy, name);
}

std::optional<uint64_t> RemoteStorage::oldest_of(const std::vector<Running>& queues) {
  std::optional<uint64_t> out;
  for (const auto& r : queues) {
    auto s = r.queue->oldest_needed_segment();
    if (s && (!out || *s < *out)) out = s;
  }
  return out;
}

std::optional<uint64_t> RemoteStorage::oldest_needed_segment() const {
  std::lock_guard lk(mu_);
  return queues_.empty() ? stopped_hold_ : oldest_of(queues_);
}

void RemoteStorage::stop() {
  std::lock_guard lk(mu_);
  for (auto& r : queues_) r.queue->stop();
  // Keep holding what the stopped queues still need: the DB's final
  // checkpoint must not delete the backlog they resume from after a restart.
  if (!queues_.empty()) stopped_hold_ = oldest_of(queues_);
  queues_.clear();
}

size_t RemoteStorage::queues() const {
  std::lock_guard lk(mu_);
  return queues_.size();
}

void RemoteStorage::for_each_queue(const std::function<void(const QueueManager&)>& fn) const {
  std::lock_guard lk(mu_);
  for (const auto& r : queues_) fn(*r.queue);
}

}  // namespace promlite::remote
