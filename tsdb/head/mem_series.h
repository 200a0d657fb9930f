// MemSeries: one series in the head: its interned label set, its open XOR chunk
// and the sealed chunks cut from it.
//
// Layout is kept small on purpose (the head's budget is < 1 KiB per active
// series at 1M series): a one-byte lock, the 32-byte XorAppender state next to
// the open chunk's byte buffer, and a vector of shared pointers to sealed chunks.
// No per-sample allocation: the open chunk grows in place; a chunk is cut at
// `max_samples` samples or when a sample crosses the chunk's aligned time
// boundary (multiples of `chunk_range`), and sealed with encode_best() so
// integer-like data gets the compact codecs.
//
// Sealed chunks are immutable and shared: a reader takes shared_ptr copies under
// the lock and keeps reading after the series moves on or is dropped.
//
// Thread-safety: everything below `lock` is guarded by it; id() and labels()
// are immutable.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/labels.h"
#include "model/sample.h"
#include "model/status.h"
#include "tsdb/chunkenc/xor_chunk.h"
#include "tsdb/head/spin_lock.h"
#include "tsdb/intervals.h"

namespace promlite::tsdb::head {

struct SealedChunk {
  model::Timestamp min_t = 0;
  model::Timestamp max_t = 0;
  std::string data;  // a sealed chunk (any chunkenc::Encoding)
};

struct ChunkPolicy {
  uint32_t max_samples = 120;
  int64_t chunk_range = 2 * 3600 * 1000;  // ms; chunks never cross a multiple of it
};

class MemSeries {
 public:
  MemSeries(uint64_t id, model::Labels labels) : id_(id), labels_(std::move(labels)) {}
  MemSeries(const MemSeries&) = delete;
  MemSeries& operator=(const MemSeries&) = delete;

  // Intrusive reference count (see SeriesPtr): 4 bytes in padding instead of
  // a 16-byte shared_ptr control block and 16-byte owning pointers.
  void ref() const { refs_.fetch_add(1, std::memory_order_relaxed); }
  void unref() const {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  uint64_t id() const { return id_; }
  const model::Labels& labels() const { return labels_; }

  // --- Everything below REQUIRES `lock` held. ---
  // Members are declared in layout order (public and private interleaved) so
  // the small ones share words: the object is 192 bytes.
  mutable SpinLock lock;
  bool deleted = false;  // dropped by gc(); appends must re-resolve by labels
  // The series record is in the write-ahead log (or a checkpoint). Set by the
  // appender after logging; read without the lock (a stale false only logs
  // the record twice, which replay ignores).
  std::atomic<bool> logged{false};

 private:
  // One byte for two flags (the object has no padding left); both are
  // written under `lock`, or before the series is published.
  bool has_samples_ : 1 = false;
  // Every sample ever stored under id() is in memory: the series was created
  // in this process (not restored) and none of its chunks has left memory.
  bool holds_all_ : 1 = false;

 public:
  // Appender bookkeeping (see head_appender.h): samples of uncommitted batches
  // that target this series, the batch that appended last, and where that
  // batch keeps its newest sample for this series.
  uint32_t pending = 0;
  uint64_t pending_owner = 0;
  uint32_t pending_index = 0;

 private:
  mutable std::atomic<uint32_t> refs_{0};
  const uint64_t id_;
  const model::Labels labels_;

 public:
  // Whether the series ever had a sample (last_t()/last_v_bits() are valid);
  // its samples may since have moved to the store (see in_memory()).
  bool has_samples() const { return has_samples_; }
  model::Timestamp last_t() const { return last_t_; }
  uint64_t last_v_bits() const { return last_v_; }
  // Whether the head holds samples of this series (open or sealed chunks).
  bool in_memory() const { return app_.count() > 0 || !sealed_.empty(); }
  // Timestamp of the oldest sample held. REQUIRES: in_memory().
  model::Timestamp first_t() const { return sealed_.empty() ? open_min_t_ : sealed_[0]->min_t; }
  // See holds_all_. Set once, by the head, for a series it creates (before
  // publishing it); cleared when a chunk is scheduled to leave memory.
  bool holds_all() const { return holds_all_; }
  void set_holds_all() { holds_all_ = true; }
  // Timestamp of the oldest sample the head keeps: in the oldest sealed chunk
  // not scheduled to leave memory (see evicting()), or in the open chunk;
  // kMaxTime when there is none. Every later sample is kept too until it is
  // written to the store and then scheduled to leave.
  model::Timestamp kept_min_t() const {
    if (evicting_ < sealed_.size()) return sealed_[evicting_]->min_t;
    return app_.count() > 0 ? open_min_t_ : model::kMaxTime;
  }
  // Timestamp of the newest sample held. REQUIRES: in_memory().
  model::Timestamp mem_last_t() const { return app_.count() > 0 ? last_t_ : sealed_.back()->max_t; }

  // True when some sample has mint <= t <= maxt. Decodes at most one chunk.
  bool has_sample_in(model::Timestamp mint, model::Timestamp maxt) const;

  // Appends a sample newer than last_t(). Cuts and seals the open chunk first
  // when `policy` says so.
  void append(model::Timestamp t, double v, const ChunkPolicy& policy);

  // Seals the open chunk (if it holds samples) into the sealed list.
  void cut();

  const std::vector<std::shared_ptr<const SealedChunk>>& sealed() const { return sealed_; }
  const std::string& open_bytes() const { return open_; }
  uint32_t open_count() const { return app_.count(); }
  model::Timestamp open_min_t() const { return open_min_t_; }

  // Removes the samples in `deleted` from the chunks held (clean_tombstones).
  // An open chunk that holds deleted samples is sealed first; sealed chunks
  // holding deleted samples are replaced by re-encoded ones, or removed when
  // nothing is left. last_t() is unchanged (appends stay in order). Returns the
  // indices (before the call, ascending) of removed chunks that were flushed,
  // so the caller can fix its bookkeeping of chunks scheduled to leave
  // (flushed() and evicting() have already been lowered by their counts).
  std::vector<size_t> delete_samples(const Intervals& deleted);

  // Heap and object bytes held by this series (labels, chunks, this object).
  size_t memory_bytes() const;

  // --- Persistence (the DB layer's flusher and checkpoints). ---
  // sealed()[0, flushed()) are written to the store; the rest are not yet.
  // Written chunks stay in memory as a cache of recent data until the DB
  // schedules them to leave: sealed()[0, evicting()) are scheduled (and
  // dropped once no querier that may count on them is open); always
  // evicting() <= flushed().
  size_t flushed() const { return flushed_; }
  size_t unflushed() const { return sealed_.size() - flushed_; }
  void mark_flushed(size_t n) { flushed_ += static_cast<uint32_t>(n); }
  size_t evicting() const { return evicting_; }
  // Schedules the oldest `n` written chunks not yet scheduled to leave. From
  // here on the head no longer holds every sample of the series: a querier
  // pinned after this must read the store (see holds_all()).
  void schedule_eviction(size_t n) {
    if (n > 0) holds_all_ = false;
    evicting_ = static_cast<uint32_t>(std::min<size_t>(evicting_ + n, flushed_));
  }
  // Drops the oldest `n` sealed chunks, which must be scheduled to leave.
  void drop_evicting(size_t n);
  // Whether everything the head holds is in the store (nothing to lose on drop).
  bool all_flushed() const { return app_.count() == 0 && flushed_ == sealed_.size(); }
  const chunkenc::XorAppender& open_appender() const { return app_; }
  model::Timestamp open_end() const { return open_end_; }
  // Replaces the state with one read from a checkpoint. REQUIRES: no samples
  // yet and no readers. kCorruption when the parts do not fit together.
  Status restore(model::Timestamp last_t, uint64_t last_v_bits, std::string open,
                 const chunkenc::XorAppender::State& app, model::Timestamp open_min_t,
                 model::Timestamp open_end, std::vector<std::shared_ptr<const SealedChunk>> sealed);

 private:
  model::Timestamp last_t_ = 0;
  uint64_t last_v_ = 0;  // value bits
  model::Timestamp open_min_t_ = 0;
  model::Timestamp open_end_ = 0;  // exclusive aligned boundary of the open chunk
  chunkenc::XorAppender app_;
  uint32_t flushed_ = 0;
  uint32_t evicting_ = 0;
  std::string open_;
  std::vector<std::shared_ptr<const SealedChunk>> sealed_;
};

// An owning, thread-safe handle to a MemSeries (like shared_ptr, intrusive).
class SeriesPtr {
 public:
  SeriesPtr() = default;
  explicit SeriesPtr(MemSeries* s) : s_(s) {
    if (s_ != nullptr) s_->ref();
  }
  SeriesPtr(const SeriesPtr& o) : SeriesPtr(o.s_) {}
  SeriesPtr(SeriesPtr&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  SeriesPtr& operator=(SeriesPtr o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~SeriesPtr() {
    if (s_ != nullptr) s_->unref();
  }

  MemSeries* get() const { return s_; }
  MemSeries* operator->() const { return s_; }
  MemSeries& operator*() const { return *s_; }
  explicit operator bool() const { return s_ != nullptr; }

 private:
  MemSeries* s_ = nullptr;
};

}  // namespace promlite::tsdb::head
