#include "tsdb/head/series_id_table.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace promlite::tsdb::head {

SeriesIdTable::SeriesIdTable(size_t shards) {
  size_t n = std::bit_ceil(shards < 1 ? size_t{1} : shards);
  mask_ = n - 1;
  shards_ = std::make_unique<Shard[]>(n);
  for (size_t i = 0; i < n; ++i) shards_[i].shard_bits = static_cast<unsigned>(std::countr_zero(n));
}

SeriesIdTable::~SeriesIdTable() = default;

MemSeries* SeriesIdTable::Shard::find(uint64_t id) const {
  uint64_t local = (id >> kBlockBits) >> shard_bits;
  if (local < first || local - first >= blocks.size()) return nullptr;
  const Block* b = blocks[local - first].get();
  return b == nullptr ? nullptr : b->slots[id & (kBlockSize - 1)].get();
}

void SeriesIdTable::Shard::collect(std::vector<SeriesPtr>& out) const {
  std::lock_guard<std::mutex> lock(mu);
  for (const auto& b : blocks) {
    if (b == nullptr) continue;
    for (const SeriesPtr& s : b->slots) {
      if (s) out.push_back(s);
    }
  }
}

void SeriesIdTable::insert(SeriesPtr s) {
  uint64_t id = s->id();
  Shard& sh = shard(id);
  uint64_t local = (id >> kBlockBits) >> sh.shard_bits;
  std::lock_guard<std::mutex> lock(sh.mu);
  if (sh.blocks.empty()) {
    sh.first = local;
  } else if (local < sh.first) {
    // An id older than the shard's oldest live block (WAL replay can restore
    // ids in any order): grow at the front.
    size_t gap = sh.first - local;
    std::vector<std::unique_ptr<Block>> grown(gap + sh.blocks.size());
    std::move(sh.blocks.begin(), sh.blocks.end(), grown.begin() + static_cast<ptrdiff_t>(gap));
    sh.blocks.swap(grown);
    sh.first = local;
  }
  if (local - sh.first >= sh.blocks.size()) sh.blocks.resize(local - sh.first + 1);
  auto& block = sh.blocks[local - sh.first];
  if (block == nullptr) block = std::make_unique<Block>();
  SeriesPtr& slot = block->slots[id & (kBlockSize - 1)];
  if (!slot) ++block->live;
  slot = std::move(s);
}

SeriesPtr SeriesIdTable::erase(uint64_t id) {
  Shard& sh = shard(id);
  uint64_t local = (id >> kBlockBits) >> sh.shard_bits;
  std::lock_guard<std::mutex> lock(sh.mu);
  if (local < sh.first || local - sh.first >= sh.blocks.size()) return SeriesPtr();
  auto& block = sh.blocks[local - sh.first];
  if (block == nullptr) return SeriesPtr();
  SeriesPtr out = std::move(block->slots[id & (kBlockSize - 1)]);
  if (!out) return out;
  if (--block->live == 0) {
    block.reset();
    // Trim freed blocks at both ends so the vector spans live blocks only.
    size_t lead = 0;
    while (lead < sh.blocks.size() && sh.blocks[lead] == nullptr) ++lead;
    if (lead == sh.blocks.size()) {
      sh.blocks.clear();
      sh.first = 0;
    } else {
      if (lead > 0) {
        sh.blocks.erase(sh.blocks.begin(), sh.blocks.begin() + static_cast<ptrdiff_t>(lead));
        sh.first += lead;
      }
      while (sh.blocks.back() == nullptr) sh.blocks.pop_back();
    }
    if (sh.blocks.capacity() > 2 * sh.blocks.size() + 16) sh.blocks.shrink_to_fit();
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
    n += shards_[i].blocks.capacity() * sizeof(void*);
    for (const auto& b : shards_[i].blocks) {
      if (b != nullptr) n += sizeof(Block);
    }
  }
  return n;
}

}  // namespace promlite::tsdb::head
