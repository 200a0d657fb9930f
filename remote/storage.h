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
// position (for an unnamed queue, whose name follows its configuration, see
// apply_config), so nothing is lost or sent twice. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
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

// The queue's name: cfg.name, or the first 6 hex digits of a hash of
// queue_identity(cfg) (as Prometheus names an unnamed queue by a hash of its
// config), so that two unnamed entries to one URL with different settings
// get different names, and an unchanged entry keeps its name across reloads
// and restarts. The name keys the position file, the remote_name label and
// the log lines.
std::string queue_name(const config::RemoteWriteConfig& cfg);

// A canonical serialization of every field of `cfg` except the values of
// inline secrets (only whether each is set, as Prometheus masks them in its
// hash) and the contents of the files it names (their paths count): a rotated
// password or certificate keeps the queue's name and so its position.
std::string queue_identity(const config::RemoteWriteConfig& cfg);

// The name earlier versions gave an unnamed queue: a hash of its URL alone.
// Read once, to carry that queue's position file over to its new name.
std::string legacy_queue_name(const std::string& url);

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
  // A second entry identical to an earlier one, or alike but for secret
  // values or file contents, is refused (as Prometheus); so is one whose
  // queue_name() an earlier entry already has (a hash collision, or a name
  // set to another entry's hash).
  //
  // An unnamed entry whose configuration changed gets a new name; when it
  // replaces the only unnamed queue of its URL (and is the only new unnamed
  // entry of that URL), it takes over that queue's position file. On the
  // first start after an upgrade from a version that named unnamed queues by
  // their URL alone, the only unnamed entry of a URL without a position file
  // of its own likewise takes over <legacy_queue_name(url)>.pos.
  // An entry whose queue cannot start (bad TLS or credential file) is logged
  // and skipped; when a queue it replaces is running (of its name, or as
  // above), that one keeps running with its previous configuration (to be
  // retried at the next reload). Returns the first error.
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
    std::string url;
    bool named = false;  // cfg.name was set
    std::unique_ptr<QueueManager> queue;
  };
  static std::optional<uint64_t> oldest_of(const std::vector<Running>& queues);
  QueueOptions queue_options(const config::RemoteWriteConfig& rw,
                             const model::Labels& external_labels) const;
  // <data_dir>/remote/<name>.pos, or empty without a data_dir.
  std::string position_file(const std::string& name) const;
  // Renames the position file of queue `from` (if any) to that of `to`.
  void take_position(const std::string& from, const std::string& to) const;
  // The upgrade step described at apply_config() for entries[i]; `live`:
  // the names of the queues that run or will run.
  void take_legacy_position(const std::vector<config::RemoteWriteConfig>& entries, size_t i,
                            const std::set<std::string>& live) const;

  RemoteStorageOptions opts_;
  mutable std::mutex mu_;
  std::vector<Running> queues_;
  std::optional<uint64_t> stopped_hold_;  // see oldest_needed_segment()
};

}  // namespace promlite::remote
