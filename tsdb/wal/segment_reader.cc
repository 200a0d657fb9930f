#include "tsdb/wal/segment_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tsdb/wal/crc32c.h"
#include "tsdb/wal/segment.h"

namespace promlite::tsdb::wal {
namespace {

constexpr size_t kReadBufferBytes = 256 << 10;

uint32_t load_le32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap32(v);
#endif
  return v;
}

}  // namespace

Result<std::unique_ptr<SegmentReader>> SegmentReader::open_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return Status(StatusCode::kNotFound, "no WAL segment " + path);
  if (fd < 0) return errno_status(errno, "open WAL segment " + path);
  std::unique_ptr<SegmentReader> r(new SegmentReader());
  r->fd_ = fd;
  r->path_ = path;
  if (Status st = r->refresh_size(); !st) return st;
  return r;
}

std::unique_ptr<SegmentReader> SegmentReader::from_memory(std::string_view bytes) {
  std::unique_ptr<SegmentReader> r(new SegmentReader());
  r->data_ = bytes.data();
  r->data_len_ = bytes.size();
  r->size_ = bytes.size();
  return r;
}

SegmentReader::~SegmentReader() {
  if (fd_ >= 0) ::close(fd_);
}

Status SegmentReader::refresh_size() {
  if (fd_ < 0) return Status::ok();
  struct stat st;
  if (::fstat(fd_, &st) != 0) return errno_status(errno, "stat WAL segment " + path_);
  auto size = static_cast<uint64_t>(st.st_size);
  if (size < pos_) {
    return io_error("WAL segment " + path_ + " shrank to " + std::to_string(size) +
                    " bytes, below the read position " + std::to_string(pos_));
  }
  size_ = size;
  // Drop buffered bytes past a size that may have changed under us.
  if (data_off_ + data_len_ > size_) data_len_ = size_ - std::min(data_off_, size_);
  return Status::ok();
}

bool SegmentReader::fill(size_t n) {
  if (pos_ >= data_off_ && pos_ + n <= data_off_ + data_len_) return true;
  if (fd_ < 0) return false;  // memory mode holds everything up to size_
  // Keep the bytes from pos_ that are already buffered, then read the rest.
  size_t keep = 0;
  const char* keep_from = nullptr;
  if (pos_ >= data_off_ && pos_ < data_off_ + data_len_) {
    keep = static_cast<size_t>(data_off_ + data_len_ - pos_);
    keep_from = data_ + (pos_ - data_off_);
  }
  if (n > buf_cap_) {
    size_t cap = std::max(n, kReadBufferBytes);
    std::unique_ptr<char[]> nb(new char[cap]);
    if (keep > 0) std::memcpy(nb.get(), keep_from, keep);
    buf_ = std::move(nb);
    buf_cap_ = cap;
  } else if (keep > 0) {
    std::memmove(buf_.get(), keep_from, keep);
  }
  data_ = buf_.get();
  data_off_ = pos_;
  data_len_ = keep;
  size_t want = static_cast<size_t>(std::min<uint64_t>(buf_cap_, size_ - pos_));
  while (data_len_ < want) {
    ssize_t got = ::pread(fd_, buf_.get() + data_len_, want - data_len_,
                          static_cast<off_t>(data_off_ + data_len_));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      error_ = std::string("read error: ") + std::strerror(errno);
      io_failed_ = true;
      return false;
    }
    if (got == 0) {  // the file shrank under us
      size_ = data_off_ + data_len_;
      break;
    }
    data_len_ += static_cast<size_t>(got);
  }
  if (data_len_ < n) {
    error_ = "segment shrank while reading";
    io_failed_ = true;
    return false;
  }
  return true;
}

SegmentReader::Step SegmentReader::next() {
  record_ = {};
  frame_start_ = pos_;
  uint64_t avail = size_ - pos_;
  if (avail == 0) return Step::kEnd;
  if (avail < kFrameHeaderBytes) {
    error_ = "torn frame header (" + std::to_string(avail) + " bytes at the end)";
    return Step::kTorn;
  }
  if (!fill(kFrameHeaderBytes)) return Step::kCorrupt;
  const char* h = data_ + (pos_ - data_off_);
  uint32_t len = load_le32(h);
  uint32_t crc = load_le32(h + 4);
  if (len == 0) {
    error_ = crc == 0 ? "zero-filled frame header" : "zero record length";
    return Step::kCorrupt;
  }
  if (len > kMaxRecordBytes) {
    error_ = "record length " + std::to_string(len) + " exceeds the limit";
    return Step::kCorrupt;
  }
  if (avail - kFrameHeaderBytes < len) {
    error_ = "record of " + std::to_string(len) + " bytes runs past the end (" +
             std::to_string(avail - kFrameHeaderBytes) + " bytes left)";
    return Step::kTorn;
  }
  if (!fill(kFrameHeaderBytes + len)) return Step::kCorrupt;
  const char* payload = data_ + (pos_ - data_off_) + kFrameHeaderBytes;
  uint32_t got = crc32c(payload, len);
  if (got != crc) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "CRC mismatch (stored %08x, computed %08x)", crc, got);
    error_ = buf;
    return Step::kCorrupt;
  }
  record_ = std::string_view(payload, len);
  pos_ += kFrameHeaderBytes + len;
  return Step::kRecord;
}

}  // namespace promlite::tsdb::wal
