// Checkpoint directories beside a WAL: `<dir>/checkpoint.<segment>` (the
// segment as 8 or more decimal digits), written as `<name>.tmp` and renamed
// once complete. The head's checkpoints (tsdb/checkpoint.h) and the agent's
// (tsdb/agent/agent_checkpoint.h) differ in their records, not in how their
// directories are named, found and removed: that part is here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/status.h"

namespace promlite::tsdb::wal {

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

}  // namespace promlite::tsdb::wal
