// SeriesIdTable: the head's id -> series map, and the owner of every series.
//
// Series ids come from a counter, so the ids of live series are dense, and a
// scrape appends its target's series in the order they were created. The
// table therefore stores series in blocks of kBlockSize consecutive ids
// (8 bytes a slot) and spreads blocks, not single ids, over the shards: the
// appends of one scrape walk one block after another and take the same shard
// mutex again while it is still in cache, where a hash map per stripe cost a
// bucket and a node lookup (two cache misses) per sample, and ~48 bytes of
// nodes and buckets per series.
//
// A block is freed when its last series is erased, and blocks are found
// through a hash map per shard (with the last block used cached: a scrape's
// appends hit the same block 31 times in 32), so memory follows the live
// series, never the range of ids created since the oldest live one (a corrupt
// id or a long-lived series among churning ones costs one block). The cost of
// churn is partly filled blocks: at most kBlockSize - 1 empty slots per block.
//
// Thread-safety: all methods are thread-safe. visit() runs its callback under
// the shard mutex: the series cannot be erased while it runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "tsdb/head/mem_series.h"

namespace promlite::tsdb::head {

class SeriesIdTable {
 public:
  static constexpr unsigned kBlockBits = 5;
  static constexpr size_t kBlockSize = size_t{1} << kBlockBits;

  // `shards` is rounded up to a power of two.
  explicit SeriesIdTable(size_t shards);
  SeriesIdTable(const SeriesIdTable&) = delete;
  SeriesIdTable& operator=(const SeriesIdTable&) = delete;
  ~SeriesIdTable();

  // Adds `s` under s->id(), which must not be 0 nor present.
  void insert(SeriesPtr s);
  // Removes and returns the series with `id` (null when absent).
  SeriesPtr erase(uint64_t id);
  // The series with `id`, or null.
  SeriesPtr get(uint64_t id) const;

  // Calls fn(MemSeries&) under the shard mutex when `id` is present; returns
  // whether it was.
  template <typename Fn>
  bool visit(uint64_t id, Fn&& fn) const {
    Shard& sh = shard(id);
    std::lock_guard<std::mutex> lock(sh.mu);
    MemSeries* s = sh.find(id);
    if (s == nullptr) return false;
    fn(*s);
    return true;
  }

  // Calls fn(const SeriesPtr&) for every series, a shard's worth at a time
  // copied out first, so fn runs without any table lock.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    std::vector<SeriesPtr> batch;
    for (size_t i = 0; i <= mask_; ++i) {
      batch.clear();
      shards_[i].collect(batch);
      for (const SeriesPtr& s : batch) fn(s);
    }
  }

  // Heap bytes of the table itself (not of the series).
  size_t memory_bytes() const;

 private:
  struct Block {
    SeriesPtr slots[kBlockSize];
    uint32_t live = 0;
  };
  struct Shard {
    mutable std::mutex mu;
    // Block number (id >> kBlockBits) -> block holding at least one live id.
    std::unordered_map<uint64_t, std::unique_ptr<Block>> blocks;
    mutable uint64_t last_number = UINT64_MAX;  // cache of the last block found
    mutable Block* last = nullptr;

    Block* block(uint64_t number) const;  // REQUIRES: mu held; null when absent
    MemSeries* find(uint64_t id) const;   // REQUIRES: mu held
    void collect(std::vector<SeriesPtr>& out) const;
  };

  Shard& shard(uint64_t id) const { return shards_[(id >> kBlockBits) & mask_]; }

  size_t mask_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace promlite::tsdb::head
