// DbQuerier: one tsdb::Querier over the head and the partition store.
//
// Both sides are selected in label order and merged: a label set present in
// both gives one series whose iterator reads the store's samples and then the
// head's newer ones (ChainIterator), so a chunk that is momentarily in both
// (written to the store, not yet dropped from the head) is read once.
// The querier pins a DB epoch for its lifetime so the head keeps every chunk
// that its store snapshot might lack (see DB::pin_epoch).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tsdb/head/head.h"
#include "tsdb/querier.h"
#include "tsdb/store/store_querier.h"

namespace promlite::tsdb {

class DB;

// Reads `first` to its end, then the samples of `second` newer than the last
// one read (all of `second` when `first` was empty).
class ChainIterator final : public SampleIterator {
 public:
  ChainIterator(std::unique_ptr<SampleIterator> first, std::unique_ptr<SampleIterator> second)
      : first_(std::move(first)), second_(std::move(second)) {}

  bool next() override;
  bool seek(model::Timestamp t) override;
  model::Sample at() const override { return in_first_ ? first_->at() : second_->at(); }
  size_t next_batch(model::Timestamp* ts, double* vs, size_t max) override;
  Status status() const override;

 private:
  // Leaves `first_` and positions `second_` on its first sample >= t that is
  // newer than everything `first_` returned.
  bool enter_second(model::Timestamp t, bool any);

  std::unique_ptr<SampleIterator> first_;
  std::unique_ptr<SampleIterator> second_;
  bool in_first_ = true;
  bool have_last_ = false;
  model::Timestamp last_ = 0;
};

// The head's side of a store select: a series the head keeps from mint on
// (in chunks not yet written to the store, or written and still cached, see
// DbOptions::head_cache_bytes) is answered by the head alone; so is a series
// created since the start none of whose chunks has been scheduled to leave
// (MemSeries::holds_all). Chunks stay in memory for any querier pinned
// before they are scheduled to leave (DB::pin_epoch), and every later sample
// is newer, so the store's copy of that series adds nothing.
//
// Only chunks started after the newest sample recovery restored count: a
// checkpoint and WAL replayed after a crash may lack samples the store got
// before it (a torn WAL tail, a skipped record), so restored chunks are not
// known to be complete. Chunks of samples appended since are.
class HeadHolds final : public store::HeadView {
 public:
  explicit HeadHolds(const head::Head* head) : head_(head) {}
  bool holds_from(uint64_t id, model::Timestamp mint) const override;
  // Samples at or before `t` came from recovery (set once, before queries).
  void set_recovered_until(model::Timestamp t) { recovered_until_ = t; }

 private:
  const head::Head* head_;
  model::Timestamp recovered_until_ = model::kMinTime;
};

class DbQuerier final : public Querier {
 public:
  // `store` may be null (no store). Unpins `epoch` on destruction.
  DbQuerier(DB* db, uint64_t epoch, std::unique_ptr<Querier> head, std::unique_ptr<Querier> store);
  ~DbQuerier() override;

  std::unique_ptr<SeriesSet> select(bool sorted, const SelectHints* hints,
                                    const model::Matchers& matchers) override;
  Result<std::vector<std::string>> label_names(const model::Matchers& matchers,
                                               const LabelHints& hints = {}) override;
  Result<std::vector<std::string>> label_values(const std::string& name,
                                                const model::Matchers& matchers,
                                                const LabelHints& hints = {}) override;

 private:
  DB* db_;
  uint64_t epoch_;
  std::unique_ptr<Querier> head_;
  std::unique_ptr<Querier> store_;
};

}  // namespace promlite::tsdb
