// RemoteStorage: the set of remote_write queues of the running configuration.
//
//   remote::RemoteStorage rs({.wal_dir = db.wal_dir(), .data_dir = path, ...});
//   db.set_wal_hold([&rs] { return rs.oldest_needed_segment(); }, max_bytes);
//   configs.subscribe([&rs](auto cfg) { rs.apply_config(*cfg); });
//
// Every destination is independent: its own queue, shards, connections and
// saved position (<data_dir>/remote/<queue name>.pos). apply_config() restarts
// the queues (each resumes from its saved position, so nothing is lost).
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "remote/queue_manager.h"

namespace promlite::remote {

struct RemoteStorageOptions {
  std::string wal_dir;
  std::string data_dir;  // positions go to <data_dir>/remote/
  std::string user_agent = "promlite";
  RelabelFn relabel;
  // Scraped metadata for every queue with metadata_config.send (may be empty).
  MetadataSource metadata;
  prometheus::Registry* registry = nullptr;
};

// The queue's name: cfg.name, or the first 6 hex digits of a hash of its URL
// (as Prometheus names unnamed queues by a hash of their config).
std::string queue_name(const config::RemoteWriteConfig& cfg);

class RemoteStorage {
 public:
  explicit RemoteStorage(RemoteStorageOptions opts);
  ~RemoteStorage();

  // Stops the old queues and starts one per remote_write entry. A queue that
  // cannot start (bad TLS file) is logged and skipped; the first error is returned.
  Status apply_config(const config::Config& cfg);
  // The oldest WAL segment any queue still needs (for DB::set_wal_hold).
  // After stop() it still names what the stopped queues will resume from, so
  // keep the hold in place through the DB's final checkpoint.
  std::optional<uint64_t> oldest_needed_segment() const;
  // Stops every queue (each saves its position).
  void stop();
  size_t queues() const;

 private:
  RemoteStorageOptions opts_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<QueueManager>> queues_;
  std::optional<uint64_t> stopped_hold_;  // see oldest_needed_segment()
};

}  // namespace promlite::remote
