// Writer: appends records to the segment files of a WAL directory.
// See tsdb/FORMAT.md, "WAL", for the files and the framing.
//
// Durability: log() hands the frames to the kernel with one pwrite(2) before it
// returns, so a crash of the process (kill -9) loses nothing that log() accepted.
// A background thread fdatasyncs every `sync_interval`, so an OS crash or power
// loss loses at most the records of the last sync_interval (plus the duration of
// one fsync). With sync_interval = 0 there is no thread and log() syncs before
// it returns.
//
// Thread-safety: every method may be called from any thread. Lifetimes: the
// directory must not be written by anyone else while a Writer is open (the
// data-directory lock sees to that).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "model/status.h"
#include "tsdb/wal/segment.h"

namespace promlite::tsdb::wal {

struct WriterOptions {
  // A log() that would take the current segment past this size goes to a new
  // segment first. A batch larger than this still goes whole into one segment.
  size_t segment_bytes = 64 << 20;
  // Period of the background fdatasync; 0 = sync inside every log().
  std::chrono::milliseconds sync_interval{1000};
};

struct WalStats {
  uint64_t records = 0;        // records logged
  uint64_t batches = 0;        // successful log() calls
  uint64_t bytes_written = 0;  // frame bytes written (headers included)
  uint64_t fsyncs = 0;         // fdatasync calls on segments
  uint64_t fsync_errors = 0;
  uint64_t write_errors = 0;      // failed log() calls (each rolled back)
  uint64_t segments = 0;          // segment files in the directory now
  uint64_t segments_created = 0;  // by this writer (open and rotations)
  uint64_t current_segment = 0;
  uint64_t unsynced_bytes = 0;  // written, not yet known to be on disk
  uint64_t disk_bytes = 0;      // total size of the directory's segment files
  double fsync_seconds = 0;     // total time spent in fdatasync
  double max_fsync_seconds = 0;
};

class Writer {
 public:
  // Creates `dir` if needed and starts a NEW segment after the last existing one
  // (or segment `first_segment` when there is none). Never modifies existing
  // segments. kIOError when the directory or the file cannot be created.
  static Result<std::unique_ptr<Writer>> open(const std::string& dir, WriterOptions opts = {},
                                              uint64_t first_segment = 0);
  // Stops the sync thread, syncs (errors are logged) and closes.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Appends the records in order, contiguously (no other log() call's records
  // come between them) and in one segment, with one pwrite(2). Each record must
  // be 1 .. kMaxRecordBytes bytes (else kInvalidArgument, nothing written).
  // On a write error returns kResourceExhausted (ENOSPC, EDQUOT) or kIOError and
  // truncates the segment back to where it was, so nothing of the batch stays
  // and a later log() may succeed. With sync_interval = 0 an fsync error is
  // returned too (the batch is then cut back as well).
  Status log(std::span<const std::string_view> records);
  Status log(std::string_view record) { return log(std::span<const std::string_view>(&record, 1)); }

  // Makes everything logged so far durable: fdatasync of the current segment and
  // of segments rotated out since the last sync, and of the directory after new
  // files appeared. Concurrent calls are serialized; log() is not blocked.
  Status sync();
  // Syncs and closes the current segment and starts the next one; returns the
  // new segment's index (a checkpoint covers the segments before it).
  Result<uint64_t> rotate();
  uint64_t current_segment() const;
  // Deletes the segment files with index < `segment` and fsyncs the directory.
  // kInvalidArgument when that would include the current segment.
  Status remove_segments_before(uint64_t segment);
  WalStats stats() const;
  const std::string& dir() const { return dir_; }

 private:
  struct Segment;  // an open segment file; shared with an fsync in progress

  Writer(std::string dir, WriterOptions opts);
  // Creates segment `index` and makes it current. REQUIRES: mu_ held.
  Status start_segment_locked(uint64_t index);
  // Syncs the current segment (and the directory when needed) under mu_; used
  // when sync_interval = 0.
  Status sync_locked();
  void record_fsync_locked(bool ok, double seconds);
  void run_syncer();

  const std::string dir_;
  const WriterOptions opts_;

  mutable std::mutex mu_;  // guards everything below down to stats_
  std::shared_ptr<Segment> cur_;
  uint64_t cur_size_ = 0;        // bytes of complete records in cur_
  bool needs_truncate_ = false;  // a failed rollback: cut cur_ to cur_size_ first
  std::vector<std::shared_ptr<Segment>> closed_unsynced_;
  bool dir_dirty_ = false;
  uint64_t written_total_ = 0;  // bytes written since open
  uint64_t synced_total_ = 0;   // of which known durable
  WalStats stats_;

  std::mutex sync_mu_;  // serializes sync()
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread syncer_;
};

}  // namespace promlite::tsdb::wal
