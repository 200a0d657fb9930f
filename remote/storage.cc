#include "remote/storage.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "model/log.h"
#include "remote/http_client.h"

namespace promlite::remote {

std::string queue_name(const config::RemoteWriteConfig& cfg) {
  if (!cfg.name.empty()) return cfg.name;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(model::hash_bytes(cfg.url.data(), cfg.url.size())));
  return std::string(buf, 6);
}

namespace {

// Appends self-delimiting fields, so that different field values can never
// serialize alike: strings are length-prefixed, lists count-prefixed and
// optional parts marked present or absent.
class Canon {
 public:
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
  // The path and a digest of the file's contents (empty path: just that).
  Canon& file(const std::string& path) {
    str(path);
    if (path.empty()) return *this;
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return str("unreadable");
    const std::string s = std::move(text).str();
    return num(static_cast<int64_t>(model::hash_bytes(s.data(), s.size()))).num(s.size());
  }
  std::string take() { return std::move(out_); }

 private:
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
    c.str(username).file(username_file).str(password).file(password_file);
  }
  c.num(authorization.has_value());
  if (authorization) {
    const auto& [type, credentials, credentials_file] = *authorization;
    c.str(type).str(credentials).file(credentials_file);
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

}  // namespace

std::string queue_fingerprint(const config::RemoteWriteConfig& cfg,
                              const model::Labels& external_labels) {
  const auto& [url, name, remote_timeout, headers, write_relabel_configs, queue_config,
               metadata_config, send_exemplars, protobuf_message, http] = cfg;
  Canon c;
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
  if (!opts_.data_dir.empty()) {
    o.position_file = opts_.data_dir + "/remote/" + o.queue_name + ".pos";
  }
  o.user_agent = opts_.user_agent;
  o.registry = opts_.registry;
  return o;
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

  // Pass 1: keep the running queues whose configuration is unchanged.
  std::vector<Running> next(entries.size());
  std::vector<std::string> fps(entries.size());
  std::vector<bool> skip(entries.size(), false), claimed(queues_.size(), false);
  for (size_t i = 0; i < entries.size(); ++i) {
    fps[i] = queue_fingerprint(entries[i], ext);
    for (size_t j = 0; j < i; ++j) {
      if (fps[j] == fps[i]) {
        Status s = invalid_argument(
            "duplicate remote write configs are not allowed, found duplicate for URL: " +
            entries[i].url);
        LOG_ERROR("Remote write: cannot start queue", {"url", entries[i].url},
                  {"err", s.message()});
        fail(s);
        skip[i] = true;
        break;
      }
    }
    if (skip[i]) continue;
    for (size_t j = 0; j < queues_.size(); ++j) {
      if (!claimed[j] && queues_[j].fingerprint == fps[i]) {
        claimed[j] = true;
        next[i] = std::move(queues_[j]);
        break;
      }
    }
  }

  // Pass 2: check that each new or changed entry can start before its old
  // queue is stopped; if it cannot, a running queue of its name carries on.
  std::vector<bool> start(entries.size(), false);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (skip[i] || next[i].queue) continue;
    auto probe = HttpClient::create(entries[i], opts_.user_agent);
    if (probe) {
      start[i] = true;
      continue;
    }
    LOG_ERROR("Remote write: cannot start queue", {"url", entries[i].url},
              {"err", probe.status().message()});
    fail(probe.status());
    const std::string name = queue_name(entries[i]);
    for (size_t j = 0; j < queues_.size(); ++j) {
      if (!claimed[j] && queues_[j].queue->name() == name) {
        LOG_WARN("Remote write: the queue keeps running with its previous configuration",
                 {"remote_name", name});
        claimed[j] = true;
        next[i] = std::move(queues_[j]);
        break;
      }
    }
  }

  // Pass 3: stop the queues no entry kept (each saves its position) before a
  // new queue of the same name reads it.
  for (size_t j = 0; j < queues_.size(); ++j) {
    if (claimed[j]) continue;
    LOG_INFO("Stopping remote write queue", {"remote_name", queues_[j].queue->name()});
    queues_[j].queue->stop();
    queues_[j].queue.reset();  // unregisters its metrics before a successor registers them
  }
  queues_.clear();

  // Pass 4: start the new and changed queues.
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!start[i]) continue;
    auto q = QueueManager::start(queue_options(entries[i], ext));
    if (!q) {  // a file changed since the probe
      LOG_ERROR("Remote write: cannot start queue", {"url", entries[i].url},
                {"err", q.status().message()});
      fail(q.status());
      continue;
    }
    LOG_INFO("Starting WAL watcher", {"remote_name", (*q)->name()}, {"url", entries[i].url});
    next[i] = {std::move(fps[i]), std::move(*q)};
  }
  for (auto& r : next) {
    if (r.queue) queues_.push_back(std::move(r));
  }
  return first;
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
