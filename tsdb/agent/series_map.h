// SeriesMap: the agent's only in-memory state per series: its id, its label
// set and the timestamp of its newest committed sample. No chunks, no
// postings: the agent never answers queries.
//
// Memory: one allocation per series (a 32-byte header followed by the encoded
// label bytes) plus two open-addressing tables of pointers (by id and by label
// hash), about 8-16 bytes each per series. See memory_bytes().
//
// Thread-safety: every method may be called from any thread. Series are found
// and created under one of 256 stripe locks (by label hash for creation and
// label look-ups, by id for id look-ups), never under one global lock.
// Lifetimes: a Series stays allocated until the caller that took it out of
// the map (take_idle) frees it with Series::destroy(); the map never frees a
// series on its own except in its destructor.
// Pins: an open batch (AgentAppender) pins each series it holds, from the
// look-up that found or created it (by_id / get_or_create with pin=true) to
// its commit or rollback (Series::unpin). take_idle leaves pinned series in
// the map: a series a batch created is idle by its time (none committed yet)
// but must still be there when the batch commits.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>
#include <vector>

#include "model/labels.h"
#include "model/sample.h"

namespace promlite::tsdb::agent {

class Series {
 public:
  // Allocates a series with a copy of `encoded` labels (Labels::data()).
  static Series* create(uint64_t id, std::string_view encoded, uint64_t hash);
  static void destroy(Series* s);

  uint64_t id() const { return id_; }
  uint32_t hash32() const { return hash32_; }
  std::string_view encoded_labels() const {
    return {reinterpret_cast<const char*>(this + 1), len_};
  }
  model::Labels labels() const {
    return model::Labels::from_encoded(std::string(encoded_labels()));
  }
  // Bytes allocated for this series (header and label bytes).
  size_t allocated_bytes() const { return sizeof(Series) + len_; }

  // Newest committed sample time; INT64_MIN before the first commit.
  std::atomic<int64_t> last_t{INT64_MIN};
  // The series record has been written to the WAL.
  std::atomic<bool> logged{false};
  // Open batches holding this series (see SeriesMap's pins).
  std::atomic<uint32_t> pins{0};

  // Drops one pin taken by SeriesMap::by_id / get_or_create. Release order:
  // a take_idle that sees the pin gone sees the times the batch committed.
  void unpin() { pins.fetch_sub(1, std::memory_order_release); }

  // Raises last_t to `t` unless it is already newer. Returns false when it was.
  bool advance(int64_t t);

 private:
  Series(uint64_t id, uint32_t hash32, uint32_t len) : id_(id), hash32_(hash32), len_(len) {}
  uint64_t id_;
  uint32_t hash32_;
  uint32_t len_;
};
static_assert(sizeof(Series) == 32, "Series header should stay 32 bytes");

// An open-addressing set of Series pointers, ordered by a 64-bit key that
// `KeyOf` derives from the series (linear probing, tombstones on erase).
// Not thread-safe: the caller holds the stripe lock.
template <typename KeyOf>
class PtrTable {
 public:
  template <typename Eq>
  Series* find(uint64_t key, Eq eq) const;
  void insert(Series* s);  // REQUIRES: not present
  bool erase(Series* s);
  size_t size() const { return size_; }
  size_t capacity() const { return slots_.size(); }
  template <typename Fn>
  void for_each(Fn fn) const {
    for (Series* s : slots_) {
      if (s != nullptr && s != tombstone()) fn(s);
    }
  }

 private:
  static Series* tombstone() { return reinterpret_cast<Series*>(uintptr_t{1}); }
  void rehash(size_t capacity);
  std::vector<Series*> slots_;
  size_t size_ = 0;
  size_t used_ = 0;  // live entries plus tombstones
};

struct IdKey {
  uint64_t operator()(const Series* s) const;
};
struct HashKey {
  uint64_t operator()(const Series* s) const;
};

class SeriesMap {
 public:
  SeriesMap() = default;
  ~SeriesMap();  // destroys the series still in the map
  SeriesMap(const SeriesMap&) = delete;
  SeriesMap& operator=(const SeriesMap&) = delete;

  // The series with this id, or null. With `pin`, a found series is pinned
  // (under the stripe lock, so take_idle cannot take it in between).
  Series* by_id(uint64_t id, bool pin = false) const;
  // The series with these labels, or null.
  Series* by_labels(const model::Labels& labels, uint64_t hash) const;

  // The series with these labels; creates it with `next_id()` when absent.
  // *created tells which happened. With `pin`, the series is pinned.
  Series* get_or_create(const model::Labels& labels, const std::function<uint64_t()>& next_id,
                        bool* created, bool pin = false);
  // Adds a series with a known id (replay). When the labels are already
  // mapped to another series, the one with the higher id stays and the other
  // is returned (out of the map: the caller owns it); else null.
  Series* restore(Series* s);

  // Removes every series whose newest sample is older than `mint` (a series
  // without a committed sample counts as older) and that no open batch pins,
  // and hands them to the caller.
  std::vector<Series*> take_idle(int64_t mint);

  // Calls fn for every series; under the stripe locks, one stripe at a time.
  void for_each(const std::function<void(Series*)>& fn) const;

  size_t size() const { return size_.load(std::memory_order_relaxed); }
  // Bytes held: series allocations plus the tables.
  size_t memory_bytes() const;

  static constexpr size_t kStripes = 256;

 private:
  struct LabelStripe {
    mutable std::mutex mu;
    PtrTable<HashKey> table;
  };
  struct IdStripe {
    mutable std::mutex mu;
    PtrTable<IdKey> table;
  };
  static size_t label_stripe(uint32_t hash32) { return hash32 >> 24; }
  static size_t id_stripe(uint64_t id) { return id & (kStripes - 1); }
  void insert_id(Series* s);
  void erase_id(Series* s);

  std::array<LabelStripe, kStripes> by_labels_;
  std::array<IdStripe, kStripes> by_id_;
  std::atomic<size_t> size_{0};
  std::atomic<size_t> series_bytes_{0};
};

}  // namespace promlite::tsdb::agent
