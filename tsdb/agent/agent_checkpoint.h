// Agent checkpoints: the series the WAL before segment N may still refer to,
// in the directory checkpoint.<N> (8 digits) beside <dir>/wal, where the
// remote-write sender looks for them.
//
// Each series is one WAL-framed type-16 record in the layout of the DB's
// series snapshot (tsdb/FORMAT.md, "Record type 16") with no chunks: id,
// labels, newest sample time, value bits 0, an open-chunk count of 0 and no
// sealed chunks. A `next_ref` file (decimal, newline) holds the lowest series
// id never used before the checkpoint, so ids are not reused after restarts.
// Written as checkpoint.<N>.tmp, fsynced, renamed: all or nothing.
//
// Thread-safety: the functions are stateless; callers serialise writers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/status.h"

namespace promlite::tsdb::agent {

struct SnapshotEntry {
  uint64_t id = 0;
  std::string_view encoded_labels;  // Labels::data()
  int64_t last_t = 0;
};

struct CheckpointRef {
  std::string path;
  uint64_t segment = 0;
};

// Appends one type-16 record for `e` to `out`.
void encode_snapshot(const SnapshotEntry& e, std::string& out);
// Parses one record; the labels view points into `rec`. kCorruption when bad.
Status decode_snapshot(std::string_view rec, SnapshotEntry* e);

// Writes checkpoint.<segment> under `dir` from `entries` (called repeatedly
// with a callback that appends one entry at a time). Returns the bytes written.
Result<uint64_t> write_agent_checkpoint(
    const std::string& dir, uint64_t segment, uint64_t next_ref,
    const std::function<void(const std::function<void(const SnapshotEntry&)>&)>& entries);

// The newest complete checkpoint under `dir` (kNotFound when none); removes
// leftover .tmp directories.
Result<CheckpointRef> latest_agent_checkpoint(const std::string& dir);

// Reads every entry of checkpoint `path`; returns the `next_ref` value (0 when
// the file is missing).
Result<uint64_t> load_agent_checkpoint(const std::string& path,
                                       const std::function<Status(const SnapshotEntry&)>& fn);

// Deletes the checkpoints of segments below `segment`; returns how many.
Result<uint64_t> remove_agent_checkpoints_before(const std::string& dir, uint64_t segment);

// Bytes of every checkpoint directory under `dir`.
uint64_t agent_checkpoint_bytes(const std::string& dir);

}  // namespace promlite::tsdb::agent
