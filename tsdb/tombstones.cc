#include "tsdb/tombstones.h"

#include "tsdb/chunkenc/varint.h"

namespace promlite::tsdb {

const Intervals* TombstoneSet::find(const model::Labels& labels) const {
  auto [lo, hi] = by_hash_.equal_range(labels.hash());
  for (auto it = lo; it != hi; ++it) {
    if (entries_[it->second].labels == labels) return &entries_[it->second].intervals;
  }
  return nullptr;
}

void TombstoneSet::add(const model::Labels& labels, const Intervals& iv) {
  uint64_t h = labels.hash();
  auto [lo, hi] = by_hash_.equal_range(h);
  for (auto it = lo; it != hi; ++it) {
    if (entries_[it->second].labels == labels) {
      entries_[it->second].intervals.add(iv);
      return;
    }
  }
  by_hash_.emplace(h, entries_.size());
  entries_.push_back({labels, iv});
}

std::string encode_intervals(const Intervals& iv) {
  std::string out;
  chunkenc::put_uvarint(out, iv.size());
  for (const Interval& i : iv) {
    chunkenc::put_varint(out, i.mint);
    chunkenc::put_uvarint(out, static_cast<uint64_t>(i.maxt) - static_cast<uint64_t>(i.mint));
  }
  return out;
}

Result<Intervals> decode_intervals(std::string_view data) {
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  const uint8_t* end = p + data.size();
  uint64_t n = 0;
  if (!chunkenc::get_uvarint(&p, end, &n) || n > data.size()) {
    return Status(StatusCode::kCorruption, "tombstone: bad interval count");
  }
  Intervals out;
  for (uint64_t k = 0; k < n; ++k) {
    int64_t mint = 0;
    uint64_t len = 0;
    if (!chunkenc::get_varint(&p, end, &mint) || !chunkenc::get_uvarint(&p, end, &len)) {
      return Status(StatusCode::kCorruption, "tombstone: truncated interval");
    }
    // A sum past kMaxTime wraps to a value below mint.
    uint64_t maxt_bits = static_cast<uint64_t>(mint) + len;
    auto maxt = static_cast<model::Timestamp>(maxt_bits);
    if (maxt < mint) return Status(StatusCode::kCorruption, "tombstone: interval wraps around");
    out.add({mint, maxt});
  }
  if (p != end) return Status(StatusCode::kCorruption, "tombstone: trailing bytes");
  return out;
}

std::string tombstone_key(const model::Labels& labels) {
  std::string k(kTombstoneKeyPrefix);
  k += labels.data();
  return k;
}

Result<model::Labels> parse_tombstone_key(std::string_view key) {
  if (!key.starts_with(kTombstoneKeyPrefix)) {
    return Status(StatusCode::kCorruption, "not a tombstone key");
  }
  key.remove_prefix(kTombstoneKeyPrefix.size());
  bool ok = true;
  model::Labels l = model::Labels::from_encoded(std::string(key), &ok);
  if (!ok || l.empty()) return Status(StatusCode::kCorruption, "tombstone key: malformed labels");
  return l;
}

}  // namespace promlite::tsdb
