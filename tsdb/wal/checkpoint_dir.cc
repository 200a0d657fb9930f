#include "tsdb/wal/checkpoint_dir.h"

#include <cstdio>
#include <filesystem>
#include <vector>

#include "model/log.h"
#include "tsdb/wal/segment.h"

namespace promlite::tsdb::wal {

namespace fs = std::filesystem;

namespace {
constexpr std::string_view kPrefix = "checkpoint.";
}  // namespace

std::string checkpoint_dir_name(uint64_t segment) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "checkpoint.%08llu", static_cast<unsigned long long>(segment));
  return buf;
}

bool parse_checkpoint_dir_name(std::string_view name, uint64_t* segment) {
  if (!name.starts_with(kPrefix)) return false;
  std::string_view digits = name.substr(kPrefix.size());
  if (digits.empty() || digits.size() > 19) return false;
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *segment = v;
  return true;
}

Result<CheckpointDir> latest_checkpoint_dir(const std::string& dir) {
  CheckpointDir best;
  bool found = false;
  std::error_code ec;
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.starts_with(kPrefix) && name.ends_with(".tmp")) {
      stale.push_back(entry.path());
      continue;
    }
    uint64_t seg = 0;
    if (!parse_checkpoint_dir_name(name, &seg) || !entry.is_directory()) continue;
    if (!found || seg > best.segment) {
      best = {entry.path().string(), seg};
      found = true;
    }
  }
  if (ec) return io_error("list " + dir + ": " + ec.message());
  for (const auto& p : stale) {
    LOG_WARN("Removing interrupted checkpoint", {"dir", p.string()});
    fs::remove_all(p, ec);
  }
  if (!found) return Status(StatusCode::kNotFound, "no checkpoint");
  return best;
}

Result<uint64_t> remove_checkpoint_dirs_before(const std::string& dir, uint64_t segment) {
  std::error_code ec;
  std::vector<fs::path> old;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    uint64_t seg = 0;
    if (parse_checkpoint_dir_name(entry.path().filename().string(), &seg) && seg < segment) {
      old.push_back(entry.path());
    }
  }
  for (const auto& p : old) {
    fs::remove_all(p, ec);
    if (ec) return io_error("remove " + p.string() + ": " + ec.message());
  }
  return static_cast<uint64_t>(old.size());
}

uint64_t checkpoint_dirs_bytes(const std::string& dir) {
  uint64_t n = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.path().filename().string().starts_with(kPrefix)) continue;
    for (const auto& f : fs::recursive_directory_iterator(entry.path(), ec)) {
      if (f.is_regular_file(ec)) n += f.file_size(ec);
    }
  }
  return n;
}

Result<std::unique_ptr<CheckpointDirWriter>> CheckpointDirWriter::open(const std::string& dir,
                                                                       uint64_t segment) {
  std::string final_path = (fs::path(dir) / checkpoint_dir_name(segment)).string();
  std::string tmp = final_path + ".tmp";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  WriterOptions wopts;
  wopts.segment_bytes = size_t{1} << 30;
  wopts.sync_interval = std::chrono::hours(1);  // one explicit sync in finish()
  auto writer = Writer::open(tmp, wopts, 0);
  if (!writer) return writer.status();
  std::unique_ptr<CheckpointDirWriter> w(new CheckpointDirWriter(dir, tmp, final_path));
  w->writer_ = std::move(*writer);
  return w;
}

CheckpointDirWriter::~CheckpointDirWriter() {
  if (finished_) return;
  writer_.reset();
  std::error_code ec;
  fs::remove_all(tmp_, ec);
}

Status CheckpointDirWriter::finish() {
  Status s = writer_->sync();
  writer_.reset();
  if (s) s = sync_dir(tmp_);
  if (!s) return s;
  std::error_code ec;
  fs::rename(tmp_, final_, ec);
  if (ec) return io_error("rename " + tmp_ + ": " + ec.message());
  finished_ = true;
  return sync_dir(dir_);
}

}  // namespace promlite::tsdb::wal
