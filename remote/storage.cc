#include "remote/storage.h"

#include <cstdio>

#include "model/log.h"

namespace promlite::remote {

std::string queue_name(const config::RemoteWriteConfig& cfg) {
  if (!cfg.name.empty()) return cfg.name;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(model::hash_bytes(cfg.url.data(), cfg.url.size())));
  return std::string(buf, 6);
}

RemoteStorage::RemoteStorage(RemoteStorageOptions opts) : opts_(std::move(opts)) {}
RemoteStorage::~RemoteStorage() { stop(); }

Status RemoteStorage::apply_config(const config::Config& cfg) {
  std::vector<std::unique_ptr<QueueManager>> old;
  std::lock_guard lk(mu_);
  old.swap(queues_);
  for (auto& q : old) q->stop();  // saves each position before the new queue reads it
  old.clear();
  stopped_hold_.reset();
  Status first;
  for (const auto& rw : cfg.remote_write) {
    QueueOptions o;
    o.cfg = rw;
    o.queue_name = queue_name(rw);
    o.external_labels = cfg.global.external_labels;
    o.relabel = opts_.relabel;
    o.metadata = opts_.metadata;
    o.wal_dir = opts_.wal_dir;
    if (!opts_.data_dir.empty())
      o.position_file = opts_.data_dir + "/remote/" + o.queue_name + ".pos";
    o.user_agent = opts_.user_agent;
    o.registry = opts_.registry;
    auto q = QueueManager::start(std::move(o));
    if (!q) {
      LOG_ERROR("Remote write: cannot start queue", {"url", rw.url}, {"err", q.status().message()});
      if (first) first = q.status();
      continue;
    }
    LOG_INFO("Starting WAL watcher", {"remote_name", (*q)->name()}, {"url", rw.url});
    queues_.push_back(std::move(*q));
  }
  return first;
}

namespace {

std::optional<uint64_t> oldest_of(const std::vector<std::unique_ptr<QueueManager>>& queues) {
  std::optional<uint64_t> out;
  for (const auto& q : queues) {
    auto s = q->oldest_needed_segment();
    if (s && (!out || *s < *out)) out = s;
  }
  return out;
}

}  // namespace

std::optional<uint64_t> RemoteStorage::oldest_needed_segment() const {
  std::lock_guard lk(mu_);
  return queues_.empty() ? stopped_hold_ : oldest_of(queues_);
}

void RemoteStorage::stop() {
  std::lock_guard lk(mu_);
  for (auto& q : queues_) q->stop();
  // Keep holding what the stopped queues still need: the DB's final
  // checkpoint must not delete the backlog they resume from after a restart.
  if (!queues_.empty()) stopped_hold_ = oldest_of(queues_);
  queues_.clear();
}

size_t RemoteStorage::queues() const {
  std::lock_guard lk(mu_);
  return queues_.size();
}

}  // namespace promlite::remote
