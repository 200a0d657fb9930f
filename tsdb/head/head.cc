#include "tsdb/head/head.h"

#include <bit>
#include <utility>

#include "tsdb/head/head_appender.h"
#include "tsdb/head/head_querier.h"

namespace promlite::tsdb::head {

Status validate_series_labels(const model::Labels& labels) {
  if (labels.empty()) return invalid_argument("empty label set");
  for (const model::Label& l : labels) {
    if (l.name.empty()) return invalid_argument("empty label name in " + labels.to_string());
  }
  return Status::ok();
}

Head::Head(HeadOptions opts) : opts_(opts), ids_(opts.stripes) {
  size_t n = std::bit_ceil(opts_.stripes < 1 ? size_t{1} : opts_.stripes);
  mask_ = n - 1;
  stripes_ = std::make_unique<Stripe[]>(n);
  if (opts_.chunks.max_samples < 1) opts_.chunks.max_samples = 1;
  if (opts_.chunks.chunk_range < 1) opts_.chunks.chunk_range = 1;
}

Head::~Head() = default;

std::unique_ptr<Appender> Head::appender(const AppendOptions& opts) {
  return std::make_unique<HeadAppender>(this, opts);
}

Result<std::unique_ptr<Querier>> Head::querier(model::Timestamp mint, model::Timestamp maxt) {
  return std::unique_ptr<Querier>(std::make_unique<HeadQuerier>(this, mint, maxt));
}

SeriesPtr Head::create_series(const model::Labels& labels, uint64_t hash) {
  uint64_t id = next_id_.fetch_add(1, std::memory_order_relaxed) + 1;
  SeriesPtr s(new MemSeries(id, labels));
  // A new id: the store has nothing under it (see reserve_ids_through).
  s->set_holds_all();
  stripe(hash).by_hash.emplace(hash, s.get());
  series_count_.fetch_add(1, std::memory_order_relaxed);
  series_created_.fetch_add(1, std::memory_order_relaxed);
  return s;
}

Result<SeriesPtr> Head::restore_series(uint64_t id, const model::Labels& labels) {
  if (id == 0) return invalid_argument("series id 0");
  if (SeriesPtr s = series_by_id(id)) return s;
  if (Status st = validate_series_labels(labels); !st) return st;
  uint64_t hash = labels.hash();
  SeriesPtr created;
  {
    Stripe& st = stripe(hash);
    std::lock_guard<std::mutex> lock(st.mu);
    auto [lo, hi] = st.by_hash.equal_range(hash);
    for (auto it = lo; it != hi; ++it) {
      if (it->second->labels() == labels) return SeriesPtr(it->second);
    }
    created = SeriesPtr(new MemSeries(id, labels));
    st.by_hash.emplace(hash, created.get());
  }
  created->logged.store(true, std::memory_order_relaxed);
  reserve_ids_through(id);
  series_count_.fetch_add(1, std::memory_order_relaxed);
  series_created_.fetch_add(1, std::memory_order_relaxed);
  ids_.insert(created);
  postings_.add(id, created->labels());
  return created;
}

void Head::reserve_ids_through(uint64_t id) {
  uint64_t next = next_id_.load(std::memory_order_relaxed);
  while (next < id && !next_id_.compare_exchange_weak(next, id, std::memory_order_relaxed)) {
  }
}

SeriesPtr Head::find_series(const model::Labels& labels) const {
  uint64_t hash = labels.hash();
  Stripe& st = stripe(hash);
  std::lock_guard<std::mutex> lock(st.mu);
  auto [lo, hi] = st.by_hash.equal_range(hash);
  for (auto it = lo; it != hi; ++it) {
    if (it->second->labels() == labels) return SeriesPtr(it->second);
  }
  return SeriesPtr();
}

SeriesPtr Head::series_by_id(uint64_t id) const { return ids_.get(id); }

size_t Head::gc(model::Timestamp before) {
  // Phase 1, per hash stripe: mark idle series deleted and unlink them from
  // by_hash. Phase 2: unlink them from the id table (their owner) and the
  // postings.
  std::vector<std::pair<uint64_t, MemSeries*>> dropped;
  for (size_t i = 0; i <= mask_; ++i) {
    Stripe& st = stripes_[i];
    std::lock_guard<std::mutex> lock(st.mu);
    for (auto it = st.by_hash.begin(); it != st.by_hash.end();) {
      MemSeries* s = it->second;
      bool drop = false;
      {
        std::lock_guard<SpinLock> series_lock(s->lock);
        if (s->pending == 0 && (!opts_.keep_unflushed || !s->in_memory()) &&
            (!s->has_samples() || s->last_t() < before)) {
          s->deleted = true;
          drop = true;
        }
      }
      if (drop) {
        dropped.emplace_back(s->id(), s);
        it = st.by_hash.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (dropped.empty()) return 0;

  // Keep the objects alive until the postings no longer name them.
  std::vector<SeriesPtr> owners;
  owners.reserve(dropped.size());
  for (const auto& [id, s] : dropped) {
    if (SeriesPtr owner = ids_.erase(id)) owners.push_back(std::move(owner));
  }
  std::vector<std::pair<index::SeriesId, const model::Labels*>> gone;
  gone.reserve(owners.size());
  for (const auto& s : owners) gone.emplace_back(s->id(), &s->labels());
  postings_.remove(gone);
  series_count_.fetch_sub(dropped.size(), std::memory_order_relaxed);
  series_removed_.fetch_add(dropped.size(), std::memory_order_relaxed);
  return dropped.size();
}

HeadStats Head::stats() const {
  HeadStats s;
  s.series = series_count_.load(std::memory_order_relaxed);
  s.series_created = series_created_.load(std::memory_order_relaxed);
  s.series_removed = series_removed_.load(std::memory_order_relaxed);
  s.samples_appended = samples_appended_.load(std::memory_order_relaxed);
  s.out_of_order = out_of_order_.load(std::memory_order_relaxed);
  s.duplicates = duplicates_.load(std::memory_order_relaxed);
  s.dropped_at_commit = dropped_at_commit_.load(std::memory_order_relaxed);
  return s;
}

size_t Head::memory_bytes() const {
  size_t n = postings_.memory_bytes() + (mask_ + 1) * sizeof(Stripe) + ids_.memory_bytes();
  for (size_t i = 0; i <= mask_; ++i) {
    Stripe& st = stripes_[i];
    std::lock_guard<std::mutex> lock(st.mu);
    // Hash nodes: ~4 words each, plus buckets.
    n += st.by_hash.size() * 32 + st.by_hash.bucket_count() * sizeof(void*);
  }
  ids_.for_each([&n](const SeriesPtr& s) {
    std::lock_guard<SpinLock> series_lock(s->lock);
    n += s->memory_bytes();
  });
  return n;
}

}  // namespace promlite::tsdb::head
