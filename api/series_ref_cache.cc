// SeriesRefCache (api/remote_write.h): the remote-write receiver's map from
// a series' wire label bytes to its storage ref.
#include <algorithm>
#include <bit>
#include <cstring>

#include "api/remote_write.h"
#include "model/fingerprint.h"

namespace promlite::api {

SeriesRefCache::Key SeriesRefCache::key_of(std::string_view raw) {
  // A false match needs both a 64-bit and an independent 32-bit collision.
  const model::Fingerprint128 f = model::fingerprint128(raw);
  Key k;
  k.a = f.lo | 1;  // 0 marks a free slot
  k.b = static_cast<uint32_t>(f.hi);
  return k;
}

SeriesRefCache::Entry* SeriesRefCache::probe(Shard& sh, const Key& k) {
  if (sh.slots.empty()) return nullptr;
  const size_t mask = sh.slots.size() - 1;
  for (size_t i = k.a & mask;; i = (i + 1) & mask) {
    Entry& e = sh.slots[i];
    if (e.a == 0) return nullptr;
    if (e.a == k.a && e.b == k.b) return &e;
  }
}

void SeriesRefCache::insert(std::vector<Entry>& slots, const Entry& e) {
  const size_t mask = slots.size() - 1;
  size_t i = e.a & mask;
  while (slots[i].a != 0) i = (i + 1) & mask;
  slots[i] = e;
}

tsdb::SeriesRef SeriesRefCache::find(const Key& k) {
  Shard& sh = shard(k);
  const uint32_t epoch = epoch_.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(sh.mu);
  Entry* e = probe(sh, k);
  if (e == nullptr || e->ref == 0) return 0;
  if (e->epoch != epoch) e->epoch = epoch;
  return e->ref;
}

void SeriesRefCache::find_all(std::span<SeriesView> series) {
  // Group the series by shard (counting sort), then one lock per shard.
  thread_local std::vector<uint32_t> order;
  uint32_t start[kShards + 1] = {};
  for (const SeriesView& s : series) {
    if (s.key.a != 0) ++start[shard_of(s.key) + 1];
  }
  for (size_t i = 0; i < kShards; ++i) start[i + 1] += start[i];
  order.resize(start[kShards]);
  uint32_t fill[kShards];
  std::copy(start, start + kShards, fill);
  for (size_t i = 0; i < series.size(); ++i) {
    series[i].cached_ref = 0;
    if (series[i].key.a != 0) order[fill[shard_of(series[i].key)]++] = static_cast<uint32_t>(i);
  }
  const uint32_t epoch = epoch_.load(std::memory_order_relaxed);
  for (size_t sh = 0; sh < kShards; ++sh) {
    if (start[sh] == start[sh + 1]) continue;
    Shard& shard = shards_[sh];
    std::lock_guard<std::mutex> lock(shard.mu);
    for (uint32_t i = start[sh]; i < start[sh + 1]; ++i) {
      SeriesView& s = series[order[i]];
      Entry* e = probe(shard, s.key);
      if (e == nullptr || e->ref == 0) continue;
      if (e->epoch != epoch) e->epoch = epoch;
      s.cached_ref = e->ref;
    }
  }
}

void SeriesRefCache::put(const Key& k, tsdb::SeriesRef ref) {
  Shard& sh = shard(k);
  const uint32_t epoch = epoch_.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(sh.mu);
  if (Entry* e = probe(sh, k)) {
    e->ref = ref;
    e->epoch = epoch;
    return;
  }
  if (sh.used >= kMaxEntries / kShards) return;
  if (2 * (sh.used + 1) > sh.slots.size()) {  // keep the load at most 1/2
    std::vector<Entry> grown(std::max<size_t>(64, 2 * sh.slots.size()));
    for (const Entry& e : sh.slots) {
      if (e.a != 0) insert(grown, e);
    }
    sh.slots.swap(grown);
  }
  insert(sh.slots, Entry{k.a, k.b, epoch, ref});
  ++sh.used;
}

void SeriesRefCache::erase(const Key& k) {
  Shard& sh = shard(k);
  std::lock_guard<std::mutex> lock(sh.mu);
  // The key stays (probe chains stay intact); a sweep removes it.
  if (Entry* e = probe(sh, k)) e->ref = 0;
}

void SeriesRefCache::sweep() {
  const uint32_t prev = epoch_.fetch_add(1, std::memory_order_relaxed);
  for (Shard& sh : shards_) {
    std::lock_guard<std::mutex> lock(sh.mu);
    size_t live = 0;
    for (const Entry& e : sh.slots) live += e.a != 0 && e.ref != 0 && e.epoch >= prev;
    if (live == sh.used) continue;
    std::vector<Entry> kept;
    if (live > 0) kept.resize(std::max<size_t>(64, std::bit_ceil(2 * live)));
    for (const Entry& e : sh.slots) {
      if (e.a != 0 && e.ref != 0 && e.epoch >= prev) insert(kept, e);
    }
    sh.slots.swap(kept);
    sh.used = live;
  }
}

size_t SeriesRefCache::size() const {
  size_t n = 0;
  for (const Shard& sh : shards_) {
    std::lock_guard<std::mutex> lock(sh.mu);
    n += sh.used;
  }
  return n;
}

}  // namespace promlite::api
