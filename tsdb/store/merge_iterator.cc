#include "tsdb/store/merge_iterator.h"

#include <algorithm>

#include "tsdb/chunkenc/chunk.h"

namespace promlite::tsdb::store {

void SeriesChunks::add(model::Timestamp min_t, model::Timestamp max_t, std::string_view data,
                       bool corrupt) {
  refs.push_back({min_t, max_t, static_cast<uint32_t>(bytes.size()),
                  static_cast<uint32_t>(data.size()), corrupt});
  bytes.append(data);
}

void SeriesChunks::sort() {
  std::stable_sort(refs.begin(), refs.end(),
                   [](const Ref& a, const Ref& b) { return a.min_t < b.min_t; });
}

void ChunkMergeIterator::reset(std::shared_ptr<const SeriesChunks> chunks, model::Timestamp mint,
                               model::Timestamp maxt) {
  for (Active& a : active_) pool_.push_back(std::move(a.it));
  active_.clear();
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
  pool_.push_back(std::move(active_[k].it));
  active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(k));
}

bool ChunkMergeIterator::fail(Status s) {
  status_ = std::move(s);
  done_ = true;
  return false;
}

bool ChunkMergeIterator::open(size_t i) {
  const SeriesChunks::Ref& r = chunks_->refs[i];
  if (r.corrupt) {
    return fail(Status(StatusCode::kCorruption, "corrupt chunk header in series " +
                                                    std::to_string(chunks_->series_id) + " at " +
                                                    std::to_string(r.min_t)));
  }
  std::unique_ptr<SampleIterator> reuse;
  if (!pool_.empty()) {
    reuse = std::move(pool_.back());
    pool_.pop_back();
  }
  std::string_view data(chunks_->bytes.data() + r.offset, r.size);
  active_.push_back({chunkenc::new_iterator(chunkenc::as_bytes(data), std::move(reuse)), {}, i});
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
    for (Active& a : active_) pool_.push_back(std::move(a.it));
    active_.clear();
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

bool ChunkMergeIterator::next() {
  if (done_) return false;
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
    // Fast path: one open chunk and the next one starts after it ends, so the
    // rest of this chunk can be decoded in bulk.
    if (active_.size() == 1 &&
        (next_chunk_ == refs.size() || refs[next_chunk_].min_t > refs[active_[0].chunk].max_t)) {
      Active& a = active_[0];
      if (a.cur.t > maxt_) {
        done_ = true;
        break;
      }
      size_t first = n;
      ts[n] = a.cur.t;
      vs[n] = a.cur.v;
      ++n;
      size_t got = n < max ? a.it->next_batch(ts + n, vs + n, max - n) : 0;
      size_t end = n + got;
      if (got > 0 && ts[end - 1] > maxt_) {
        end = static_cast<size_t>(std::upper_bound(ts + first, ts + end, maxt_) - ts);
        done_ = true;
      }
      n = end;
      cur_ = {ts[n - 1], vs[n - 1]};
      has_cur_ = true;
      if (done_) break;
      if (a.it->next()) {
        a.cur = a.it->at();
      } else {
        Status s = a.it->status();
        retire(0);
        if (!s.is_ok()) {
          fail(std::move(s));
          break;
        }
      }
      if (cur_.t == model::kMaxTime) {
        emitted(cur_);
        continue;
      }
      floor_ = cur_.t + 1;
      if (!active_.empty()) {
        bool removed;
        if (!settle(0, &removed)) break;
      }
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
