#include "tsdb/tombstone_querier.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace promlite::tsdb {

// --- DeletedFilterIterator ---

bool DeletedFilterIterator::skip_deleted() {
  for (;;) {
    const Interval* d = deleted_->find(inner_->at().t);
    if (d == nullptr) return true;
    if (d->maxt == model::kMaxTime) return false;
    if (!inner_->seek(d->maxt + 1)) return false;
  }
}

bool DeletedFilterIterator::next() {
  use_last_ = false;
  return inner_->next() && skip_deleted();
}

bool DeletedFilterIterator::seek(model::Timestamp t) {
  if (use_last_) {
    if (last_.t >= t) return true;  // never moves backwards
    use_last_ = false;
  }
  return inner_->seek(t) && skip_deleted();
}

size_t DeletedFilterIterator::next_batch(model::Timestamp* ts, double* vs, size_t max) {
  size_t n = inner_->next_batch(ts, vs, max);
  if (n == 0) return 0;
  size_t kept = 0;
  for (size_t i = 0; i < n; ++i) {
    if (deleted_->contains(ts[i])) continue;
    ts[kept] = ts[i];
    vs[kept] = vs[i];
    ++kept;
  }
  if (kept == 0) {
    // The whole batch was deleted: jump past the range holding its end (the
    // inner at() may be invalid if the batch ended the inner iterator).
    use_last_ = false;
    const Interval* d = deleted_->find(ts[n - 1]);
    if (d->maxt == model::kMaxTime || !inner_->seek(d->maxt + 1) || !skip_deleted()) return 0;
    model::Sample s = inner_->at();
    ts[0] = s.t;
    vs[0] = s.v;
    size_t more = max == 1 ? 0 : next_batch(ts + 1, vs + 1, max - 1);
    if (more == 0) {
      use_last_ = true;  // the inner iterator may have moved past s
      last_ = s;
    }
    return 1 + more;
  }
  // at() must give the last sample returned; the inner one may be a deleted
  // sample after it, or invalid when the batch ended the inner iterator.
  use_last_ = true;
  last_ = {ts[kept - 1], vs[kept - 1]};
  return kept;
}

namespace {

bool matches_all(const model::Matchers& matchers, const model::Labels& labels) {
  for (const model::Matcher& m : matchers) {
    if (!m.matches(labels.get(m.name()))) return false;
  }
  return true;
}

std::vector<std::string> limited(std::vector<std::string> v, size_t limit) {
  if (limit > 0 && v.size() > limit) v.resize(limit);
  return v;
}

class FilteredSeries final : public Series {
 public:
  void reset(const Series* inner, const Intervals* deleted) {
    inner_ = inner;
    deleted_ = deleted;
  }
  const model::Labels& labels() const override { return inner_->labels(); }
  std::unique_ptr<SampleIterator> iterator(std::unique_ptr<SampleIterator> reuse) const override {
    std::unique_ptr<SampleIterator> inner_reuse;
    if (auto* f = dynamic_cast<DeletedFilterIterator*>(reuse.get()); f != nullptr) {
      inner_reuse = f->release();
    }
    return std::make_unique<DeletedFilterIterator>(inner_->iterator(std::move(inner_reuse)),
                                                   deleted_);
  }

 private:
  const Series* inner_ = nullptr;
  const Intervals* deleted_ = nullptr;
};

class FilteredSeriesSet final : public SeriesSet {
 public:
  FilteredSeriesSet(std::unique_ptr<SeriesSet> inner, const TombstoneSet* ts, model::Timestamp mint,
                    model::Timestamp maxt)
      : inner_(std::move(inner)), ts_(ts), mint_(mint), maxt_(maxt) {}

  bool next() override {
    while (inner_->next()) {
      const Series& s = inner_->at();
      const Intervals* d = ts_->find(s.labels());
      if (d == nullptr || !d->overlaps(mint_, maxt_)) {
        cur_ = &s;
        return true;
      }
      if (d->covers(mint_, maxt_)) continue;
      // Partly deleted: returned only when a sample is left in range (an
      // iterator error is left for the reader to see).
      DeletedFilterIterator probe(s.iterator(nullptr), d);
      if (!probe.next() && probe.status()) continue;
      filtered_.reset(&s, d);
      cur_ = &filtered_;
      return true;
    }
    return false;
  }
  const Series& at() const override { return *cur_; }
  Status status() const override { return inner_->status(); }
  std::vector<std::string> warnings() const override { return inner_->warnings(); }

 private:
  std::unique_ptr<SeriesSet> inner_;
  const TombstoneSet* ts_;
  model::Timestamp mint_, maxt_;
  const Series* cur_ = nullptr;
  FilteredSeries filtered_;
};

class TombstoneQuerier final : public Querier {
 public:
  TombstoneQuerier(std::unique_ptr<Querier> inner, std::shared_ptr<const TombstoneSet> ts,
                   model::Timestamp mint, model::Timestamp maxt)
      : inner_(std::move(inner)), ts_(std::move(ts)), mint_(mint), maxt_(maxt) {}

  std::unique_ptr<SeriesSet> select(bool sorted, const SelectHints* hints,
                                    const model::Matchers& matchers) override {
    // When no tombstone can apply (other series, other times) the inner set is
    // returned as is: reads of untouched series pay nothing per series.
    bool relevant = false;
    for (const Tombstone& t : ts_->entries()) {
      if (t.intervals.overlaps(mint_, maxt_) && matches_all(matchers, t.labels)) {
        relevant = true;
        break;
      }
    }
    auto inner = inner_->select(sorted, hints, matchers);
    if (!relevant) return inner;
    return std::make_unique<FilteredSeriesSet>(std::move(inner), ts_.get(), mint_, maxt_);
  }

  Result<std::vector<std::string>> label_names(const model::Matchers& matchers,
                                               const LabelHints& hints) override {
    auto base = inner_->label_names(matchers, {});
    if (!base) return base.status();
    std::set<std::string> suspects;
    for (const Tombstone& t : ts_->entries()) {
      if (!t.intervals.overlaps(mint_, maxt_) || !matches_all(matchers, t.labels)) continue;
      for (const model::Label& l : t.labels) {
        if (std::binary_search(base->begin(), base->end(), l.name)) suspects.emplace(l.name);
      }
    }
    for (const std::string& name : suspects) {
      auto any = model::Matcher::make(model::MatchType::kRegex, name, ".+");
      if (!any) return any.status();
      auto alive = has_series(matchers, std::move(any).value());
      if (!alive) return alive.status();
      if (!*alive) base->erase(std::lower_bound(base->begin(), base->end(), name));
    }
    return limited(std::move(base).value(), hints.limit);
  }

  Result<std::vector<std::string>> label_values(const std::string& name,
                                                const model::Matchers& matchers,
                                                const LabelHints& hints) override {
    auto base = inner_->label_values(name, matchers, {});
    if (!base) return base.status();
    std::set<std::string> suspects;
    for (const Tombstone& t : ts_->entries()) {
      if (!t.intervals.overlaps(mint_, maxt_) || !matches_all(matchers, t.labels)) continue;
      std::string_view v = t.labels.get(name);
      if (v.empty()) continue;
      std::string value(v);
      if (std::binary_search(base->begin(), base->end(), value)) suspects.insert(std::move(value));
    }
    for (const std::string& value : suspects) {
      auto eq = model::Matcher::make(model::MatchType::kEqual, name, value);
      if (!eq) return eq.status();
      auto alive = has_series(matchers, std::move(eq).value());
      if (!alive) return alive.status();
      if (!*alive) base->erase(std::lower_bound(base->begin(), base->end(), value));
    }
    return limited(std::move(base).value(), hints.limit);
  }

 private:
  // Whether a series matching `matchers` and `extra` keeps a sample in range.
  Result<bool> has_series(const model::Matchers& matchers, model::Matcher extra) {
    model::Matchers all = matchers;
    all.push_back(std::move(extra));
    auto set = select(false, nullptr, all);
    if (set->next()) return true;
    if (Status s = set->status(); !s) return s;
    return false;
  }

  std::unique_ptr<Querier> inner_;
  std::shared_ptr<const TombstoneSet> ts_;
  model::Timestamp mint_, maxt_;
};

}  // namespace

std::unique_ptr<Querier> make_tombstone_querier(std::unique_ptr<Querier> inner,
                                                std::shared_ptr<const TombstoneSet> tombstones,
                                                model::Timestamp mint, model::Timestamp maxt) {
  return std::make_unique<TombstoneQuerier>(std::move(inner), std::move(tombstones), mint, maxt);
}

}  // namespace promlite::tsdb
