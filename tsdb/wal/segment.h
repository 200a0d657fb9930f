// WAL segment files and record framing. See tsdb/FORMAT.md, "WAL".
//
// A WAL is a directory of segment files named by their index, 8 decimal digits
// zero-padded ("00000012"; more digits past 99999999). Each segment is a plain
// sequence of frames, one per record:
//   [u32 LE payload length][u32 LE CRC32C of the payload][payload]
// The payload is the record; its first byte is the record type (records.h).
// There is no segment header and no padding.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/status.h"

namespace promlite::tsdb::wal {

inline constexpr size_t kFrameHeaderBytes = 8;
// Largest record payload; a header claiming more is corrupt.
inline constexpr uint32_t kMaxRecordBytes = 256u << 20;

std::string segment_name(uint64_t index);
std::string segment_path(const std::string& dir, uint64_t index);
// True (and *index set) when `name` is a segment file name: 8 or more decimal
// digits, nothing else. Other files in the directory are ignored.
bool parse_segment_name(std::string_view name, uint64_t* index);

// Indexes of the segment files in `dir`, ascending. Empty when `dir` does not
// exist; kIOError when it cannot be read.
Result<std::vector<uint64_t>> list_segments(const std::string& dir);
// {first, last} segment index in `dir`; kNotFound when there is none.
Result<std::pair<uint64_t, uint64_t>> segment_range(const std::string& dir);

// Appends the frame of one record (header + payload) to `out`.
// REQUIRES: 0 < record.size() <= kMaxRecordBytes.
void append_frame(std::string_view record, std::string& out);

// fsyncs a directory (after creating, renaming or deleting entries in it).
Status sync_dir(const std::string& dir);

// errno of a failed call as a Status: kResourceExhausted for ENOSPC/EDQUOT,
// kIOError otherwise; the message is "<what>: <strerror>".
Status errno_status(int err, const std::string& what);

}  // namespace promlite::tsdb::wal
