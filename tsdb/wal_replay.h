// Replays WAL segments into the head after a restart (on top of a checkpoint).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "model/status.h"
#include "tsdb/head/head.h"

namespace promlite::tsdb {

struct ReplayStats {
  uint64_t records = 0;
  uint64_t series = 0;          // series records applied (new series)
  uint64_t samples = 0;         // samples applied
  uint64_t already_held = 0;    // samples the checkpoint already had (skipped)
  uint64_t unknown_series = 0;  // samples whose series record is missing (skipped)
  bool corrupted = false;       // a torn/corrupt record was found and cut off
  std::string corruption;       // what and where
};

// Applies every record of the segments in `wal_dir` from `first_segment` on.
// Series records create series with their logged ids; samples append when
// newer than the series' newest sample. A corrupt or torn record ends the
// replay: the WAL is truncated there (wal::repair) and the cut is logged, so a
// bad tail never stops a restart. `progress` (optional) runs every ~4M samples
// so the caller can move sealed chunks out of memory during long replays.
Result<ReplayStats> replay_wal(const std::string& wal_dir, uint64_t first_segment, head::Head& head,
                               const std::function<void()>& progress = {});

}  // namespace promlite::tsdb
