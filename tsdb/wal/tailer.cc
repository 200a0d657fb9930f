#include "tsdb/wal/tailer.h"

#include <sys/stat.h>

#include <cerrno>

#include "tsdb/wal/segment.h"

namespace promlite::tsdb::wal {
namespace {

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Whether a segment after `segment` exists: the next one (one stat), or a later
// one when segments were removed meanwhile.
Result<bool> later_segment_exists(const std::string& dir, uint64_t segment) {
  if (exists(segment_path(dir, segment + 1))) return true;
  auto segs = list_segments(dir);
  if (!segs) return segs.status();
  return !segs->empty() && segs->back() > segment;
}

}  // namespace

std::unique_ptr<Tailer> Tailer::open(const std::string& dir, uint64_t first_segment) {
  return std::unique_ptr<Tailer>(new Tailer(dir, first_segment));
}

Tailer::~Tailer() = default;

Tailer::Next Tailer::fail(StatusCode code, const std::string& what) {
  status_ = Status(code, "segment " + std::to_string(segment_) + " offset " +
                             std::to_string(offset()) + ": " + what);
  return Next::kError;
}

bool Tailer::open_current() {
  auto r = SegmentReader::open_file(segment_path(dir_, segment_));
  if (!r && r.status().code() == StatusCode::kNotFound) {
    // Gone (or not there yet): resume at the oldest segment after it, if any.
    auto segs = list_segments(dir_);
    if (!segs) {
      status_ = segs.status();
      return false;
    }
    uint64_t next = 0;
    bool found = false;
    for (uint64_t s : *segs) {
      if (s > segment_) {
        next = s;
        found = true;
        break;
      }
    }
    if (!found) return false;  // wait for the writer
    skipped_ += next - segment_;
    segment_ = next;
    r = SegmentReader::open_file(segment_path(dir_, segment_));
  }
  if (!r) {
    status_ = r.status();
    return false;
  }
  cur_ = std::move(*r);
  return true;
}

Tailer::Next Tailer::next() {
  if (!status_.is_ok()) return Next::kError;
  for (;;) {
    if (!cur_ && !open_current()) return status_.is_ok() ? Next::kCaughtUp : Next::kError;
    auto step = cur_->next();
    if (step == SegmentReader::Step::kRecord) return Next::kRecord;
    if (step == SegmentReader::Step::kCorrupt) {
      return fail(cur_->io_failed() ? StatusCode::kIOError : StatusCode::kCorruption,
                  cur_->error());
    }
    // At the end of what is visible (cleanly or inside a frame). If the file has
    // grown since, read on.
    uint64_t seen = cur_->size();
    if (Status st = cur_->refresh_size(); !st) return fail(st.code(), st.message());
    if (cur_->size() != seen) continue;
    // The writer creates the next segment only after its last write to this
    // one, so once the next exists this one's size is final: look again.
    auto later = later_segment_exists(dir_, segment_);
    if (!later) return fail(later.status().code(), later.status().message());
    if (!*later) return Next::kCaughtUp;
    if (Status st = cur_->refresh_size(); !st) return fail(st.code(), st.message());
    step = cur_->next();
    if (step == SegmentReader::Step::kRecord) return Next::kRecord;
    if (step == SegmentReader::Step::kEnd) {
      cur_.reset();
      ++segment_;
      continue;
    }
    return fail(cur_->io_failed() ? StatusCode::kIOError : StatusCode::kCorruption, cur_->error());
  }
}

}  // namespace promlite::tsdb::wal
