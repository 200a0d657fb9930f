// MemoryStorage: a plain in-memory tsdb::Appendable + tsdb::Queryable.
//
// It is the reference store for engine and API tests: series live in a sorted
// map keyed by label set, each holding a sorted vector of samples. Simplicity
// and obvious correctness come first; nothing here is tuned for speed.
//
// Semantics (those of the tsdb::Appender / tsdb::Querier contracts):
// - An Appender keeps its batch private until commit(); rollback() or
//   destroying it uncommitted discards the batch.
// - Per sample, against the series' newest sample (committed or earlier in the
//   same batch): an older timestamp fails with kOutOfOrder (unless
//   AppendOptions::allow_out_of_order), the same timestamp with a different
//   value (bitwise) fails with kDuplicateSample, and the same timestamp with an
//   identical value is accepted and ignored, as Prometheus does. An empty label
//   set or an empty label name fails with kInvalidArgument.
// - Two appenders racing on one series: whichever commits second has its
//   conflicting samples dropped at commit (counted by dropped_at_commit()).
// - A querier sees a snapshot taken when it was created; later commits and
//   clear() do not change what it returns. Bounds [mint, maxt] are inclusive.
// - select() honours every matcher type (a matcher on an absent label sees "")
//   and returns only series with at least one sample inside the bounds, always
//   in Labels::compare order (so `sorted` is honoured trivially). Hints are
//   ignored. label_names()/label_values() consider the same series.
//
// Thread-safety: every public method may be called from any thread.
// Lifetimes: appenders must not outlive the storage; queriers, series sets and
// iterators hold their snapshot and may.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/labels.h"
#include "model/sample.h"
#include "tsdb/appender.h"
#include "tsdb/querier.h"

namespace promlite::testutil {

class MemoryStorage : public tsdb::Appendable, public tsdb::Queryable {
 public:
  // Immutable once published in a snapshot.
  struct SeriesData {
    model::Labels labels;
    std::vector<model::Sample> samples;  // strictly increasing timestamps
  };
  using SeriesMap = std::map<model::Labels, std::shared_ptr<const SeriesData>>;

  MemoryStorage();
  ~MemoryStorage() override;

  std::unique_ptr<tsdb::Appender> appender(const tsdb::AppendOptions& opts = {}) override;
  Result<std::unique_ptr<tsdb::Querier>> querier(model::Timestamp mint,
                                                 model::Timestamp maxt) override;

  // Removes every series and sample. Queriers already open keep their snapshot;
  // refs handed out before are no longer recognised (appends fall back to labels).
  void clear();

  // The committed data as of now (a cheap, immutable snapshot).
  std::shared_ptr<const SeriesMap> snapshot() const;

  size_t num_series() const;
  size_t num_samples() const;
  // Samples accepted by append() but dropped by commit() because another
  // appender committed a conflicting sample first.
  uint64_t dropped_at_commit() const { return dropped_at_commit_.load(); }

  // One line per series, "labels => t:v t:v ...", for test failure messages.
  std::string debug_string() const;

 private:
  class MemAppender;
  friend class MemAppender;

  // Newest committed timestamp of `labels`, or false when it has no samples.
  bool last_committed(const model::Labels& labels, model::Sample* last) const;
  std::optional<model::Labels> labels_for_ref(tsdb::SeriesRef ref) const;
  tsdb::SeriesRef ref_for(const model::Labels& labels);

  mutable std::mutex mu_;
  std::shared_ptr<const SeriesMap> data_;  // guarded by mu_; replaced, never mutated
  // Refs are never reused, so a ref from before clear() is simply unknown.
  std::unordered_map<tsdb::SeriesRef, model::Labels> ref_labels_;  // guarded by mu_
  std::map<model::Labels, tsdb::SeriesRef> label_refs_;            // guarded by mu_
  tsdb::SeriesRef next_ref_ = 1;                                   // guarded by mu_
  std::atomic<uint64_t> dropped_at_commit_{0};
};

}  // namespace promlite::testutil
