// AgentAppender: tsdb::Appender over AgentStorage (contract in
// tsdb/appender.h). A batch is logged at commit() as one kSeries record (the
// batch's series not logged yet) and one kSamples record; the series' newest
// times advance only then. Out-of-order checks compare with the newest
// committed time, as Prometheus's agent does.
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
  void finish();

  AgentStorage* storage_;
  uint64_t epoch_;
  bool spent_ = false;
  uint64_t created_ = 0;
  uint64_t out_of_order_ = 0;
  std::vector<Pending> pending_;
};

}  // namespace promlite::tsdb::agent
