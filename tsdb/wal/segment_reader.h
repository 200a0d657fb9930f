// SegmentReader: walks the frames of one segment, from a file or from memory.
// The building block of Reader and Tailer; see segment.h for the framing.
//
// Not thread-safe. The view returned by record() is valid until the next call
// of next() or the reader's destruction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "model/status.h"

namespace promlite::tsdb::wal {

class SegmentReader {
 public:
  enum class Step {
    kRecord,   // record() holds the next record
    kEnd,      // clean end: no byte after the last record (at the size last seen)
    kTorn,     // the data ends inside a frame: a torn write, or one still in progress
    kCorrupt,  // a frame that can never become valid: bad length, CRC mismatch, zeros
  };

  // Reads the file at `path`; its size is taken now (refresh_size() re-reads it).
  // kNotFound when the file does not exist.
  static Result<std::unique_ptr<SegmentReader>> open_file(const std::string& path);
  // Reads `bytes`, which must outlive the reader.
  static std::unique_ptr<SegmentReader> from_memory(std::string_view bytes);
  ~SegmentReader();
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  // Advances. After kTorn or kCorrupt, offset() is the start of the bad frame and
  // error() says what is wrong; calling next() again retries at that offset
  // (useful after refresh_size() on a growing file).
  Step next();
  std::string_view record() const { return record_; }
  // Start of the current record's frame (kRecord), of the bad frame (kTorn,
  // kCorrupt), or the end offset (kEnd).
  uint64_t offset() const { return frame_start_; }
  // Where the next frame starts.
  uint64_t position() const { return pos_; }
  const std::string& error() const { return error_; }
  uint64_t size() const { return size_; }
  // Re-reads the size of a file (no-op for memory); for tailing a live segment.
  // A file that shrank below position() is reported as kIOError.
  Status refresh_size();
  // Read errors of the file (pread failing) make next() return kCorrupt with
  // error() set and this true.
  bool io_failed() const { return io_failed_; }

 private:
  SegmentReader() = default;
  // Makes [pos_, pos_ + n) readable at data_ + (pos_ - data_off_); false on a
  // read error. REQUIRES: pos_ + n <= size_.
  bool fill(size_t n);

  int fd_ = -1;
  std::string path_;
  uint64_t size_ = 0;
  uint64_t pos_ = 0;
  uint64_t frame_start_ = 0;
  // The bytes [data_off_, data_off_ + data_len_) of the segment are at data_.
  const char* data_ = nullptr;
  uint64_t data_off_ = 0;
  size_t data_len_ = 0;
  std::unique_ptr<char[]> buf_;  // file mode: the read buffer data_ points into
  size_t buf_cap_ = 0;
  std::string_view record_;
  std::string error_;
  bool io_failed_ = false;
};

}  // namespace promlite::tsdb::wal
