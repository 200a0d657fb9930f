#include "tests/testutil/memory_storage.h"

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

namespace promlite::testutil {

using model::Labels;
using model::Sample;
using model::Timestamp;

namespace {

bool same_bits(double a, double b) { return model::float_bits(a) == model::float_bits(b); }

Status validate_labels(const Labels& labels) {
  if (labels.empty()) return invalid_argument("empty label set");
  for (const model::Label& l : labels) {
    if (l.name.empty()) return invalid_argument("empty label name in " + labels.to_string());
  }
  return Status::ok();
}

bool matches_all(const Labels& labels, const model::Matchers& matchers) {
  for (const model::Matcher& m : matchers) {
    if (!m.matches(labels.get(m.name()))) return false;
  }
  return true;
}

// Index range [lo, hi) of the samples inside [mint, maxt].
std::pair<size_t, size_t> bounds_of(const std::vector<Sample>& s, Timestamp mint, Timestamp maxt) {
  auto lo = std::lower_bound(s.begin(), s.end(), mint,
                             [](const Sample& a, Timestamp t) { return a.t < t; });
  auto hi = std::upper_bound(s.begin(), s.end(), maxt,
                             [](Timestamp t, const Sample& a) { return t < a.t; });
  if (hi < lo) hi = lo;
  return {static_cast<size_t>(lo - s.begin()), static_cast<size_t>(hi - s.begin())};
}

// Inserts `smp` into the sorted vector. Returns false (and leaves `v` alone)
// when a sample with that timestamp exists already.
bool insert_sorted(std::vector<Sample>* v, Sample smp, bool* identical) {
  auto it = std::lower_bound(v->begin(), v->end(), smp.t,
                             [](const Sample& a, Timestamp t) { return a.t < t; });
  if (it != v->end() && it->t == smp.t) {
    *identical = same_bits(it->v, smp.v);
    return false;
  }
  v->insert(it, smp);
  return true;
}

class VectorIterator : public tsdb::SampleIterator {
 public:
  VectorIterator(std::shared_ptr<const MemoryStorage::SeriesData> data, size_t lo, size_t hi)
      : data_(std::move(data)), lo_(lo), hi_(hi), pos_(lo), started_(false) {}

  bool next() override {
    if (!started_) {
      started_ = true;
      pos_ = lo_;
    } else if (pos_ < hi_) {
      ++pos_;
    }
    return pos_ < hi_;
  }

  bool seek(Timestamp t) override {
    if (!started_) {
      started_ = true;
      pos_ = lo_;
    }
    if (pos_ >= hi_) return false;
    const auto& s = data_->samples;
    if (s[pos_].t >= t) return true;
    auto it = std::lower_bound(s.begin() + static_cast<ptrdiff_t>(pos_),
                               s.begin() + static_cast<ptrdiff_t>(hi_), t,
                               [](const Sample& a, Timestamp ts) { return a.t < ts; });
    pos_ = static_cast<size_t>(it - s.begin());
    return pos_ < hi_;
  }

  Sample at() const override { return data_->samples[pos_]; }

 private:
  std::shared_ptr<const MemoryStorage::SeriesData> data_;
  size_t lo_, hi_, pos_;
  bool started_;
};

class MemSeries : public tsdb::Series {
 public:
  MemSeries(std::shared_ptr<const MemoryStorage::SeriesData> data, size_t lo, size_t hi)
      : data_(std::move(data)), lo_(lo), hi_(hi) {}
  const Labels& labels() const override { return data_->labels; }
  std::unique_ptr<tsdb::SampleIterator> iterator(
      std::unique_ptr<tsdb::SampleIterator> /*reuse*/) const override {
    return std::make_unique<VectorIterator>(data_, lo_, hi_);
  }

 private:
  std::shared_ptr<const MemoryStorage::SeriesData> data_;
  size_t lo_, hi_;
};

class MemSeriesSet : public tsdb::SeriesSet {
 public:
  explicit MemSeriesSet(std::vector<MemSeries> series) : series_(std::move(series)) {}
  bool next() override {
    if (next_ >= series_.size()) return false;
    cur_ = next_++;
    return true;
  }
  const tsdb::Series& at() const override { return series_[cur_]; }

 private:
  std::vector<MemSeries> series_;
  size_t next_ = 0;
  size_t cur_ = 0;
};

class MemQuerier : public tsdb::Querier {
 public:
  MemQuerier(std::shared_ptr<const MemoryStorage::SeriesMap> data, Timestamp mint, Timestamp maxt)
      : data_(std::move(data)), mint_(mint), maxt_(maxt) {}

  std::unique_ptr<tsdb::SeriesSet> select(bool /*sorted*/, const tsdb::SelectHints* /*hints*/,
                                          const model::Matchers& matchers) override {
    std::vector<MemSeries> out;
    for_each_match(matchers, [&](const std::shared_ptr<const MemoryStorage::SeriesData>& s,
                                 size_t lo, size_t hi) { out.emplace_back(s, lo, hi); });
    return std::make_unique<MemSeriesSet>(std::move(out));
  }

  Result<std::vector<std::string>> label_names(const model::Matchers& matchers,
                                               const tsdb::LabelHints& hints) override {
    std::set<std::string> names;
    for_each_match(matchers,
                   [&](const std::shared_ptr<const MemoryStorage::SeriesData>& s, size_t, size_t) {
                     for (const model::Label& l : s->labels) names.emplace(l.name);
                   });
    return limited(names, hints.limit);
  }

  Result<std::vector<std::string>> label_values(const std::string& name,
                                                const model::Matchers& matchers,
                                                const tsdb::LabelHints& hints) override {
    std::set<std::string> values;
    for_each_match(matchers,
                   [&](const std::shared_ptr<const MemoryStorage::SeriesData>& s, size_t, size_t) {
                     std::string_view v = s->labels.get(name);
                     if (!v.empty()) values.emplace(v);
                   });
    return limited(values, hints.limit);
  }

 private:
  template <typename Fn>
  void for_each_match(const model::Matchers& matchers, Fn&& fn) const {
    if (mint_ > maxt_) return;
    for (const auto& [labels, series] : *data_) {
      if (!matches_all(labels, matchers)) continue;
      auto [lo, hi] = bounds_of(series->samples, mint_, maxt_);
      if (lo == hi) continue;
      fn(series, lo, hi);
    }
  }

  static std::vector<std::string> limited(const std::set<std::string>& s, size_t limit) {
    std::vector<std::string> out(s.begin(), s.end());
    if (limit > 0 && out.size() > limit) out.resize(limit);
    return out;
  }

  std::shared_ptr<const MemoryStorage::SeriesMap> data_;
  Timestamp mint_, maxt_;
};

}  // namespace

class MemoryStorage::MemAppender : public tsdb::Appender {
 public:
  MemAppender(MemoryStorage* storage, tsdb::AppendOptions opts) : storage_(storage), opts_(opts) {}
  ~MemAppender() override = default;  // uncommitted batch is simply dropped

  Result<tsdb::SeriesRef> append(tsdb::SeriesRef ref, const Labels& labels, Timestamp t,
                                 double v) override {
    if (spent_) return internal_error("append on an appender after commit/rollback");
    std::optional<Labels> resolved;
    if (ref != 0) resolved = storage_->labels_for_ref(ref);
    Labels lset = resolved ? std::move(*resolved) : labels;
    if (!resolved) {
      if (Status s = validate_labels(lset); !s) return s;
    }

    std::vector<Sample>& pending = pending_[lset];
    Sample smp{t, v};
    if (opts_.allow_out_of_order) {
      // Any existing sample at t, committed or pending, decides.
      auto snap = storage_->snapshot();
      auto it = snap->find(lset);
      if (it != snap->end()) {
        const auto& c = it->second->samples;
        auto p = std::lower_bound(c.begin(), c.end(), t,
                                  [](const Sample& a, Timestamp ts) { return a.t < ts; });
        if (p != c.end() && p->t == t) {
          if (same_bits(p->v, v)) return storage_->ref_for(lset);
          return duplicate(lset, t);
        }
      }
      bool identical = false;
      if (!insert_sorted(&pending, smp, &identical)) {
        if (identical) return storage_->ref_for(lset);
        return duplicate(lset, t);
      }
      return storage_->ref_for(lset);
    }

    Sample last;
    bool have_last = false;
    if (!pending.empty()) {
      last = pending.back();
      have_last = true;
    } else {
      have_last = storage_->last_committed(lset, &last);
    }
    if (have_last) {
      if (t < last.t) {
        return Status(StatusCode::kOutOfOrder,
                      "out of order sample for " + lset.to_string() + " at " + std::to_string(t));
      }
      if (t == last.t) {
        if (same_bits(last.v, v)) return storage_->ref_for(lset);
        return duplicate(lset, t);
      }
    }
    pending.push_back(smp);
    return storage_->ref_for(lset);
  }

  Status commit() override {
    if (spent_) return internal_error("commit on an appender after commit/rollback");
    spent_ = true;
    std::lock_guard<std::mutex> lock(storage_->mu_);
    auto next = std::make_shared<SeriesMap>(*storage_->data_);
    uint64_t dropped = 0;
    for (auto& [labels, samples] : pending_) {
      if (samples.empty()) continue;
      auto data = std::make_shared<SeriesData>();
      data->labels = labels;
      auto it = next->find(labels);
      if (it != next->end()) data->samples = it->second->samples;
      for (const Sample& s : samples) {
        // Conflicts here come only from another appender that committed first.
        if (!opts_.allow_out_of_order) {
          if (data->samples.empty() || s.t > data->samples.back().t) {
            data->samples.push_back(s);
          } else if (s.t != data->samples.back().t || !same_bits(s.v, data->samples.back().v)) {
            ++dropped;
          }
          continue;
        }
        bool identical = false;
        if (!insert_sorted(&data->samples, s, &identical) && !identical) ++dropped;
      }
      (*next)[labels] = std::move(data);
    }
    storage_->data_ = std::move(next);
    pending_.clear();
    storage_->dropped_at_commit_ += dropped;
    return Status::ok();
  }

  void rollback() override {
    spent_ = true;
    pending_.clear();
  }

 private:
  static Status duplicate(const Labels& labels, Timestamp t) {
    return Status(
        StatusCode::kDuplicateSample,
        "duplicate sample for timestamp " + std::to_string(t) + " in " + labels.to_string());
  }

  MemoryStorage* storage_;
  tsdb::AppendOptions opts_;
  bool spent_ = false;
  std::map<Labels, std::vector<Sample>> pending_;
};

MemoryStorage::MemoryStorage() : data_(std::make_shared<SeriesMap>()) {}
MemoryStorage::~MemoryStorage() = default;

std::unique_ptr<tsdb::Appender> MemoryStorage::appender(const tsdb::AppendOptions& opts) {
  return std::make_unique<MemAppender>(this, opts);
}

Result<std::unique_ptr<tsdb::Querier>> MemoryStorage::querier(Timestamp mint, Timestamp maxt) {
  return std::unique_ptr<tsdb::Querier>(std::make_unique<MemQuerier>(snapshot(), mint, maxt));
}

void MemoryStorage::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  data_ = std::make_shared<SeriesMap>();
  ref_labels_.clear();
  label_refs_.clear();
}

std::shared_ptr<const MemoryStorage::SeriesMap> MemoryStorage::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return data_;
}

size_t MemoryStorage::num_series() const { return snapshot()->size(); }

size_t MemoryStorage::num_samples() const {
  size_t n = 0;
  for (const auto& [labels, s] : *snapshot()) n += s->samples.size();
  return n;
}

std::string MemoryStorage::debug_string() const {
  std::ostringstream out;
  for (const auto& [labels, s] : *snapshot()) {
    out << labels.to_string() << " =>";
    for (const Sample& smp : s->samples) {
      out << ' ' << smp.t << ':' << (model::is_stale_nan(smp.v) ? "stale" : "");
      if (!model::is_stale_nan(smp.v)) out << smp.v;
    }
    out << '\n';
  }
  return out.str();
}

bool MemoryStorage::last_committed(const Labels& labels, Sample* last) const {
  auto snap = snapshot();
  auto it = snap->find(labels);
  if (it == snap->end() || it->second->samples.empty()) return false;
  *last = it->second->samples.back();
  return true;
}

std::optional<Labels> MemoryStorage::labels_for_ref(tsdb::SeriesRef ref) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ref_labels_.find(ref);
  if (it == ref_labels_.end()) return std::nullopt;
  return it->second;
}

tsdb::SeriesRef MemoryStorage::ref_for(const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = label_refs_.try_emplace(labels, next_ref_);
  if (inserted) {
    ref_labels_.emplace(next_ref_, labels);
    ++next_ref_;
  }
  return it->second;
}

}  // namespace promlite::testutil
