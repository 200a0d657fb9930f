// RemoteStorage: the set of remote_write queues of the running configuration.
//
//   remote::RemoteStorage rs({.wal_dir = db.wal_dir(), .data_dir = path, ...});
//   db.set_wal_hold([&rs] { return rs.oldest_needed_segment(); }, max_bytes);
//   configs.subscribe([&rs](auto cfg) { rs.apply_config(*cfg); });
//
// Every destination is independent: its own queue, shards, connections and
// saved position (<data_dir>/remote/<queue name>.pos). A reload only touches
// the queues whose configuration changed (as Prometheus compares a hash of
// each queue's config): an unchanged queue keeps running with its counters,
// shards and WAL reader; a changed one is restarted and resumes from its saved
// position, so nothing is lost or sent twice. Thread-safe.
#pragma once

#include <functional>
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

// A canonical serialization of everything a queue is built from: every field
// of `cfg` (relabel rules by their source text), the external labels, and a
// digest of the contents of the credential and TLS files it names (so that a
// reload picks up rotated secrets, as Prometheus re-creates its clients on
// every reload). Equal strings: the running queue can be kept as it is.
// Reads those files; an unreadable one gives a distinct value.
std::string queue_fingerprint(const config::RemoteWriteConfig& cfg,
                              const model::Labels& external_labels);

class RemoteStorage {
 public:
  explicit RemoteStorage(RemoteStorageOptions opts);
  ~RemoteStorage();

  // Brings the queues in line with cfg.remote_write (in this order):
  //  - an entry whose queue_fingerprint() equals a running queue's keeps that
  //    queue untouched (counters, shards, WAL reader, position);
  //  - a running queue no entry matches is stopped (it saves its position,
  //    kept on disk for when it comes back);
  //  - every other entry gets a new queue, which resumes from the saved
  //    position of its name, if any (a changed queue: where its old self
  //    stopped), else starts at the live end of the WAL.
  // A second entry identical to an earlier one is refused (as Prometheus).
  // An entry whose queue cannot start (bad TLS or credential file) is logged
  // and skipped; when a queue of the same name is running, that one keeps
  // running with its previous configuration (to be retried at the next
  // reload). Returns the first error.
  Status apply_config(const config::Config& cfg);
  // The oldest WAL segment any queue still needs (for DB::set_wal_hold).
  // After stop() it still names what the stopped queues will resume from, so
  // keep the hold in place through the DB's final checkpoint.
  std::optional<uint64_t> oldest_needed_segment() const;
  // Stops every queue (each saves its position).
  void stop();
  size_t queues() const;
  // Calls `fn` for each running queue, in configuration order, under the
  // storage's lock: `fn` must not call back into this object.
  void for_each_queue(const std::function<void(const QueueManager&)>& fn) const;

 private:
  struct Running {
    std::string fingerprint;  // of the configuration the queue runs with
    std::unique_ptr<QueueManager> queue;
  };
  static std::optional<uint64_t> oldest_of(const std::vector<Running>& queues);
  QueueOptions queue_options(const config::RemoteWriteConfig& rw,
                             const model::Labels& external_labels) const;

  RemoteStorageOptions opts_;
  mutable std::mutex mu_;
  std::vector<Running> queues_;
  std::optional<uint64_t> stopped_hold_;  // see oldest_needed_segment()
};

}  // namespace promlite::remote
