#include "tsdb/agent/agent_checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "model/log.h"
#include "model/varint.h"
#include "tsdb/wal/checkpoint_dir.h"
#include "tsdb/wal/reader.h"
#include "tsdb/wal/segment.h"
#include "tsdb/wal/writer.h"

namespace promlite::tsdb::agent {

namespace fs = std::filesystem;

namespace {

constexpr const char* kNextRefFile = "next_ref";

Status write_small_file(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return wal::errno_status(errno, "open " + path);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fdatasync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) return wal::errno_status(err, "write " + path);
  return Status::ok();
}

}  // namespace

void encode_snapshot(const SnapshotEntry& e, std::string& out) {
  out.push_back(static_cast<char>(wal::kSnapshotRecordType));
  model::put_uvarint(out, e.id);
  model::put_uvarint(out, e.encoded_labels.size());
  out.append(e.encoded_labels);
  model::put_fixed64(out, static_cast<uint64_t>(e.last_t));
  model::put_fixed64(out, 0);  // newest value: the agent keeps none
  model::put_uvarint(out, 0);  // no open chunk
  model::put_uvarint(out, 0);  // no sealed chunks
}

Status decode_snapshot(std::string_view rec, SnapshotEntry* e) {
  model::ByteCursor c(rec);
  if (c.byte() != wal::kSnapshotRecordType) {
    return Status(StatusCode::kCorruption, "not a series snapshot record");
  }
  e->id = c.uvarint();
  e->encoded_labels = c.bytes(c.uvarint());
  e->last_t = static_cast<int64_t>(c.fixed64());
  c.fixed64();
  // A DB checkpoint's snapshot may carry chunks: skip them.
  if (uint64_t n = c.uvarint(); c.ok() && n > 0) {
    for (int i = 0; i < 5; ++i) c.fixed64();
    c.bytes(3);
    c.bytes(c.uvarint());
  }
  for (uint64_t n = c.uvarint(); c.ok() && n > 0; --n) c.bytes(c.uvarint());
  if (!c.done()) return Status(StatusCode::kCorruption, "truncated or oversized series snapshot");
  return Status::ok();
}

Result<uint64_t> write_agent_checkpoint(
    const std::string& dir, uint64_t segment, uint64_t next_ref,
    const std::function<void(const std::function<void(const SnapshotEntry&)>&)>& entries) {
  auto cp = wal::CheckpointDirWriter::open(dir, segment);
  if (!cp) return cp.status();

  // Records are logged ~1 MiB at a time: one buffer, views made once it is full.
  std::string buf;
  std::vector<size_t> ends;
  std::vector<std::string_view> views;
  Status written;
  uint64_t bytes = 0;
  auto flush = [&] {
    if (ends.empty() || !written) return;
    views.clear();
    size_t start = 0;
    for (size_t end : ends) {
      views.emplace_back(buf.data() + start, end - start);
      start = end;
    }
    written = (*cp)->wal().log(views);
    bytes += buf.size() + ends.size() * wal::kFrameHeaderBytes;
    buf.clear();
    ends.clear();
  };
  entries([&](const SnapshotEntry& e) {
    encode_snapshot(e, buf);
    ends.push_back(buf.size());
    if (buf.size() >= (1u << 20)) flush();
  });
  flush();
  if (written) {
    written = write_small_file((fs::path((*cp)->tmp_path()) / kNextRefFile).string(),
                               std::to_string(next_ref) + "\n");
  }
  if (written) written = (*cp)->finish();
  if (!written) return written;
  return bytes;
}

Result<CheckpointRef> latest_agent_checkpoint(const std::string& dir) {
  auto cp = wal::latest_checkpoint_dir(dir);
  if (!cp) return cp.status();
  return CheckpointRef{cp->path, cp->segment};
}

Result<uint64_t> load_agent_checkpoint(const std::string& path,
                                       const std::function<Status(const SnapshotEntry&)>& fn) {
  auto reader = wal::Reader::open(path, 0);
  if (!reader) return reader.status();
  uint64_t n = 0;
  while ((*reader)->next()) {
    SnapshotEntry e;
    Status s = decode_snapshot((*reader)->record(), &e);
    if (s) s = fn(e);
    if (!s) {
      return Status(s.code(),
                    "checkpoint " + path + " series " + std::to_string(n) + ": " + s.message());
    }
    ++n;
  }
  if (Status s = (*reader)->status(); !s) {
    return Status(StatusCode::kCorruption, "checkpoint " + path + ": " + s.message());
  }
  uint64_t next_ref = 0;
  if (FILE* f = std::fopen((fs::path(path) / kNextRefFile).c_str(), "re")) {
    unsigned long long v = 0;
    if (std::fscanf(f, "%llu", &v) == 1) next_ref = v;
    std::fclose(f);
  }
  return next_ref;
}

Result<uint64_t> remove_agent_checkpoints_before(const std::string& dir, uint64_t segment) {
  return wal::remove_checkpoint_dirs_before(dir, segment);
}

uint64_t agent_checkpoint_bytes(const std::string& dir) { return wal::checkpoint_dirs_bytes(dir); }

}  // namespace promlite::tsdb::agent
