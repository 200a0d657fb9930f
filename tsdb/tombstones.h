// Tombstones: the deleted time intervals of series, by label set.
//
// /api/v1/admin/tsdb/delete_series marks samples deleted without rewriting
// anything: the DB records, per matching label set, the deleted intervals
// (tsdb/intervals.h), and every read filters them out (tombstone_querier.h).
// clean_tombstones() later rewrites the chunks and drops the tombstones.
//
// Tombstones are keyed by label set, not by head or partition series id: one
// entry covers the series in the head and in every partition, and survives the
// head forgetting the series (gc) or a restart giving it a new id.
//
// Persistence: one record per label set in the store's default column family
// (key "tombstone/" + Labels::data(), value encode_intervals()), written with
// a synced RocksDB write before delete_series() returns. See tsdb/FORMAT.md,
// "Tombstones".
//
// Thread-safety: a TombstoneSet is a plain value; the DB publishes immutable
// copies (shared_ptr<const TombstoneSet>) that readers share freely.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/labels.h"
#include "model/status.h"
#include "tsdb/intervals.h"

namespace promlite::tsdb {

// Key prefix of tombstone records in the store's default column family.
inline constexpr std::string_view kTombstoneKeyPrefix = "tombstone/";

struct Tombstone {
  model::Labels labels;
  Intervals intervals;
};

class TombstoneSet {
 public:
  // The deleted intervals of `labels`, or null.
  const Intervals* find(const model::Labels& labels) const;
  // Merges `iv` into the entry of `labels` (created when absent).
  void add(const model::Labels& labels, const Intervals& iv);
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  // In insertion order.
  const std::vector<Tombstone>& entries() const { return entries_; }

 private:
  std::vector<Tombstone> entries_;
  std::unordered_multimap<uint64_t, size_t> by_hash_;  // Labels::hash() -> index
};

// uvarint(count), then per interval: varint(mint) (zigzag), uvarint(maxt - mint).
std::string encode_intervals(const Intervals& iv);
// kCorruption for truncated input, trailing bytes or a decreasing range.
Result<Intervals> decode_intervals(std::string_view data);

std::string tombstone_key(const model::Labels& labels);
// The label set of a tombstone key; kCorruption when malformed.
Result<model::Labels> parse_tombstone_key(std::string_view key);

}  // namespace promlite::tsdb
