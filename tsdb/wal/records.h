// WAL record codecs: the payloads the head logs. See tsdb/FORMAT.md, "WAL".
//
// The first byte of every record is its RecordType. A batch of committed
// appends is logged as (at most) one kSeries record with the batch's new series,
// then one kSamples record with its samples.
//
// Encoders append one whole record to `out` (never clear it). Decoders append to
// `out` and return kCorruption for any malformed input (unknown or wrong type,
// truncated field, trailing bytes, invalid label set); they never read outside
// `rec`, whatever it holds. On error `out` may hold part of the record's entries.
// Thread-safety: all functions are pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels.h"
#include "model/sample.h"
#include "model/status.h"

namespace promlite::tsdb::wal {

enum class RecordType : uint8_t {
  kSeries = 1,
  kSamples = 2,
  // 3..15: reserved for later WAL record types of this module (metadata,
  // exemplars, histograms). 0 is never a type: a zero-filled record never parses.
  // 16..31: reserved for the DB layer's own records (checkpoints and the like);
  // record_type() accepts them, the decoders here reject them.
  kFirstExternal = 16,
  kLastExternal = 31,
};

struct SeriesRecord {
  uint64_t id = 0;
  model::Labels labels;
  bool operator==(const SeriesRecord&) const = default;
};

// One sample of a series known by its id. `v` round-trips bit-exactly.
struct RefSample {
  uint64_t id = 0;
  model::Timestamp t = 0;
  double v = 0;
};

void encode_series(std::span<const SeriesRecord> series, std::string& out);
void encode_samples(std::span<const RefSample> samples, std::string& out);

// The type of a record: kSeries, kSamples, or a value in [kFirstExternal,
// kLastExternal]. kCorruption for an empty record or any other type byte.
Result<RecordType> record_type(std::string_view rec);

Status decode_series(std::string_view rec, std::vector<SeriesRecord>& out);
Status decode_samples(std::string_view rec, std::vector<RefSample>& out);

}  // namespace promlite::tsdb::wal
