// DB as tsdb::AdminProvider: the operations behind /api/v1/admin/tsdb/*.
//
// NOT YET: deleting series needs tombstones in the head's chunks and in the
// store's partitions (plus a WAL record so a restart keeps them), and a
// snapshot needs a consistent copy of the RocksDB store; neither exists, so
// both refuse with kUnavailable (the API answers Prometheus's error shape,
// errorType "unavailable") instead of pretending to succeed.
#include "tsdb/db.h"

namespace promlite::tsdb {

Status DB::delete_series(model::Timestamp /*mint*/, model::Timestamp /*maxt*/,
                         const std::vector<model::Matchers>& /*selectors*/) {
  return Status(StatusCode::kUnavailable,
                "delete_series is not supported by promlite's storage yet");
}

Status DB::clean_tombstones() {
  // delete_series never marks anything, so there are no tombstones to clean.
  return Status::ok();
}

Result<std::string> DB::snapshot(bool /*with_head*/) {
  return Status(StatusCode::kUnavailable, "snapshot is not supported by promlite's storage yet");
}

}  // namespace promlite::tsdb
