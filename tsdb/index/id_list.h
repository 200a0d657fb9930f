// IdList: a sorted list of series ids sized for postings.
//
// Most label values in a Kubernetes head are unique to one series (pod names,
// instance addresses), so most postings lists hold one id. IdList keeps one id
// inline (16 bytes, no allocation) and moves to a heap array growing by 1.5x
// beyond that; std::vector would cost 24 bytes plus a 32-byte heap block for
// the same single id.
//
// Not thread-safe; MemPostings guards it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <utility>

namespace promlite::tsdb::index {

class IdList {
 public:
  using SeriesId = uint64_t;

  IdList() = default;
  IdList(const IdList&) = delete;
  IdList& operator=(const IdList&) = delete;
  IdList(IdList&& o) noexcept { steal(o); }
  IdList& operator=(IdList&& o) noexcept {
    if (this != &o) {
      release();
      steal(o);
    }
    return *this;
  }
  ~IdList() { release(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return cap_ == 0 ? 1 : cap_; }
  // Heap bytes held.
  size_t heap_bytes() const { return cap_ == 0 ? 0 : cap_ * sizeof(SeriesId); }

  const SeriesId* data() const { return cap_ == 0 ? &inline_ : heap_; }
  std::span<const SeriesId> span() const { return {data(), size_}; }
  operator std::span<const SeriesId>() const { return span(); }  // NOLINT: a view

  // Inserts `id`, keeping the list sorted; ids usually arrive in order, so this
  // is a push_back and at most a few swaps.
  void insert_sorted(SeriesId id) {
    if (size_ == capacity()) grow();
    SeriesId* d = mutable_data();
    uint32_t i = size_++;
    for (; i > 0 && d[i - 1] > id; --i) d[i] = d[i - 1];
    d[i] = id;
  }

  // Removes every id for which pred(id) is true.
  template <typename Pred>
  void remove_if(Pred pred) {
    SeriesId* d = mutable_data();
    size_ = static_cast<uint32_t>(std::remove_if(d, d + size_, pred) - d);
    if (cap_ != 0 && size_ * 2 + 4 < cap_) shrink();
  }

 private:
  SeriesId* mutable_data() { return cap_ == 0 ? &inline_ : heap_; }

  void grow() { reallocate(capacity() + capacity() / 2 + 1); }
  void shrink() {
    if (size_ <= 1) {
      SeriesId keep = size_ == 1 ? heap_[0] : 0;
      delete[] heap_;
      cap_ = 0;
      inline_ = keep;
      return;
    }
    reallocate(size_);
  }
  void reallocate(uint32_t cap) {
    auto* fresh = new SeriesId[cap];
    std::memcpy(fresh, data(), size_ * sizeof(SeriesId));
    if (cap_ != 0) delete[] heap_;
    heap_ = fresh;
    cap_ = cap;
  }
  void release() {
    if (cap_ != 0) delete[] heap_;
    cap_ = 0;
    size_ = 0;
  }
  void steal(IdList& o) {
    size_ = o.size_;
    cap_ = o.cap_;
    if (cap_ == 0) {
      inline_ = o.inline_;
    } else {
      heap_ = o.heap_;
    }
    o.cap_ = 0;
    o.size_ = 0;
  }

  union {
    SeriesId inline_ = 0;  // when cap_ == 0
    SeriesId* heap_;       // when cap_ > 0
  };
  uint32_t size_ = 0;
  uint32_t cap_ = 0;  // 0: the single inline slot
};

}  // namespace promlite::tsdb::index
