// AgentAppender: tsdb::Appender over AgentStorage (contract in
// tsdb/appender.h). A batch is logged at commit() as one kSeries record (the
// batch's series not logged yet) and one kSamples record; the series' newest
// times advance only then. A sample must be newer than its series' newest
// committed sample and than the batch's own pending samples of that series,
// else it is refused with kOutOfOrder (Prometheus's agent raises the series'
// newest time at append; here a rollback leaves no trace), and the rest of
// the batch is unaffected.
//
// Every series the batch touched stays pinned in the series map until commit
// or rollback, so a truncation in between does not drop it (see SeriesMap).
// Not thread-safe: one thread per appender.
#pragma once

#include <cstdint>
#include <vector>

#include "tsdb/agent/agent_storage.h"

namespace promlite::tsdb::agent {

class AgentAppender final : public Appender {
 public:
  explicit AgentAppender(AgentStorage* storage);
  ~AgentAppender() override;

  Result<SeriesRef> append(SeriesRef ref, const model::Labels& labels, model::Timestamp t,
                           double v) override;
  Status commit() override;
  void rollback() override;

 private:
  struct Pending {
    Series* series;
    int64_t t;
    double v;
  };
  // A series this batch pinned, with its newest pending time (INT64_MIN:
  // none accepted). Slots of an open-addressing table keyed by the pointer.
  struct Held {
    Series* series;
    int64_t newest;
  };
  // The series' slot, given a series the caller just pinned: a new slot
  // (newest INT64_MIN) keeps that pin; when the batch held the series
  // already, the extra pin is dropped.
  Held& hold(Series* s);
  void finish();

  AgentStorage* storage_;
  uint64_t epoch_;
  bool spent_ = false;
  uint64_t created_ = 0;
  uint64_t out_of_order_ = 0;
  std::vector<Pending> pending_;
  std::vector<Held> held_;  // empty or a power of two of slots
  size_t held_count_ = 0;
};

}  // namespace promlite::tsdb::agent
