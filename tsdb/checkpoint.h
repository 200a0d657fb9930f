// Checkpoints: a snapshot of the head that replaces the WAL segments before it.
//
// A checkpoint for segment N (directory checkpoint.<N>, 8 digits) holds, for
// every series whose record was logged, its id, labels, newest sample, open
// chunk (bytes and appender state) and the sealed chunks not yet in the store.
// Together with WAL segments N, N+1, ... it restores the head exactly; samples
// in those segments that the snapshot already holds are skipped on replay
// (their timestamps are not newer than the series' newest).
//
// The checkpoint is written as WAL-framed records (tsdb/wal) into
// checkpoint.<N>.tmp, fsynced, then renamed, so a crash leaves either the old
// checkpoint or the new one, never half of one. Record layout: tsdb/FORMAT.md,
// "Checkpoint".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/status.h"
#include "tsdb/head/head.h"

namespace promlite::tsdb {

// First byte of a series snapshot record (WAL record types 16..31 are ours).
inline constexpr uint8_t kSnapshotRecordType = 16;
// A zstd frame holding many snapshot records, each prefixed by its uvarint
// length (label sets are most of a snapshot and compress ~10x).
inline constexpr uint8_t kCompressedSnapshotsRecordType = 17;

struct CheckpointInfo {
  std::string path;
  uint64_t segment = 0;
};

// Appends the snapshot record of `s` to `out`. REQUIRES: s.lock held.
void encode_snapshot(const head::MemSeries& s, std::string& out);

// Restores one snapshot record into `head` (which must not hold the series).
// Returns the restored series.
Result<head::SeriesPtr> restore_snapshot(std::string_view record, head::Head& head);

// Writes a checkpoint of `head` for WAL segment `segment` under `data_dir`.
// Returns the bytes written.
Result<uint64_t> write_checkpoint(const head::Head& head, const std::string& data_dir,
                                  uint64_t segment);

// The newest complete checkpoint under `data_dir` (kNotFound when none).
// Leftover .tmp directories of interrupted checkpoints are removed.
Result<CheckpointInfo> latest_checkpoint(const std::string& data_dir);

// Loads every snapshot of checkpoint `path` into `head`; returns the count.
// A corrupt record fails the load (kCorruption) naming the position.
Result<uint64_t> load_checkpoint(const std::string& path, head::Head& head);

// Deletes checkpoints older than segment `segment`.
Status remove_checkpoints_before(const std::string& data_dir, uint64_t segment);

// Bytes of the checkpoint directories under `data_dir`.
uint64_t checkpoint_bytes(const std::string& data_dir);

}  // namespace promlite::tsdb
