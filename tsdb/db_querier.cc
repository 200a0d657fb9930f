#include "tsdb/db_querier.h"

#include <algorithm>
#include <limits>

#include "tsdb/db.h"

namespace promlite::tsdb {

// --- ChainIterator ---

bool ChainIterator::enter_second(model::Timestamp t, bool any) {
  in_first_ = false;
  if (!first_->status()) return false;
  if (have_last_) {
    if (last_ == std::numeric_limits<model::Timestamp>::max()) return false;
    t = any ? last_ + 1 : std::max(t, last_ + 1);
    return second_->seek(t);
  }
  return any ? second_->next() : second_->seek(t);
}

bool ChainIterator::next() {
  if (in_first_) {
    if (first_->next()) {
      last_ = first_->at().t;
      have_last_ = true;
      return true;
    }
    return enter_second(0, true);
  }
  return second_->next();
}

bool ChainIterator::seek(model::Timestamp t) {
  if (in_first_) {
    if (first_->seek(t)) {
      last_ = first_->at().t;
      have_last_ = true;
      return true;
    }
    return enter_second(t, false);
  }
  return second_->seek(t);
}

size_t ChainIterator::next_batch(model::Timestamp* ts, double* vs, size_t max) {
  if (max == 0) return 0;
  if (in_first_) {
    size_t n = first_->next_batch(ts, vs, max);
    if (n > 0) {
      last_ = ts[n - 1];
      have_last_ = true;
      return n;
    }
    if (!enter_second(0, true)) return 0;
    model::Sample s = second_->at();
    ts[0] = s.t;
    vs[0] = s.v;
    return 1 + second_->next_batch(ts + 1, vs + 1, max - 1);
  }
  return second_->next_batch(ts, vs, max);
}

Status ChainIterator::status() const {
  if (Status s = first_->status(); !s) return s;
  return second_->status();
}

namespace {

// A series present in one or both sides; valid until the set's next().
class MergedSeries final : public Series {
 public:
  const Series* store = nullptr;
  const Series* head = nullptr;

  const model::Labels& labels() const override {
    return head != nullptr ? head->labels() : store->labels();
  }
  std::unique_ptr<SampleIterator> iterator(std::unique_ptr<SampleIterator> reuse) const override {
    if (store == nullptr) return head->iterator(std::move(reuse));
    if (head == nullptr) return store->iterator(std::move(reuse));
    return std::make_unique<ChainIterator>(store->iterator(nullptr), head->iterator(nullptr));
  }
};

class MergeSeriesSet final : public SeriesSet {
 public:
  // `store` has already been advanced once, successfully (see DbQuerier::select).
  MergeSeriesSet(std::unique_ptr<SeriesSet> store, std::unique_ptr<SeriesSet> head)
      : store_(std::move(store)), head_(std::move(head)), has_store_(true), advance_store_(false) {}

  bool next() override {
    if (advance_store_) has_store_ = store_->next();
    if (advance_head_) has_head_ = head_->next();
    if (!has_store_ && !has_head_) return false;
    int c = !has_store_  ? 1
            : !has_head_ ? -1
                         : model::Labels::compare(store_->at().labels(), head_->at().labels());
    cur_.store = c <= 0 ? &store_->at() : nullptr;
    cur_.head = c >= 0 ? &head_->at() : nullptr;
    advance_store_ = c <= 0;
    advance_head_ = c >= 0;
    return true;
  }
  const Series& at() const override { return cur_; }
  Status status() const override {
    if (Status s = store_->status(); !s) return s;
    return head_->status();
  }
  std::vector<std::string> warnings() const override {
    std::vector<std::string> w = store_->warnings();
    for (auto& x : head_->warnings()) w.push_back(std::move(x));
    return w;
  }

 private:
  std::unique_ptr<SeriesSet> store_;
  std::unique_ptr<SeriesSet> head_;
  bool has_store_;
  bool has_head_ = false;
  bool advance_store_;
  bool advance_head_ = true;
  MergedSeries cur_;
};

Result<std::vector<std::string>> merge_sorted(Result<std::vector<std::string>> a,
                                              Result<std::vector<std::string>> b, size_t limit) {
  if (!a) return a.status();
  if (!b) return b.status();
  std::vector<std::string> out;
  out.reserve(a->size() + b->size());
  std::set_union(a->begin(), a->end(), b->begin(), b->end(), std::back_inserter(out));
  if (limit > 0 && out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace

// --- HeadHolds ---

bool HeadHolds::holds_from(uint64_t id, model::Timestamp mint) const {
  head::SeriesPtr s = head_->series_by_id(id);
  if (!s) return false;
  std::lock_guard<head::SpinLock> lock(s->lock);
  // Created since the start with all its chunks still here: the store's copy
  // of this id is a subset.
  if (s->holds_all()) return true;
  const model::Timestamp from = s->kept_min_t();
  return from > recovered_until_ && from <= mint;
}

// --- DbQuerier ---

DbQuerier::DbQuerier(DB* db, uint64_t epoch, std::unique_ptr<Querier> head,
                     std::unique_ptr<Querier> store)
    : db_(db), epoch_(epoch), head_(std::move(head)), store_(std::move(store)) {}

DbQuerier::~DbQuerier() {
  // Sets hold iterators into both queriers: drop them before unpinning.
  store_.reset();
  head_.reset();
  db_->unpin_epoch(epoch_);
}

std::unique_ptr<SeriesSet> DbQuerier::select(bool sorted, const SelectHints* hints,
                                             const model::Matchers& matchers) {
  if (!store_) return head_->select(sorted, hints, matchers);
  // The store's answer first: when it has nothing in range (recent data only
  // in the head), the head answers alone and sorts only if asked to.
  std::unique_ptr<SeriesSet> stored = store_->select(true, hints, matchers);
  if (!stored->next()) {
    if (!stored->status()) return stored;
    return head_->select(sorted, hints, matchers);
  }
  // Both sides sorted so one pass pairs equal label sets.
  return std::make_unique<MergeSeriesSet>(std::move(stored), head_->select(true, hints, matchers));
}

Result<std::vector<std::string>> DbQuerier::label_names(const model::Matchers& matchers,
                                                        const LabelHints& hints) {
  if (!store_) return head_->label_names(matchers, hints);
  return merge_sorted(store_->label_names(matchers, hints), head_->label_names(matchers, hints),
                      hints.limit);
}

Result<std::vector<std::string>> DbQuerier::label_values(const std::string& name,
                                                         const model::Matchers& matchers,
                                                         const LabelHints& hints) {
  if (!store_) return head_->label_values(name, matchers, hints);
  return merge_sorted(store_->label_values(name, matchers, hints),
                      head_->label_values(name, matchers, hints), hints.limit);
}

}  // namespace promlite::tsdb
