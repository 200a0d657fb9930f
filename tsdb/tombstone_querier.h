// Reads with tombstones applied: a tsdb::Querier decorator that hides deleted
// samples (tombstones.h).
//
// - select(): a series with a tombstone gets an iterator that skips the
//   deleted intervals (a seek past each one, so a long deletion costs one
//   seek, not a decode of every deleted sample); a series with no sample left
//   in the querier's bounds is not returned (as Prometheus does).
// - label_names() / label_values(): a name or value that only series without
//   remaining samples carry is removed. Only names and values of tombstoned
//   series are re-checked (one select per such name or value), so the cost is
//   proportional to the tombstones, not to the data.
//
// The DB uses it only while tombstones exist: without them reads take the
// undecorated path and pay nothing.
//
// Thread-safety and lifetimes: as tsdb::Querier; the decorator owns `inner`
// and keeps the TombstoneSet alive.
#pragma once

#include <memory>

#include "tsdb/intervals.h"
#include "tsdb/querier.h"
#include "tsdb/tombstones.h"

namespace promlite::tsdb {

// Iterates `inner` without the samples inside `deleted` (which must outlive it).
class DeletedFilterIterator final : public SampleIterator {
 public:
  DeletedFilterIterator(std::unique_ptr<SampleIterator> inner, const Intervals* deleted)
      : inner_(std::move(inner)), deleted_(deleted) {}

  bool next() override;
  bool seek(model::Timestamp t) override;
  model::Sample at() const override { return use_last_ ? last_ : inner_->at(); }
  size_t next_batch(model::Timestamp* ts, double* vs, size_t max) override;
  Status status() const override { return inner_->status(); }

  // Hands back the wrapped iterator (for reuse).
  std::unique_ptr<SampleIterator> release() { return std::move(inner_); }

 private:
  // From the inner iterator's current sample, moves to the first kept one.
  bool skip_deleted();

  std::unique_ptr<SampleIterator> inner_;
  const Intervals* deleted_;
  // After next_batch(), at() is last_ (the inner position may be past it).
  bool use_last_ = false;
  model::Sample last_{};
};

// `inner` reads [mint, maxt]; `tombstones` must not be null.
std::unique_ptr<Querier> make_tombstone_querier(std::unique_ptr<Querier> inner,
                                                std::shared_ptr<const TombstoneSet> tombstones,
                                                model::Timestamp mint, model::Timestamp maxt);

}  // namespace promlite::tsdb
