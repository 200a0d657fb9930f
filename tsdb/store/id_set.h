// SeriesIdSet: which series ids already have their labels and postings written
// to one partition, so each (partition, series) pair is written once.
//
// A sorted vector of ids plus a small sorted tail for ids that arrive out of
// order; the tail is merged into the vector when it grows past ~1/32 of it
// (at most 4096 entries). Ids mostly arrive increasing (the head hands them
// out that way), which appends to the vector directly. Memory is 8 bytes per
// id plus vector slack (at most 2x right after growth, exact after a merge).
//
// Thread-safety: none; the owner serialises access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace promlite::tsdb::store {

class SeriesIdSet {
 public:
  bool contains(uint64_t id) const;
  // Adds `id`; no-op when present.
  void insert(uint64_t id);
  size_t size() const { return main_.size() + tail_.size(); }
  // Heap bytes held.
  size_t memory_bytes() const { return (main_.capacity() + tail_.capacity()) * sizeof(uint64_t); }

 private:
  void merge_tail();

  std::vector<uint64_t> main_;  // sorted, unique
  std::vector<uint64_t> tail_;  // sorted, unique, disjoint from main_
};

}  // namespace promlite::tsdb::store
