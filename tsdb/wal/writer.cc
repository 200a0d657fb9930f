#include "tsdb/wal/writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "model/log.h"

namespace promlite::tsdb::wal {

struct Writer::Segment {
  Segment(int f, uint64_t i) : fd(f), index(i) {}
  ~Segment() { ::close(fd); }
  const int fd;
  const uint64_t index;
};

namespace {

using Clock = std::chrono::steady_clock;

// Frames are built outside the lock in a per-thread buffer (kept between calls
// unless a huge batch made it large).
thread_local std::string tl_frames;
constexpr size_t kKeepBufferBytes = 4 << 20;

// Writes all of [data, data + n) at `off`; returns 0 or the errno.
int pwrite_all(int fd, const char* data, size_t n, uint64_t off) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(off));
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (w == 0) return EIO;
    data += w;
    n -= static_cast<size_t>(w);
    off += static_cast<uint64_t>(w);
  }
  return 0;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

Writer::Writer(std::string dir, WriterOptions opts) : dir_(std::move(dir)), opts_(opts) {}

Result<std::unique_ptr<Writer>> Writer::open(const std::string& dir, WriterOptions opts,
                                             uint64_t first_segment) {
  std::error_code ec;
  if (std::filesystem::create_directories(dir, ec)) {
    // A new directory's own entry must reach the disk too.
    std::string parent = std::filesystem::path(dir).parent_path().string();
    if (Status st = sync_dir(parent.empty() ? "." : parent); !st) return st;
  }
  if (ec) return io_error("create WAL directory " + dir + ": " + ec.message());
  auto segs = list_segments(dir);
  if (!segs) return segs.status();
  std::unique_ptr<Writer> w(new Writer(dir, opts));
  for (uint64_t s : *segs) {
    struct stat st;
    if (::stat(segment_path(dir, s).c_str(), &st) == 0) {
      w->stats_.disk_bytes += static_cast<uint64_t>(st.st_size);
    }
  }
  w->stats_.segments = segs->size();
  uint64_t index = segs->empty() ? first_segment : segs->back() + 1;
  {
    std::lock_guard lk(w->mu_);
    if (Status st = w->start_segment_locked(index); !st) return st;
  }
  if (Status st = w->sync(); !st) return st;  // the new file's directory entry
  if (opts.sync_interval.count() > 0) w->syncer_ = std::thread([p = w.get()] { p->run_syncer(); });
  return w;
}

Writer::~Writer() {
  if (syncer_.joinable()) {
    {
      std::lock_guard lk(stop_mu_);
      stop_ = true;
    }
    stop_cv_.notify_all();
    syncer_.join();
  }
  if (Status st = sync(); !st) {
    LOG_ERROR("Syncing the WAL on close failed", log::Field("dir", dir_), log::Field("err", st));
  }
}

Status Writer::start_segment_locked(uint64_t index) {
  std::string path = segment_path(dir_, index);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status(errno, "create WAL segment " + path);
  if (cur_) closed_unsynced_.push_back(std::move(cur_));
  cur_ = std::make_shared<Segment>(fd, index);
  cur_size_ = 0;
  needs_truncate_ = false;
  dir_dirty_ = true;
  ++stats_.segments;
  ++stats_.segments_created;
  stats_.current_segment = index;
  return Status::ok();
}

Status Writer::log(std::span<const std::string_view> records) {
  if (records.empty()) return Status::ok();
  std::string& frames = tl_frames;
  frames.clear();
  for (std::string_view r : records) {
    if (r.empty() || r.size() > kMaxRecordBytes) {
      return invalid_argument("WAL record of " + std::to_string(r.size()) +
                              " bytes (allowed: 1 to " + std::to_string(kMaxRecordBytes) + ")");
    }
    append_frame(r, frames);
  }

  std::unique_lock lk(mu_);
  Status status;
  if (needs_truncate_) {
    if (::ftruncate(cur_->fd, static_cast<off_t>(cur_size_)) != 0) {
      status = errno_status(errno, "truncate WAL segment " + segment_name(cur_->index));
    } else {
      needs_truncate_ = false;
    }
  }
  if (status && cur_size_ > 0 && cur_size_ + frames.size() > opts_.segment_bytes) {
    status = start_segment_locked(cur_->index + 1);
  }
  if (status) {
    if (int err = pwrite_all(cur_->fd, frames.data(), frames.size(), cur_size_); err != 0) {
      status = errno_status(err, "write WAL segment " + segment_name(cur_->index));
      if (::ftruncate(cur_->fd, static_cast<off_t>(cur_size_)) != 0) needs_truncate_ = true;
    } else {
      cur_size_ += frames.size();
      written_total_ += frames.size();
      if (opts_.sync_interval.count() == 0) status = sync_locked();
    }
  }
  if (status) {
    stats_.records += records.size();
    ++stats_.batches;
    stats_.bytes_written += frames.size();
    stats_.disk_bytes += frames.size();
  } else {
    ++stats_.write_errors;
  }
  lk.unlock();
  if (frames.capacity() > kKeepBufferBytes) std::string().swap(frames);
  return status;
}

Status Writer::sync_locked() {
  auto start = Clock::now();
  Status status;
  if (::fdatasync(cur_->fd) != 0) {
    status = errno_status(errno, "fsync WAL segment " + segment_name(cur_->index));
    record_fsync_locked(false, seconds_since(start));
  } else {
    record_fsync_locked(true, seconds_since(start));
    if (dir_dirty_ || !closed_unsynced_.empty()) {
      // Segments rotated out here were synced by the log() calls that filled them.
      status = sync_dir(dir_);
      if (status) {
        closed_unsynced_.clear();
        dir_dirty_ = false;
      }
    }
  }
  if (status) {
    synced_total_ = written_total_;
    return status;
  }
  // The batch is not known to be durable: take it back out, as for a write
  // error, so the caller's view (not logged) matches what a replay will see.
  uint64_t batch = written_total_ - synced_total_;
  cur_size_ -= std::min(cur_size_, batch);
  written_total_ = synced_total_;
  if (::ftruncate(cur_->fd, static_cast<off_t>(cur_size_)) != 0) needs_truncate_ = true;
  return status;
}

void Writer::record_fsync_locked(bool ok, double seconds) {
  ++stats_.fsyncs;
  if (!ok) ++stats_.fsync_errors;
  stats_.fsync_seconds += seconds;
  stats_.max_fsync_seconds = std::max(stats_.max_fsync_seconds, seconds);
}

Status Writer::sync() {
  std::lock_guard sl(sync_mu_);
  std::shared_ptr<Segment> seg;
  std::vector<std::shared_ptr<Segment>> closed;
  bool dir = false;
  uint64_t target;
  {
    std::lock_guard lk(mu_);
    seg = cur_;
    closed.swap(closed_unsynced_);
    dir = dir_dirty_;
    dir_dirty_ = false;
    target = written_total_;
    if (!seg || (target == synced_total_ && closed.empty() && !dir)) return Status::ok();
  }
  Status status;
  auto sync_one = [&](const Segment& s) {
    auto start = Clock::now();
    bool ok = ::fdatasync(s.fd) == 0;
    int err = errno;
    double secs = seconds_since(start);
    std::lock_guard lk(mu_);
    record_fsync_locked(ok, secs);
    if (!ok && status) status = errno_status(err, "fsync WAL segment " + segment_name(s.index));
  };
  for (const auto& s : closed) sync_one(*s);
  sync_one(*seg);
  if (dir) {
    if (Status st = sync_dir(dir_); !st && status) status = st;
  }
  std::lock_guard lk(mu_);
  if (status) {
    synced_total_ = std::max(synced_total_, target);
  } else if (dir) {
    dir_dirty_ = true;  // try the directory again next time
  }
  return status;
}

Result<uint64_t> Writer::rotate() {
  uint64_t index;
  {
    std::lock_guard lk(mu_);
    if (Status st = start_segment_locked(cur_->index + 1); !st) return st;
    index = cur_->index;
  }
  if (Status st = sync(); !st) return st;
  return index;
}

uint64_t Writer::current_segment() const {
  std::lock_guard lk(mu_);
  return cur_->index;
}

Status Writer::remove_segments_before(uint64_t segment) {
  {
    std::lock_guard lk(mu_);
    if (segment > cur_->index) {
      return invalid_argument("WAL: cannot remove segments before " + std::to_string(segment) +
                              ": segment " + std::to_string(cur_->index) + " is being written");
    }
    auto segs = list_segments(dir_);
    if (!segs) return segs.status();
    for (uint64_t s : *segs) {
      if (s >= segment) break;
      std::string path = segment_path(dir_, s);
      struct stat st;
      uint64_t size = ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
      if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT) continue;
        return errno_status(errno, "delete WAL segment " + path);
      }
      stats_.disk_bytes -= std::min(stats_.disk_bytes, size);
      if (stats_.segments > 0) --stats_.segments;
    }
  }
  return sync_dir(dir_);
}

WalStats Writer::stats() const {
  std::lock_guard lk(mu_);
  WalStats s = stats_;
  s.unsynced_bytes = written_total_ - synced_total_;
  return s;
}

void Writer::run_syncer() {
  std::unique_lock lk(stop_mu_);
  while (!stop_) {
    stop_cv_.wait_for(lk, opts_.sync_interval, [this] { return stop_; });
    if (stop_) break;
    lk.unlock();
    if (Status st = sync(); !st) {
      LOG_ERROR("WAL fsync failed", log::Field("dir", dir_), log::Field("err", st));
    }
    lk.lock();
  }
}

}  // namespace promlite::tsdb::wal
