#include "tsdb/head/head_iterator.h"

#include <algorithm>
#include <mutex>

#include "tsdb/chunkenc/chunk.h"

namespace promlite::tsdb::head {

void HeadIterator::capture(const MemSeries& s, model::Timestamp mint, model::Timestamp maxt) {
  sealed_.clear();
  sources_.clear();
  open_.clear();
  open_count_ = 0;
  next_source_ = 0;
  sub_ = nullptr;
  mint_ = mint;
  maxt_ = maxt;
  started_ = false;
  done_ = false;
  status_ = Status::ok();
  model::Timestamp open_min = 0;
  model::Timestamp open_max = 0;
  {
    std::lock_guard<SpinLock> lock(s.lock);
    for (const auto& c : s.sealed()) {
      if (c->max_t >= mint && c->min_t <= maxt) sealed_.push_back(c);
    }
    if (s.open_count() > 0 && s.open_min_t() <= maxt && s.last_t() >= mint) {
      open_.assign(s.open_bytes());
      open_count_ = s.open_count();
      open_min = s.open_min_t();
      open_max = s.last_t();
    }
  }
  for (const auto& c : sealed_) sources_.push_back({&c->data, c->min_t, c->max_t, false});
  if (open_count_ > 0) sources_.push_back({&open_, open_min, open_max, true});
  if (sources_.empty() || mint > maxt) done_ = true;
}

bool HeadIterator::stop() {
  done_ = true;
  sub_ = nullptr;
  return false;
}

bool HeadIterator::check_max() {
  if (cur_.t > maxt_) return stop();
  return true;
}

bool HeadIterator::enter_source(model::Timestamp t) {
  t = std::max(t, mint_);
  while (next_source_ < sources_.size()) {
    const Source& src = sources_[next_source_++];
    if (src.max_t < t) continue;
    if (src.min_t > maxt_) return stop();
    if (src.open) {
      open_it_.reset_open(chunkenc::as_bytes(*src.bytes), open_count_);
      sub_ = &open_it_;
    } else {
      sealed_it_ = chunkenc::new_iterator(chunkenc::as_bytes(*src.bytes), std::move(sealed_it_));
      sub_ = sealed_it_.get();
    }
    sub_max_t_ = src.max_t;
    if (sub_->seek(t)) {
      cur_ = sub_->at();
      return check_max();
    }
    if (!sub_->status()) {
      status_ = sub_->status();
      return stop();
    }
  }
  return stop();
}

bool HeadIterator::next() {
  if (done_) return false;
  if (!started_) {
    started_ = true;
    return enter_source(mint_);
  }
  if (sub_ != nullptr && sub_->next()) {
    cur_ = sub_->at();
    return check_max();
  }
  if (sub_ != nullptr && !sub_->status()) {
    status_ = sub_->status();
    return stop();
  }
  return enter_source(mint_);
}

bool HeadIterator::seek(model::Timestamp t) {
  if (done_) return false;
  if (started_ && sub_ != nullptr && cur_.t >= t) return true;
  started_ = true;
  if (sub_ != nullptr && sub_max_t_ >= t) {
    if (sub_->seek(std::max(t, mint_))) {
      cur_ = sub_->at();
      return check_max();
    }
    if (!sub_->status()) {
      status_ = sub_->status();
      return stop();
    }
  }
  return enter_source(t);
}

size_t HeadIterator::next_batch(model::Timestamp* ts, double* vs, size_t max) {
  size_t n = 0;
  while (n < max && next()) {
    ts[n] = cur_.t;
    vs[n] = cur_.v;
    ++n;
    if (n == max) break;
    // Bulk-decode the rest of the current chunk, then trim at maxt.
    size_t k = sub_->next_batch(ts + n, vs + n, max - n);
    size_t keep = static_cast<size_t>(std::upper_bound(ts + n, ts + n + k, maxt_) - (ts + n));
    n += keep;
    if (keep > 0) cur_ = {ts[n - 1], vs[n - 1]};
    if (keep < k) {
      stop();
      break;
    }
  }
  return n;
}

}  // namespace promlite::tsdb::head
