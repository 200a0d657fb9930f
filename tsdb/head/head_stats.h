// Cardinality statistics of the in-memory head, for /api/v1/status/tsdb
// (Prometheus's "TSDB Status" page): read from the postings index, plus one
// pass over the series for the chunk count and the time range.
//
//   HeadStatsProvider stats(head);
//   auto s = stats.tsdb_status(10);   // top 10 of every table
//
// Cost: O(label pairs) for the tables, O(series) for chunks and times; meant
// for a status page, not a hot path (about a second per million series).
// Thread-safety: as Head; safe while appends and gc run (each index read and
// each series is locked briefly, so the figures are a near-consistent view).
#pragma once

#include "tsdb/head/head.h"
#include "tsdb/stats.h"

namespace promlite::tsdb::head {

// The statistics of `head`; every table holds at most `limit` rows (limit >= 1).
TsdbStatus head_tsdb_status(const Head& head, size_t limit);

// StatsProvider over a Head without a write-ahead log (replay status is all
// zero). The head must outlive it.
class HeadStatsProvider : public StatsProvider {
 public:
  explicit HeadStatsProvider(const Head& head) : head_(head) {}
  Result<TsdbStatus> tsdb_status(size_t limit) const override;
  WalReplayStatus wal_replay_status() const override { return {}; }

 private:
  const Head& head_;
};

}  // namespace promlite::tsdb::head
