#include "tsdb/store/merge_iterator.h"

#include <algorithm>

namespace promlite::tsdb::store {

void SeriesChunks::add(std::string_view data, const chunkenc::ChunkMeta& meta) {
  refs.push_back({meta.min_t, meta.max_t, static_cast<uint32_t>(bytes.size()),
                  static_cast<uint32_t>(data.size()), meta.count,
                  static_cast<uint8_t>(meta.encoding), static_cast<uint8_t>(meta.header_size),
                  /*corrupt=*/false});
  bytes.append(data);
}

void SeriesChunks::add_corrupt(model::Timestamp min_t, std::string_view data) {
  refs.push_back({min_t, model::kMaxTime, static_cast<uint32_t>(bytes.size()),
                  static_cast<uint32_t>(data.size()), 0, 0, 0, /*corrupt=*/true});
  bytes.append(data);
}

void SeriesChunks::sort() {
  std::stable_sort(refs.begin(), refs.end(),
                   [](const Ref& a, const Ref& b) { return a.min_t < b.min_t; });
}

void ChunkMergeIterator::reset(std::shared_ptr<const SeriesChunks> chunks, model::Timestamp mint,
                               model::Timestamp maxt) {
  for (Active& a : active_) recycle(std::move(a.it));
  active_.clear();
  release_bulk();
  chunks_ = std::move(chunks);
  maxt_ = maxt;
  floor_ = mint;
  next_chunk_ = 0;
  cur_ = {};
  has_cur_ = false;
  done_ = mint > maxt;
  status_ = Status::ok();
}

void ChunkMergeIterator::retire(size_t k) {
  recycle(std::move(active_[k].it));
  active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(k));
}

void ChunkMergeIterator::recycle(std::unique_ptr<SampleIterator> it) {
  if (pooled_ < pool_.size()) pool_[pooled_++] = std::move(it);
}

void ChunkMergeIterator::release_bulk() {
  if (bulk_ != nullptr) recycle(std::move(bulk_));
}

bool ChunkMergeIterator::fail(Status s) {
  status_ = std::move(s);
  done_ = true;
  return false;
}

std::unique_ptr<SampleIterator> ChunkMergeIterator::iterator_for(size_t i) {
  std::unique_ptr<SampleIterator> reuse;
  if (pooled_ > 0) reuse = std::move(pool_[--pooled_]);
  const SeriesChunks::Ref& r = chunks_->refs[i];
  return chunkenc::new_iterator(chunks_->data(r), SeriesChunks::meta(r), std::move(reuse));
}

bool ChunkMergeIterator::open(size_t i) {
  const SeriesChunks::Ref& r = chunks_->refs[i];
  if (r.corrupt) {
    return fail(Status(StatusCode::kCorruption, "corrupt chunk header in series " +
                                                    std::to_string(chunks_->series_id) + " at " +
                                                    std::to_string(r.min_t)));
  }
  active_.push_back({iterator_for(i), {}, i});
  Active& a = active_.back();
  if (!a.it->seek(floor_)) {
    Status s = a.it->status();
    retire(active_.size() - 1);
    return s.is_ok() ? true : fail(std::move(s));
  }
  a.cur = a.it->at();
  return true;
}

bool ChunkMergeIterator::settle(size_t k, bool* removed) {
  *removed = false;
  Active& a = active_[k];
  if (a.cur.t >= floor_) return true;
  if (a.it->seek(floor_)) {
    a.cur = a.it->at();
    return true;
  }
  Status s = a.it->status();
  retire(k);
  *removed = true;
  return s.is_ok() ? true : fail(std::move(s));
}

bool ChunkMergeIterator::emitted(model::Sample s) {
  cur_ = s;
  has_cur_ = true;
  if (s.t == model::kMaxTime) {  // nothing can follow
    for (Active& a : active_) recycle(std::move(a.it));
    active_.clear();
    release_bulk();
    next_chunk_ = chunks_->refs.size();
    return true;
  }
  floor_ = s.t + 1;
  for (size_t k = 0; k < active_.size();) {
    bool removed;
    if (!settle(k, &removed)) return false;
    if (!removed) ++k;
  }
  return true;
}

bool ChunkMergeIterator::bulk_ok(size_t i) const {
  const auto& refs = chunks_->refs;
  const SeriesChunks::Ref& r = refs[i];
  return !r.corrupt && r.min_t >= floor_ && r.min_t <= maxt_ &&
         (i + 1 == refs.size() || refs[i + 1].min_t > r.max_t);
}

bool ChunkMergeIterator::end_bulk() {
  std::unique_ptr<SampleIterator> it = std::move(bulk_);
  if (it->next()) {
    model::Sample s = it->at();
    active_.push_back({std::move(it), s, bulk_chunk_});
    return true;
  }
  Status s = it->status();
  recycle(std::move(it));
  return s.is_ok() ? true : fail(std::move(s));
}

size_t ChunkMergeIterator::drain_bulk(model::Timestamp* ts, double* vs, size_t max) {
  size_t got = bulk_->next_batch(ts, vs, max);
  if (got < max) {
    // Only at the end of the chunk (its end checked) or on corruption; the
    // samples before a corrupt one are still returned.
    Status s = bulk_->status();
    recycle(std::move(bulk_));
    if (!s.is_ok()) fail(std::move(s));
  }
  if (got == 0) return 0;
  if (bulk_trim_ && ts[got - 1] > maxt_) {
    got = static_cast<size_t>(std::upper_bound(ts, ts + got, maxt_) - ts);
    release_bulk();
    done_ = true;
    if (got == 0) return 0;
  }
  cur_ = {ts[got - 1], vs[got - 1]};
  has_cur_ = true;
  if (cur_.t == model::kMaxTime) {
    emitted(cur_);  // nothing can follow
  } else {
    floor_ = cur_.t + 1;
  }
  return got;
}

bool ChunkMergeIterator::next() {
  if (done_) return false;
  if (bulk_ != nullptr && !end_bulk()) return false;
  const auto& refs = chunks_->refs;
  while (true) {
    size_t best = active_.size();
    model::Timestamp lo = model::kMaxTime;
    for (size_t k = 0; k < active_.size(); ++k) {
      if (best == active_.size() || active_[k].cur.t < lo) {
        best = k;
        lo = active_[k].cur.t;
      }
    }
    // A chunk starting at or before the smallest pending sample may hold an
    // earlier one: open it first.
    if (next_chunk_ < refs.size() && (best == active_.size() || refs[next_chunk_].min_t <= lo)) {
      if (!open(next_chunk_++)) return false;
      continue;
    }
    if (best == active_.size() || lo > maxt_) {
      done_ = true;
      return false;
    }
    emitted(active_[best].cur);  // an error here surfaces on the next call
    return true;
  }
}

bool ChunkMergeIterator::seek(model::Timestamp t) {
  if (has_cur_ && cur_.t >= t) return true;
  if (done_) return false;
  if (bulk_ != nullptr && !end_bulk()) return false;
  if (t > floor_) floor_ = t;
  for (size_t k = 0; k < active_.size();) {
    bool removed;
    if (!settle(k, &removed)) return false;
    if (!removed) ++k;
  }
  const auto& refs = chunks_->refs;
  while (next_chunk_ < refs.size() && !refs[next_chunk_].corrupt &&
         refs[next_chunk_].max_t < floor_) {
    ++next_chunk_;
  }
  return next();
}

size_t ChunkMergeIterator::next_batch(model::Timestamp* ts, double* vs, size_t max) {
  size_t n = 0;
  if (chunks_ == nullptr) return 0;
  const auto& refs = chunks_->refs;
  while (n < max && !done_) {
    if (bulk_ != nullptr) {
      n += drain_bulk(ts + n, vs + n, max - n);
      continue;
    }
    if (active_.empty() && next_chunk_ < refs.size() && bulk_ok(next_chunk_)) {
      bulk_chunk_ = next_chunk_++;
      bulk_trim_ = refs[bulk_chunk_].max_t > maxt_;
      // Cold chunks (a query touching many series) miss the cache on every
      // line; asking for all of them now overlaps the misses.
      const SeriesChunks::Ref& r = refs[bulk_chunk_];
      const char* p = chunks_->bytes.data() + r.offset;
      for (uint32_t off = 64; off < r.size; off += 64) __builtin_prefetch(p + off);
      bulk_ = iterator_for(bulk_chunk_);
      continue;
    }
    // One open chunk (after a seek, or a merge) that the next one does not
    // overlap: emit its pending sample, then drain the rest in bulk.
    if (active_.size() == 1 &&
        (next_chunk_ == refs.size() || refs[next_chunk_].min_t > refs[active_[0].chunk].max_t)) {
      Active& a = active_[0];
      if (a.cur.t > maxt_) {
        done_ = true;
        break;
      }
      ts[n] = a.cur.t;
      vs[n] = a.cur.v;
      ++n;
      bulk_ = std::move(a.it);
      bulk_chunk_ = a.chunk;
      bulk_trim_ = refs[a.chunk].max_t > maxt_;
      active_.clear();
      emitted({ts[n - 1], vs[n - 1]});
      continue;
    }
    if (!next()) break;
    ts[n] = cur_.t;
    vs[n] = cur_.v;
    ++n;
  }
  return n;
}

}  // namespace promlite::tsdb::store
