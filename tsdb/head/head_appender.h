// HeadAppender: tsdb::Appender over a Head.
//
// append() resolves the series (ref fast path, else labels; new series are
// created here, visible to queriers once they have a committed sample), checks
// the sample against the series' newest sample — committed, or pending in this
// batch — and buffers it with a pinned series pointer. commit() applies the
// buffer in order, one series lock per run of samples of the same series;
// rollback() (or destruction without commit) drops it.
//
// Rules per sample, as Prometheus: older than the newest -> kOutOfOrder; same
// timestamp, other value bits -> kDuplicateSample; same timestamp and bits ->
// accepted, not stored twice. Two batches racing on one series are checked
// against what is committed when each sample is appended; at commit a sample
// that is no longer newer than the series' newest (the other batch committed
// first) is dropped and counted in HeadStats::dropped_at_commit.
//
// Not thread-safe: one thread at a time, single use (tsdb::Appender contract).
#pragma once

#include <cstdint>
#include <vector>

#include "tsdb/appender.h"
#include "tsdb/head/head.h"

namespace promlite::tsdb::head {

class HeadAppender final : public Appender {
 public:
  HeadAppender(Head* head, AppendOptions opts);
  ~HeadAppender() override;

  Result<SeriesRef> append(SeriesRef ref, const model::Labels& labels, model::Timestamp t,
                           double v) override;
  Status commit() override;
  void rollback() override;

 private:
  struct Pending {
    MemSeries* series;  // pinned through MemSeries::pending until commit/rollback
    model::Timestamp t;
    double v;
  };

  // Unpins every buffered sample; `apply` stores them first.
  void finish(bool apply);

  Head* head_;
  AppendOptions opts_;
  uint64_t id_;  // owner tag for MemSeries::pending_owner
  bool spent_ = false;
  std::vector<Pending> pending_;
};

}  // namespace promlite::tsdb::head
