#include "tsdb/wal/segment.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "tsdb/wal/crc32c.h"

namespace promlite::tsdb::wal {

std::string segment_name(uint64_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08llu", static_cast<unsigned long long>(index));
  return buf;
}

std::string segment_path(const std::string& dir, uint64_t index) {
  return dir + "/" + segment_name(index);
}

bool parse_segment_name(std::string_view name, uint64_t* index) {
  if (name.size() < 8 || name.size() > 20) return false;
  uint64_t v = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *index = v;
  return true;
}

Result<std::vector<uint64_t>> list_segments(const std::string& dir) {
  std::vector<uint64_t> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return out;
    return errno_status(errno, "open WAL directory " + dir);
  }
  while (dirent* e = ::readdir(d)) {
    uint64_t index;
    if (parse_segment_name(e->d_name, &index)) out.push_back(index);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::pair<uint64_t, uint64_t>> segment_range(const std::string& dir) {
  auto segs = list_segments(dir);
  if (!segs) return segs.status();
  if (segs->empty()) return Status(StatusCode::kNotFound, "no WAL segments in " + dir);
  return std::pair<uint64_t, uint64_t>(segs->front(), segs->back());
}

void append_frame(std::string_view record, std::string& out) {
  uint32_t hdr[2] = {static_cast<uint32_t>(record.size()), crc32c(record)};
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  hdr[0] = __builtin_bswap32(hdr[0]);
  hdr[1] = __builtin_bswap32(hdr[1]);
#endif
  out.append(reinterpret_cast<const char*>(hdr), sizeof hdr);
  out.append(record);
}

Status sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "open WAL directory " + dir);
  Status st;
  if (::fsync(fd) != 0) st = errno_status(errno, "fsync WAL directory " + dir);
  ::close(fd);
  return st;
}

Status errno_status(int err, const std::string& what) {
  auto code =
      (err == ENOSPC || err == EDQUOT) ? StatusCode::kResourceExhausted : StatusCode::kIOError;
  return Status(code, what + ": " + std::strerror(err));
}

}  // namespace promlite::tsdb::wal
