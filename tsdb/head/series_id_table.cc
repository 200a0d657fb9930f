#include "tsdb/head/series_id_table.h"

#include <bit>
#include <utility>

namespace promlite::tsdb::head {

SeriesIdTable::SeriesIdTable(size_t shards) {
  size_t n = std::bit_ceil(shards < 1 ? size_t{1} : shards);
  mask_ = n - 1;
  shards_ = std::make_unique<Shard[]>(n);
}

SeriesIdTable::~SeriesIdTable() = default;

SeriesIdTable::Block* SeriesIdTable::Shard::block(uint64_t number) const {
  if (number == last_number) return last;
  auto it = blocks.find(number);
  if (it == blocks.end()) return nullptr;
  last_number = number;
  last = it->second.get();
  return last;
}

MemSeries* SeriesIdTable::Shard::find(uint64_t id) const {
  const Block* b = block(id >> kBlockBits);
  return b == nullptr ? nullptr : b->slots[id & (kBlockSize - 1)].get();
}

void SeriesIdTable::Shard::collect(std::vector<SeriesPtr>& out) const {
  std::lock_guard<std::mutex> lock(mu);
  for (const auto& [number, b] : blocks) {
    for (const SeriesPtr& s : b->slots) {
      if (s) out.push_back(s);
    }
  }
}

void SeriesIdTable::insert(SeriesPtr s) {
  uint64_t id = s->id();
  Shard& sh = shard(id);
  std::lock_guard<std::mutex> lock(sh.mu);
  Block* b = sh.block(id >> kBlockBits);
  if (b == nullptr) {
    auto& owned = sh.blocks[id >> kBlockBits];
    owned = std::make_unique<Block>();
    b = owned.get();
    sh.last_number = id >> kBlockBits;
    sh.last = b;
  }
  SeriesPtr& slot = b->slots[id & (kBlockSize - 1)];
  if (!slot) ++b->live;
  slot = std::move(s);
}

SeriesPtr SeriesIdTable::erase(uint64_t id) {
  Shard& sh = shard(id);
  std::lock_guard<std::mutex> lock(sh.mu);
  Block* b = sh.block(id >> kBlockBits);
  if (b == nullptr) return SeriesPtr();
  SeriesPtr out = std::move(b->slots[id & (kBlockSize - 1)]);
  if (out && --b->live == 0) {
    if (sh.last == b) {
      sh.last_number = UINT64_MAX;
      sh.last = nullptr;
    }
    sh.blocks.erase(id >> kBlockBits);
  }
  return out;
}

SeriesPtr SeriesIdTable::get(uint64_t id) const {
  Shard& sh = shard(id);
  std::lock_guard<std::mutex> lock(sh.mu);
  return SeriesPtr(sh.find(id));
}

size_t SeriesIdTable::memory_bytes() const {
  size_t n = (mask_ + 1) * sizeof(Shard);
  for (size_t i = 0; i <= mask_; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    const auto& blocks = shards_[i].blocks;
    // Blocks, hash nodes (key, pointer, next) and buckets.
    n +=
        blocks.size() * (sizeof(Block) + 3 * sizeof(void*)) + blocks.bucket_count() * sizeof(void*);
  }
  return n;
}

}  // namespace promlite::tsdb::head
