#include "scraper/scrape_cache.h"

#include <cstdint>
#include <unordered_set>

namespace promlite::scraper {

uint64_t ScrapeCache::begin_scrape() {
  cur_seen_.clear();
  cur_order_.clear();
  next_pos_ = 0;
  return ++iter_;
}

ScrapeCache::Entry* ScrapeCache::find(std::string_view series) {
  const model::Fingerprint128 key = model::fingerprint128(series);
  if (next_pos_ < order_.size()) {
    Entry* hint = order_[next_pos_];
    if (hint->key == key) {
      ++next_pos_;
      return hint;
    }
  }
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  Entry* e = &it->second;
  // Resynchronise after an inserted or removed series.
  if (e->order_pos < order_.size() && order_[e->order_pos] == e) next_pos_ = e->order_pos + 1;
  return e;
}

ScrapeCache::Entry* ScrapeCache::add(std::string_view series, Entry e) {
  const model::Fingerprint128 key = model::fingerprint128(series);
  auto [it, inserted] = map_.try_emplace(key, std::move(e));
  if (!inserted) it->second = std::move(e);
  it->second.key = key;
  it->second.order_pos = UINT32_MAX;
  return &it->second;
}

void ScrapeCache::mark_seen(Entry* e) {
  if (e->last_iter == iter_) return;  // a duplicate line in one scrape
  e->last_iter = iter_;
  e->order_pos = static_cast<uint32_t>(cur_order_.size());
  cur_order_.push_back(e);
  if (!e->dropped && e->track_staleness) cur_seen_.push_back(e);
}

std::vector<ScrapeCache::Entry*> ScrapeCache::vanished() const {
  std::vector<Entry*> out;
  for (Entry* e : prev_seen_) {
    if (e->last_iter != iter_) out.push_back(e);
  }
  return out;
}

bool ScrapeCache::end_scrape(bool success) {
  if (success) {
    prev_seen_.swap(cur_seen_);
    order_.swap(cur_order_);
  }
  cur_seen_.clear();
  cur_order_.clear();
  if (!success) {
    if (map_.size() <= 2 * success_size_ || map_.size() <= 64) return false;
    order_.clear();  // it may hold entries the flush below erases
    std::unordered_set<const Entry*> keep(prev_seen_.begin(), prev_seen_.end());
    for (auto it = map_.begin(); it != map_.end();) {
      if (keep.count(&it->second)) {
        ++it;
      } else {
        it = map_.erase(it);
      }
    }
    success_size_ = map_.size();
    return true;
  }
  // Forget series not seen for a few scrapes; entries still referenced by
  // prev_seen_ were seen in the last successful scrape, so they survive.
  if (success && map_.size() > 64 && iter_ % 16 == 0) {
    for (auto it = map_.begin(); it != map_.end();) {
      if (it->second.last_iter + 4 < iter_) {
        it = map_.erase(it);
      } else {
        ++it;
      }
    }
  }
  success_size_ = map_.size();
  return false;
}

}  // namespace promlite::scraper
