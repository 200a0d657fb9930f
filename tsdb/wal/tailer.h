// Tailer: follows a WAL that is still being written (the remote-write sender).
//
//   auto t = wal::Tailer::open(dir, segment);
//   for (;;) {
//     switch ((*t)->next()) {
//       case Tailer::Next::kRecord:    send((*t)->record()); break;
//       case Tailer::Next::kCaughtUp:  wait a little, then call next() again; break;
//       case Tailer::Next::kError:     (*t)->status() says why; stop or reopen later.
//     }
//   }
//
// Unlike Reader, the end of the newest segment is not an error even when it
// ends inside a frame: the writer may be in the middle of writing it, so the
// Tailer reports kCaughtUp and reads it once complete. When the next segment
// exists, the current one is finished: the Tailer reads it to its final end and
// moves on (an incomplete frame there is then corruption). If the segment to
// read was deleted (remove_segments_before while the Tailer lagged behind), it
// skips to the oldest remaining one and counts the skip.
//
// Records that a writer rolls back after a failed write (rare: ENOSPC) may have
// been seen already; a segment cut below the read position is then reported as
// kIOError.
//
// Not thread-safe; record() is valid until the next next().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "model/status.h"
#include "tsdb/wal/segment_reader.h"

namespace promlite::tsdb::wal {

class Tailer {
 public:
  enum class Next { kRecord, kCaughtUp, kError };

  // Starts at the first frame of segment `first_segment` (or of the oldest one
  // after it when it is gone). Never fails for a missing directory: it waits.
  static std::unique_ptr<Tailer> open(const std::string& dir, uint64_t first_segment);
  ~Tailer();

  Next next();
  std::string_view record() const { return cur_ ? cur_->record() : std::string_view(); }
  // The error after kError: kCorruption "segment N offset O: <what>" or kIOError.
  Status status() const { return status_; }
  // Position of the current record (or of the error, or where reading resumes).
  uint64_t segment() const { return segment_; }
  uint64_t offset() const { return cur_ ? cur_->offset() : 0; }
  // Segments skipped because they were deleted before they were read.
  uint64_t skipped_segments() const { return skipped_; }

 private:
  Tailer(std::string dir, uint64_t first) : dir_(std::move(dir)), segment_(first) {}
  // Opens segment_ (or a later one when it is gone); false when none exists yet
  // or on an error (status_ set).
  bool open_current();
  Next fail(StatusCode code, const std::string& what);

  std::string dir_;
  uint64_t segment_;
  std::unique_ptr<SegmentReader> cur_;
  uint64_t skipped_ = 0;
  Status status_;
};

}  // namespace promlite::tsdb::wal
