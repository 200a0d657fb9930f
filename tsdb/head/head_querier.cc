#include "tsdb/head/head_querier.h"

#include <algorithm>
#include <mutex>
#include <set>

#include "tsdb/head/head_iterator.h"

namespace promlite::tsdb::head {

namespace {

class HeadSeries final : public Series {
 public:
  HeadSeries(const HeadQuerier::Selected* sel, model::Timestamp mint) : sel_(sel), mint_(mint) {}
  void reset(const HeadQuerier::Selected* sel) { sel_ = sel; }

  const model::Labels& labels() const override { return sel_->series->labels(); }

  std::unique_ptr<SampleIterator> iterator(std::unique_ptr<SampleIterator> reuse) const override {
    std::unique_ptr<HeadIterator> it;
    if (auto* h = dynamic_cast<HeadIterator*>(reuse.get()); h != nullptr) {
      reuse.release();
      it.reset(h);
    } else {
      it = std::make_unique<HeadIterator>();
    }
    it->capture(*sel_->series, mint_, sel_->maxt);
    return it;
  }

 private:
  const HeadQuerier::Selected* sel_;
  model::Timestamp mint_;
};

class HeadSeriesSet final : public SeriesSet {
 public:
  HeadSeriesSet(std::vector<HeadQuerier::Selected> series, model::Timestamp mint)
      : series_(std::move(series)), cur_(nullptr, mint) {}

  bool next() override {
    if (next_ >= series_.size()) return false;
    cur_.reset(&series_[next_++]);
    return true;
  }
  const Series& at() const override { return cur_; }

 private:
  std::vector<HeadQuerier::Selected> series_;
  size_t next_ = 0;
  HeadSeries cur_;
};

// Labels::compare over encoded buffers (Labels::data()).
bool encoded_less(std::string_view a, std::string_view b) {
  model::Labels::Iterator ia(a.data(), a.data() + a.size()),
      ea(a.data() + a.size(), a.data() + a.size());
  model::Labels::Iterator ib(b.data(), b.data() + b.size()),
      eb(b.data() + b.size(), b.data() + b.size());
  for (; ia != ea && ib != eb; ++ia, ++ib) {
    model::Label la = *ia, lb = *ib;
    if (int c = la.name.compare(lb.name)) return c < 0;
    if (int c = la.value.compare(lb.value)) return c < 0;
  }
  return ia == ea && ib != eb;
}

// Sorts in Labels::compare order. The comparisons run on views of the label
// buffers collected up front, so each one touches two buffers instead of
// chasing series -> labels -> buffer pointers (the sort is memory-bound).
void sort_by_labels(std::vector<HeadQuerier::Selected>& series) {
  struct Key {
    std::string_view labels;
    uint32_t index;
  };
  std::vector<Key> keys;
  keys.reserve(series.size());
  for (size_t i = 0; i < series.size(); ++i) {
    keys.push_back({series[i].series->labels().data(), static_cast<uint32_t>(i)});
  }
  std::sort(keys.begin(), keys.end(),
            [](const Key& a, const Key& b) { return encoded_less(a.labels, b.labels); });
  std::vector<HeadQuerier::Selected> out;
  out.reserve(series.size());
  for (const Key& k : keys) out.push_back(std::move(series[k.index]));
  series = std::move(out);
}

std::vector<std::string> limited(std::vector<std::string> v, size_t limit) {
  if (limit > 0 && v.size() > limit) v.resize(limit);
  return v;
}

}  // namespace

std::vector<HeadQuerier::Selected> HeadQuerier::matching(const model::Matchers& matchers) const {
  std::vector<Selected> out;
  if (mint_ > maxt_) return out;
  std::vector<index::SeriesId> ids = head_->postings().select(matchers);
  out.reserve(ids.size());
  for (index::SeriesId id : ids) {
    SeriesPtr s = head_->series_by_id(id);
    if (!s) continue;  // dropped by gc() meanwhile
    model::Timestamp last;
    {
      std::lock_guard<SpinLock> lock(s->lock);
      if (!s->has_sample_in(mint_, maxt_)) continue;
      last = std::min(s->last_t(), maxt_);
    }
    out.push_back({std::move(s), last});
  }
  return out;
}

bool HeadQuerier::any_in_bounds(std::span<const index::SeriesId> ids) const {
  for (index::SeriesId id : ids) {
    SeriesPtr s = head_->series_by_id(id);
    if (!s) continue;
    std::lock_guard<SpinLock> lock(s->lock);
    if (s->has_sample_in(mint_, maxt_)) return true;
  }
  return false;
}

std::unique_ptr<SeriesSet> HeadQuerier::select(bool sorted, const SelectHints* /*hints*/,
                                               const model::Matchers& matchers) {
  std::vector<Selected> series = matching(matchers);
  if (sorted) sort_by_labels(series);
  return std::make_unique<HeadSeriesSet>(std::move(series), mint_);
}

Result<std::vector<std::string>> HeadQuerier::label_names(const model::Matchers& matchers,
                                                          const LabelHints& hints) {
  std::vector<std::string> out;
  if (mint_ > maxt_) return out;
  if (matchers.empty()) {
    // From the index: a name counts when one of its series is in bounds.
    for (const std::string& name : head_->postings().label_names()) {
      bool found = false;
      head_->postings().for_each_value(name, [&](std::string_view, auto ids) {
        found = any_in_bounds(ids);
        return !found;
      });
      if (found) out.push_back(name);
      if (hints.limit > 0 && out.size() >= hints.limit) break;
    }
    return out;
  }
  std::set<std::string, std::less<>> names;
  for (const Selected& s : matching(matchers)) {
    for (const model::Label& l : s.series->labels()) {
      if (names.find(l.name) == names.end()) names.emplace(l.name);
    }
  }
  return limited({names.begin(), names.end()}, hints.limit);
}

Result<std::vector<std::string>> HeadQuerier::label_values(const std::string& name,
                                                           const model::Matchers& matchers,
                                                           const LabelHints& hints) {
  std::vector<std::string> out;
  if (mint_ > maxt_) return out;
  if (matchers.empty()) {
    head_->postings().for_each_value(name, [&](std::string_view v, auto ids) {
      if (any_in_bounds(ids)) out.emplace_back(v);
      return true;
    });
    std::sort(out.begin(), out.end());
    return limited(std::move(out), hints.limit);
  }
  std::set<std::string, std::less<>> values;
  for (const Selected& s : matching(matchers)) {
    std::string_view v = s.series->labels().get(name);
    if (!v.empty() && values.find(v) == values.end()) values.emplace(v);
  }
  return limited({values.begin(), values.end()}, hints.limit);
}

}  // namespace promlite::tsdb::head
