// Reader: replays the records of a WAL directory; repair(): cuts a bad tail.
//
//   auto r = wal::Reader::open(dir, first_segment);   // after checking r.is_ok()
//   while ((*r)->next()) handle((*r)->record());
//   if (!(*r)->status()) wal::repair(dir, (*r)->segment(), (*r)->offset());
//
// Not thread-safe (one reader per thread). The Reader sees the segments that
// existed when it was opened, each up to its size when the Reader reached it; to
// follow a WAL that is still being written, use Tailer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/status.h"
#include "tsdb/wal/segment_reader.h"

namespace promlite::tsdb::wal {

class Reader {
 public:
  // Reads every record of the segments with index >= first_segment, in order,
  // starting at the lowest such segment. A directory without segments (or a
  // missing one) gives a reader with no records and an ok status.
  static Result<std::unique_ptr<Reader>> open(const std::string& dir, uint64_t first_segment);
  // Reads in-memory segment images, the first one with index `first_index`
  // (tests and the fuzz target). `segments` must outlive the reader.
  static std::unique_ptr<Reader> from_memory(std::vector<std::string_view> segments,
                                             uint64_t first_index = 0);
  ~Reader();

  // Moves to the next record; false at the end or on an error (see status()).
  bool next();
  // REQUIRES: the last next() returned true. Valid until the next next().
  std::string_view record() const { return cur_ ? cur_->record() : std::string_view(); }
  // ok at a clean end (and while reading). Otherwise kCorruption with the message
  // "segment N offset O: <what>" (a torn or zero-filled tail, a CRC mismatch, a
  // missing segment in the sequence), or kIOError when a file cannot be read.
  Status status() const { return status_; }
  // The segment and frame offset of the current record; after an error, where
  // the bad data starts (the place to repair() at).
  uint64_t segment() const { return segment_; }
  uint64_t offset() const { return offset_; }

 private:
  Reader() = default;
  bool open_segment(size_t i);
  bool fail(StatusCode code, const std::string& what);

  std::string dir_;
  std::vector<uint64_t> segments_;
  std::vector<std::string_view> memory_;  // memory mode: the segment images
  size_t next_index_ = 0;                 // into segments_
  std::unique_ptr<SegmentReader> cur_;
  uint64_t segment_ = 0;
  uint64_t offset_ = 0;
  bool done_ = false;
  Status status_;
};

// Truncates segment `segment` of `dir` to `offset` bytes and deletes every later
// segment, then fsyncs what it changed; logs (LOG_WARN) the bytes and segments
// cut. Meant for the position a Reader reported corruption at. A missing
// `segment` is not an error (the later ones are still deleted); an offset past
// the segment's end is kInvalidArgument.
Status repair(const std::string& dir, uint64_t segment, uint64_t offset);

}  // namespace promlite::tsdb::wal
