#include "tsdb/agent/series_map.h"

#include <cstring>
#include <new>

namespace promlite::tsdb::agent {

namespace {

// SplitMix64's finalizer: spreads sequential ids over the table.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint32_t fold(uint64_t hash) { return static_cast<uint32_t>(hash ^ (hash >> 32)); }

}  // namespace

Series* Series::create(uint64_t id, std::string_view encoded, uint64_t hash) {
  void* mem = ::operator new(sizeof(Series) + encoded.size());
  auto* s = new (mem) Series(id, fold(hash), static_cast<uint32_t>(encoded.size()));
  if (!encoded.empty())
    std::memcpy(static_cast<char*>(mem) + sizeof(Series), encoded.data(), encoded.size());
  return s;
}

void Series::destroy(Series* s) {
  if (s == nullptr) return;
  s->~Series();
  ::operator delete(s);
}

bool Series::advance(int64_t t) {
  int64_t cur = last_t.load(std::memory_order_relaxed);
  while (cur < t) {
    if (last_t.compare_exchange_weak(cur, t, std::memory_order_relaxed)) return true;
  }
  return cur == t;
}

uint64_t IdKey::operator()(const Series* s) const { return mix(s->id()); }
uint64_t HashKey::operator()(const Series* s) const { return mix(s->hash32()); }

template <typename KeyOf>
template <typename Eq>
Series* PtrTable<KeyOf>::find(uint64_t key, Eq eq) const {
  if (slots_.empty()) return nullptr;
  const size_t mask = slots_.size() - 1;
  for (size_t i = key & mask;; i = (i + 1) & mask) {
    Series* s = slots_[i];
    if (s == nullptr) return nullptr;
    if (s != tombstone() && eq(s)) return s;
  }
}

template <typename KeyOf>
void PtrTable<KeyOf>::insert(Series* s) {
  // Grow (or clean out tombstones) at 3/4 use; shrink when mostly empty.
  if ((used_ + 1) * 4 > slots_.size() * 3) {
    size_t cap = 16;
    while ((size_ + 1) * 2 > cap) cap *= 2;
    rehash(cap);
  }
  const size_t mask = slots_.size() - 1;
  for (size_t i = KeyOf()(s) & mask;; i = (i + 1) & mask) {
    if (slots_[i] == nullptr || slots_[i] == tombstone()) {
      if (slots_[i] == nullptr) ++used_;
      slots_[i] = s;
      ++size_;
      return;
    }
  }
}

template <typename KeyOf>
bool PtrTable<KeyOf>::erase(Series* s) {
  if (slots_.empty()) return false;
  const size_t mask = slots_.size() - 1;
  for (size_t i = KeyOf()(s) & mask;; i = (i + 1) & mask) {
    if (slots_[i] == nullptr) return false;
    if (slots_[i] == s) {
      slots_[i] = tombstone();
      --size_;
      if (slots_.size() > 64 && size_ * 8 < slots_.size()) rehash(slots_.size() / 4);
      return true;
    }
  }
}

template <typename KeyOf>
void PtrTable<KeyOf>::rehash(size_t capacity) {
  std::vector<Series*> old;
  old.swap(slots_);
  slots_.assign(capacity, nullptr);
  size_ = 0;
  used_ = 0;
  const size_t mask = capacity - 1;
  for (Series* s : old) {
    if (s == nullptr || s == tombstone()) continue;
    size_t i = KeyOf()(s) & mask;
    while (slots_[i] != nullptr) i = (i + 1) & mask;
    slots_[i] = s;
    ++size_;
    ++used_;
  }
}

template class PtrTable<IdKey>;
template class PtrTable<HashKey>;

SeriesMap::~SeriesMap() {
  for (auto& st : by_id_) st.table.for_each([](Series* s) { Series::destroy(s); });
}

Series* SeriesMap::by_id(uint64_t id, bool pin) const {
  const IdStripe& st = by_id_[id_stripe(id)];
  std::lock_guard<std::mutex> lock(st.mu);
  Series* s = st.table.find(mix(id), [id](const Series* x) { return x->id() == id; });
  if (s != nullptr && pin) s->pins.fetch_add(1, std::memory_order_relaxed);
  return s;
}

Series* SeriesMap::by_labels(const model::Labels& labels, uint64_t hash) const {
  const uint32_t h = fold(hash);
  const LabelStripe& st = by_labels_[label_stripe(h)];
  std::string_view enc = labels.data();
  std::lock_guard<std::mutex> lock(st.mu);
  return st.table.find(
      mix(h), [&](const Series* s) { return s->hash32() == h && s->encoded_labels() == enc; });
}

void SeriesMap::insert_id(Series* s) {
  IdStripe& st = by_id_[id_stripe(s->id())];
  std::lock_guard<std::mutex> lock(st.mu);
  st.table.insert(s);
}

void SeriesMap::erase_id(Series* s) {
  IdStripe& st = by_id_[id_stripe(s->id())];
  std::lock_guard<std::mutex> lock(st.mu);
  st.table.erase(s);
}

Series* SeriesMap::get_or_create(const model::Labels& labels,
                                 const std::function<uint64_t()>& next_id, bool* created,
                                 bool pin) {
  const uint64_t hash = labels.hash();
  const uint32_t h = fold(hash);
  LabelStripe& st = by_labels_[label_stripe(h)];
  std::string_view enc = labels.data();
  std::lock_guard<std::mutex> lock(st.mu);
  Series* s = st.table.find(
      mix(h), [&](const Series* x) { return x->hash32() == h && x->encoded_labels() == enc; });
  *created = s == nullptr;
  if (s == nullptr) {
    s = Series::create(next_id(), enc, hash);
    st.table.insert(s);
    insert_id(s);  // lock order: label stripe, then id stripe
    size_.fetch_add(1, std::memory_order_relaxed);
    series_bytes_.fetch_add(s->allocated_bytes(), std::memory_order_relaxed);
  }
  if (pin) s->pins.fetch_add(1, std::memory_order_relaxed);
  return s;
}

Series* SeriesMap::restore(Series* s) {
  LabelStripe& st = by_labels_[label_stripe(s->hash32())];
  std::string_view enc = s->encoded_labels();
  const uint32_t h = s->hash32();
  std::lock_guard<std::mutex> lock(st.mu);
  Series* old = st.table.find(
      mix(h), [&](const Series* x) { return x->hash32() == h && x->encoded_labels() == enc; });
  if (old != nullptr && old->id() > s->id()) return s;  // the newer id stays
  if (old != nullptr) {
    st.table.erase(old);
    erase_id(old);
    size_.fetch_sub(1, std::memory_order_relaxed);
    series_bytes_.fetch_sub(old->allocated_bytes(), std::memory_order_relaxed);
  }
  st.table.insert(s);
  insert_id(s);
  size_.fetch_add(1, std::memory_order_relaxed);
  series_bytes_.fetch_add(s->allocated_bytes(), std::memory_order_relaxed);
  return old;
}

std::vector<Series*> SeriesMap::take_idle(int64_t mint) {
  // Pins are taken under the label stripe lock (get_or_create) or the id
  // stripe lock (by_id); the pin is read (acquire: after a commit's unpin, its
  // time is seen) under the first and read again under the second, held
  // while the series leaves the id table. So a batch either pinned the series
  // first and it stays, or finds it gone and creates it again.
  auto idle = [mint](const Series* s) {
    return s->pins.load(std::memory_order_acquire) == 0 &&
           s->last_t.load(std::memory_order_relaxed) < mint;
  };
  std::vector<Series*> out;
  std::vector<Series*> victims;
  for (auto& st : by_labels_) {
    victims.clear();
    std::lock_guard<std::mutex> lock(st.mu);
    st.table.for_each([&](Series* s) {
      if (idle(s)) victims.push_back(s);
    });
    for (Series* s : victims) {
      {
        IdStripe& ids = by_id_[id_stripe(s->id())];
        std::lock_guard<std::mutex> id_lock(ids.mu);
        if (!idle(s)) continue;  // pinned by id since
        ids.table.erase(s);
      }
      st.table.erase(s);
      size_.fetch_sub(1, std::memory_order_relaxed);
      series_bytes_.fetch_sub(s->allocated_bytes(), std::memory_order_relaxed);
      out.push_back(s);
    }
  }
  return out;
}

void SeriesMap::for_each(const std::function<void(Series*)>& fn) const {
  for (const auto& st : by_labels_) {
    std::lock_guard<std::mutex> lock(st.mu);
    st.table.for_each(fn);
  }
}

size_t SeriesMap::memory_bytes() const {
  size_t n = series_bytes_.load(std::memory_order_relaxed) + sizeof(*this);
  for (const auto& st : by_labels_) {
    std::lock_guard<std::mutex> lock(st.mu);
    n += st.table.capacity() * sizeof(Series*);
  }
  for (const auto& st : by_id_) {
    std::lock_guard<std::mutex> lock(st.mu);
    n += st.table.capacity() * sizeof(Series*);
  }
  return n;
}

}  // namespace promlite::tsdb::agent
