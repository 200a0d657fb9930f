// Checkpoint directories beside a WAL: `<dir>/checkpoint.<segment>` (the
// segment as 8 or more decimal digits), written as `<name>.tmp` and renamed
// once complete. The head's checkpoints (tsdb/checkpoint.h) and the agent's
// (tsdb/agent/agent_checkpoint.h) differ in their records, not in how their
// directories are named, found and removed: that part is here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "model/status.h"
#include "tsdb/wal/writer.h"

namespace promlite::tsdb::wal {

// The first byte of a checkpoint's series snapshot record (WAL record types
// 16..31 are promlite's own): uvarint series id, uvarint length and the label
// set in model::Labels' encoding, then the series' state (tsdb/FORMAT.md). The
// head's and the agent's checkpoints write it; the remote-write sender reads it.
inline constexpr uint8_t kSnapshotRecordType = 16;
// A zstd frame of many snapshot records, each prefixed by its uvarint length.
inline constexpr uint8_t kCompressedSnapshotsRecordType = 17;

struct CheckpointDir {
  std::string path;
  uint64_t segment = 0;
};

// "checkpoint.00000042" for segment 42.
std::string checkpoint_dir_name(uint64_t segment);
// Parses a complete checkpoint's name ("checkpoint.<digits>", no suffix).
bool parse_checkpoint_dir_name(std::string_view name, uint64_t* segment);

// The newest complete checkpoint under `dir` (kNotFound when none). Leftover
// .tmp directories of interrupted checkpoints are removed, each logged.
Result<CheckpointDir> latest_checkpoint_dir(const std::string& dir);

// Deletes the complete checkpoints of segments below `segment`; returns how many.
Result<uint64_t> remove_checkpoint_dirs_before(const std::string& dir, uint64_t segment);

// Bytes of every checkpoint directory under `dir`, complete or not.
uint64_t checkpoint_dirs_bytes(const std::string& dir);

// Writes one checkpoint: records go through wal() into <dir>/checkpoint.N.tmp
// (one segment, no background sync); finish() syncs them and any file the
// caller added to tmp_path(), renames the directory to checkpoint.N and syncs
// `dir`. Destroyed without a successful finish(), it removes the .tmp
// directory, so an error leaves no partial checkpoint. Not thread-safe.
class CheckpointDirWriter {
 public:
  static Result<std::unique_ptr<CheckpointDirWriter>> open(const std::string& dir,
                                                           uint64_t segment);
  ~CheckpointDirWriter();
  CheckpointDirWriter(const CheckpointDirWriter&) = delete;
  CheckpointDirWriter& operator=(const CheckpointDirWriter&) = delete;

  Writer& wal() { return *writer_; }
  const std::string& tmp_path() const { return tmp_; }
  Status finish();

 private:
  CheckpointDirWriter(std::string dir, std::string tmp, std::string final_path)
      : dir_(std::move(dir)), tmp_(std::move(tmp)), final_(std::move(final_path)) {}
  std::string dir_, tmp_, final_;
  std::unique_ptr<Writer> writer_;
  bool finished_ = false;
};

}  // namespace promlite::tsdb::wal
