// What the storage tells the status pages and the admin endpoints of the HTTP
// API (/api/v1/status/tsdb, /api/v1/status/walreplay,
// /api/v1/admin/tsdb/*). api/ sees storage only through this header, querier.h
// and appender.h; the head implements StatsProvider (tsdb/head/head_stats.h),
// the DB both (tsdb/db_stats.cc, tsdb/db_admin.cc).
//
// Shapes follow Prometheus 3.5's tsdb.Stats / index.PostingsStats and
// tsdb.WALReplayStatus, so the API writes them as Prometheus does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/matcher.h"
#include "model/sample.h"
#include "model/status.h"

namespace promlite::tsdb {

// One row of a cardinality table: a metric name, label name or "name=value"
// pair, and its count (series, values or bytes).
struct CardinalityStat {
  std::string name;
  uint64_t value = 0;

  bool operator==(const CardinalityStat&) const = default;
};

struct HeadStatus {
  uint64_t num_series = 0;
  // Distinct label name/value pairs in the index.
  int64_t num_label_pairs = 0;
  // Chunks held in memory (open and sealed).
  int64_t chunk_count = 0;
  // Oldest and newest sample time in the head (ms). An empty head reports
  // INT64_MAX / INT64_MIN, as Prometheus's does.
  model::Timestamp min_time = INT64_MAX;
  model::Timestamp max_time = INT64_MIN;
};

// Every table is sorted by value, largest first (ties by name), and holds at
// most the `limit` passed to tsdb_status().
struct TsdbStatus {
  HeadStatus head;
  std::vector<CardinalityStat> series_count_by_metric_name;
  std::vector<CardinalityStat> label_value_count_by_label_name;
  // Approximate bytes of each label name's values over all series, computed as
  // Prometheus does (per series: name and value with their length prefixes).
  std::vector<CardinalityStat> memory_in_bytes_by_label_name;
  std::vector<CardinalityStat> series_count_by_label_value_pair;
};

// Progress of the write-ahead-log replay at start-up, in segments: all zero
// when there is no WAL or replay has not started; current == max once done.
struct WalReplayStatus {
  int64_t min = 0;
  int64_t max = 0;
  int64_t current = 0;
};

// Thread-safety: implementations must allow calls from any thread, at any time
// while the storage is open.
class StatsProvider {
 public:
  virtual ~StatsProvider() = default;
  // Cardinality statistics of the head. `limit` >= 1 bounds every table.
  virtual Result<TsdbStatus> tsdb_status(size_t limit) const = 0;
  virtual WalReplayStatus wal_replay_status() const = 0;
};

// The operations behind /api/v1/admin/tsdb/* (only served with
// --web.enable-admin-api). Errors are returned as the API reports them
// (kInvalidArgument -> bad_data, others -> internal).
class AdminProvider {
 public:
  virtual ~AdminProvider() = default;
  // Deletes the samples in [mint, maxt] of the series matching each matcher
  // set (one set per match[] parameter).
  virtual Status delete_series(model::Timestamp mint, model::Timestamp maxt,
                               const std::vector<model::Matchers>& selectors) = 0;
  // Reclaims the space of deleted samples.
  virtual Status clean_tombstones() = 0;
  // Writes a snapshot of the data under <data dir>/snapshots/ and returns the
  // snapshot's directory name; `with_head` includes the in-memory head.
  virtual Result<std::string> snapshot(bool with_head) = 0;
};

}  // namespace promlite::tsdb
