// DB as tsdb::StatsProvider: the head's cardinality statistics and the WAL
// replay progress of the last open.
#include "model/log.h"
#include "tsdb/db.h"
#include "tsdb/head/head_stats.h"
#include "tsdb/wal/segment.h"

namespace promlite::tsdb {

Result<TsdbStatus> DB::tsdb_status(size_t limit) const {
  return head::head_tsdb_status(head_, limit);
}

WalReplayStatus DB::wal_replay_status() const {
  WalReplayStatus st;
  st.min = replay_min_.load(std::memory_order_relaxed);
  st.max = replay_max_.load(std::memory_order_relaxed);
  st.current = replay_current_.load(std::memory_order_relaxed);
  return st;
}

void DB::start_replay_status(const std::string& wal_dir, uint64_t first_segment) {
  // As Prometheus: min is the first segment replayed (after the checkpoint),
  // max the newest segment, current starts at min.
  auto segments = wal::list_segments(wal_dir);
  if (!segments) {
    if (segments.status().code() != StatusCode::kNotFound) {
      LOG_WARN("Cannot list WAL segments for the replay status", {"err", segments.status()});
    }
    return;
  }
  int64_t min = -1, max = -1;
  for (uint64_t s : *segments) {
    if (s < first_segment) continue;
    if (min < 0 || static_cast<int64_t>(s) < min) min = static_cast<int64_t>(s);
    if (static_cast<int64_t>(s) > max) max = static_cast<int64_t>(s);
  }
  if (min < 0) return;  // nothing to replay: all zero
  replay_min_.store(min, std::memory_order_relaxed);
  replay_max_.store(max, std::memory_order_relaxed);
  replay_current_.store(min, std::memory_order_relaxed);
}

void DB::finish_replay_status() {
  replay_current_.store(replay_max_.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

}  // namespace promlite::tsdb
