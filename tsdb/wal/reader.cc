#include "tsdb/wal/reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "model/log.h"
#include "tsdb/wal/segment.h"

namespace promlite::tsdb::wal {

Result<std::unique_ptr<Reader>> Reader::open(const std::string& dir, uint64_t first_segment) {
  auto segs = list_segments(dir);
  if (!segs) return segs.status();
  std::unique_ptr<Reader> r(new Reader());
  r->dir_ = dir;
  for (uint64_t s : *segs) {
    if (s >= first_segment) r->segments_.push_back(s);
  }
  r->segment_ = r->segments_.empty() ? first_segment : r->segments_.front();
  return r;
}

std::unique_ptr<Reader> Reader::from_memory(std::vector<std::string_view> segments,
                                            uint64_t first_index) {
  std::unique_ptr<Reader> r(new Reader());
  for (size_t i = 0; i < segments.size(); ++i) r->segments_.push_back(first_index + i);
  r->memory_ = std::move(segments);
  r->segment_ = first_index;
  return r;
}

Reader::~Reader() = default;

bool Reader::fail(StatusCode code, const std::string& what) {
  status_ = Status(code, "segment " + std::to_string(segment_) + " offset " +
                             std::to_string(offset_) + ": " + what);
  done_ = true;
  cur_.reset();
  return false;
}

bool Reader::open_segment(size_t i) {
  uint64_t want = i == 0 ? segments_[0] : segments_[i - 1] + 1;
  segment_ = want;
  offset_ = 0;
  if (segments_[i] != want) {
    return fail(StatusCode::kCorruption,
                "segment missing (the next one is " + std::to_string(segments_[i]) + ")");
  }
  if (!memory_.empty()) {
    cur_ = SegmentReader::from_memory(memory_[i]);
  } else {
    auto r = SegmentReader::open_file(segment_path(dir_, want));
    if (!r) return fail(r.status().code(), r.status().message());
    cur_ = std::move(*r);
  }
  next_index_ = i + 1;
  return true;
}

bool Reader::next() {
  if (done_) return false;
  for (;;) {
    if (!cur_) {
      size_t i = next_index_;
      if (i >= segments_.size()) {
        done_ = true;
        return false;
      }
      if (!open_segment(i)) return false;
    }
    auto step = cur_->next();
    offset_ = cur_->offset();
    switch (step) {
      case SegmentReader::Step::kRecord:
        return true;
      case SegmentReader::Step::kEnd:
        cur_.reset();
        continue;
      case SegmentReader::Step::kTorn:
      case SegmentReader::Step::kCorrupt:
        return fail(cur_->io_failed() ? StatusCode::kIOError : StatusCode::kCorruption,
                    cur_->error());
    }
  }
}

Status repair(const std::string& dir, uint64_t segment, uint64_t offset) {
  auto segs = list_segments(dir);
  if (!segs) return segs.status();
  uint64_t cut_bytes = 0;
  std::string path = segment_path(dir, segment);
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0 && errno != ENOENT) return errno_status(errno, "open WAL segment " + path);
  if (fd >= 0) {
    struct stat st;
    Status status;
    if (::fstat(fd, &st) != 0) {
      status = errno_status(errno, "stat WAL segment " + path);
    } else if (static_cast<uint64_t>(st.st_size) < offset) {
      status = invalid_argument("WAL repair: offset " + std::to_string(offset) +
                                " is past the end of segment " + path + " (" +
                                std::to_string(st.st_size) + " bytes)");
    } else {
      cut_bytes = static_cast<uint64_t>(st.st_size) - offset;
      if (::ftruncate(fd, static_cast<off_t>(offset)) != 0) {
        status = errno_status(errno, "truncate WAL segment " + path);
      } else if (::fsync(fd) != 0) {
        status = errno_status(errno, "fsync WAL segment " + path);
      }
    }
    ::close(fd);
    if (!status) return status;
  }
  uint64_t deleted = 0;
  for (uint64_t s : *segs) {
    if (s <= segment) continue;
    std::string p = segment_path(dir, s);
    struct stat st;
    if (::stat(p.c_str(), &st) == 0) cut_bytes += static_cast<uint64_t>(st.st_size);
    if (::unlink(p.c_str()) != 0 && errno != ENOENT) {
      return errno_status(errno, "delete WAL segment " + p);
    }
    ++deleted;
  }
  if (deleted > 0) {
    if (Status st = sync_dir(dir); !st) return st;
  }
  LOG_WARN("Repaired the WAL: cut a corrupt or torn tail", log::Field("dir", dir),
           log::Field("segment", segment), log::Field("offset", offset),
           log::Field("bytes_cut", cut_bytes), log::Field("segments_deleted", deleted));
  return Status::ok();
}

}  // namespace promlite::tsdb::wal
