#include "tsdb/index/postings.h"

#include <algorithm>
#include <queue>
#include <utility>

namespace promlite::tsdb::index {

namespace {

// First index in [from, ids.size()) whose id is >= v: gallops from `from`, then
// binary-searches the bracket, so short forward skips stay cheap.
size_t gallop(std::span<const SeriesId> ids, size_t from, SeriesId v) {
  size_t n = ids.size();
  // Dense lists move a few places per seek: try a short linear scan first.
  for (size_t end = std::min(n, from + 4); from < end; ++from) {
    if (ids[from] >= v) return from;
  }
  if (from >= n) return n;
  size_t lo = from - 1;  // ids[lo] < v
  size_t step = 1;
  size_t hi = from + step;
  while (hi < n && ids[hi] < v) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  if (hi > n) hi = n;
  auto it = std::lower_bound(ids.begin() + static_cast<ptrdiff_t>(lo + 1),
                             ids.begin() + static_cast<ptrdiff_t>(hi), v);
  return static_cast<size_t>(it - ids.begin());
}

class EmptyPostings final : public Postings {
 public:
  bool next() override { return false; }
  bool seek(SeriesId) override { return false; }
  SeriesId at() const override { return 0; }
};

class IntersectPostings final : public Postings {
 public:
  explicit IntersectPostings(std::vector<PostingsPtr> its) : its_(std::move(its)) {}

  bool next() override {
    if (done_) return false;
    if (!its_[0]->next()) return finish();
    return align(its_[0]->at());
  }

  bool seek(SeriesId v) override {
    if (done_) return false;
    if (started_ && cur_ >= v) return true;
    if (!its_[0]->seek(v)) return finish();
    return align(its_[0]->at());
  }

  SeriesId at() const override { return cur_; }

 private:
  // Seeks every input to `target` until all agree on one id.
  bool align(SeriesId target) {
    started_ = true;
    for (;;) {
      bool agreed = true;
      for (auto& it : its_) {
        if (!it->seek(target)) return finish();
        if (it->at() != target) {
          target = it->at();
          agreed = false;
          break;
        }
      }
      if (agreed) {
        cur_ = target;
        return true;
      }
    }
  }

  bool finish() {
    done_ = true;
    return false;
  }

  std::vector<PostingsPtr> its_;
  SeriesId cur_ = 0;
  bool started_ = false;
  bool done_ = false;
};

// Union through a min-heap of the inputs' current ids.
class MergePostings final : public Postings {
 public:
  explicit MergePostings(std::vector<PostingsPtr> its) : its_(std::move(its)) {}

  bool next() override {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < its_.size(); ++i) {
        if (its_[i]->next()) heap_.push({its_[i]->at(), i});
      }
      return pop();
    }
    return advance_past(cur_);
  }

  bool seek(SeriesId v) override {
    if (started_ && valid_ && cur_ >= v) return true;
    if (started_ && !valid_) return false;
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < its_.size(); ++i) {
        if (its_[i]->seek(v)) heap_.push({its_[i]->at(), i});
      }
      return pop();
    }
    // Re-seek every input still below v.
    while (!heap_.empty() && heap_.top().first < v) {
      size_t i = heap_.top().second;
      heap_.pop();
      if (its_[i]->seek(v)) heap_.push({its_[i]->at(), i});
    }
    return pop();
  }

  SeriesId at() const override { return cur_; }

 private:
  using Entry = std::pair<SeriesId, size_t>;

  // Moves every input positioned at `v` forward, then takes the new minimum.
  bool advance_past(SeriesId v) {
    while (!heap_.empty() && heap_.top().first <= v) {
      size_t i = heap_.top().second;
      heap_.pop();
      if (its_[i]->next()) heap_.push({its_[i]->at(), i});
    }
    return pop();
  }

  // Reads the minimum without consuming the inputs behind it.
  bool pop() {
    if (heap_.empty()) {
      valid_ = false;
      return false;
    }
    cur_ = heap_.top().first;
    valid_ = true;
    return true;
  }

  std::vector<PostingsPtr> its_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
  SeriesId cur_ = 0;
  bool started_ = false;
  bool valid_ = false;
};

class WithoutPostings final : public Postings {
 public:
  WithoutPostings(PostingsPtr full, PostingsPtr drop)
      : full_(std::move(full)), drop_(std::move(drop)) {}

  bool next() override {
    if (!full_->next()) return false;
    return skip_dropped();
  }

  bool seek(SeriesId v) override {
    if (!full_->seek(v)) return false;
    return skip_dropped();
  }

  SeriesId at() const override { return full_->at(); }

 private:
  bool skip_dropped() {
    for (;;) {
      SeriesId id = full_->at();
      if (!drop_done_) {
        if (!drop_->seek(id)) {
          drop_done_ = true;
        } else if (drop_->at() == id) {
          if (!full_->next()) return false;
          continue;
        }
      }
      return true;
    }
  }

  PostingsPtr full_;
  PostingsPtr drop_;
  bool drop_done_ = false;
};

}  // namespace

bool ListPostings::next() {
  if (!started_) {
    started_ = true;
    pos_ = 0;
  } else if (pos_ < ids_.size()) {
    ++pos_;
  }
  return pos_ < ids_.size();
}

bool ListPostings::seek(SeriesId v) {
  if (!started_) {
    started_ = true;
    pos_ = 0;
  }
  pos_ = gallop(ids_, pos_, v);
  return pos_ < ids_.size();
}

PostingsPtr empty_postings() { return std::make_unique<EmptyPostings>(); }

PostingsPtr intersect(std::vector<PostingsPtr> its) {
  if (its.empty()) return empty_postings();
  if (its.size() == 1) return std::move(its[0]);
  return std::make_unique<IntersectPostings>(std::move(its));
}

PostingsPtr merge(std::vector<PostingsPtr> its) {
  if (its.empty()) return empty_postings();
  if (its.size() == 1) return std::move(its[0]);
  return std::make_unique<MergePostings>(std::move(its));
}

PostingsPtr without(PostingsPtr full, PostingsPtr drop) {
  return std::make_unique<WithoutPostings>(std::move(full), std::move(drop));
}

std::vector<SeriesId> expand(Postings& p) {
  std::vector<SeriesId> out;
  while (p.next()) out.push_back(p.at());
  return out;
}

std::vector<SeriesId> intersect_sorted(std::span<const SeriesId> a, std::span<const SeriesId> b) {
  if (a.size() > b.size()) std::swap(a, b);
  std::vector<SeriesId> out;
  out.reserve(a.size());
  if (b.size() < 16 * a.size()) {
    // Similar sizes: a plain merge walk beats galloping.
    size_t i = 0, k = 0;
    while (i < a.size() && k < b.size()) {
      if (a[i] < b[k]) {
        ++i;
      } else if (b[k] < a[i]) {
        ++k;
      } else {
        out.push_back(a[i]);
        ++i;
        ++k;
      }
    }
    return out;
  }
  size_t j = 0;
  for (SeriesId v : a) {
    j = gallop(b, j, v);
    if (j == b.size()) break;
    if (b[j] == v) out.push_back(v);
  }
  return out;
}

}  // namespace promlite::tsdb::index
