// Head: the in-memory part of the TSDB that receives appends.
//
//   Head head;                                   // HeadOptions for tuning
//   auto app = head.appender();                  // tsdb::Appender
//   auto ref = app->append(0, labels, t, v);     // later: append(*ref, ...)
//   app->commit();
//   auto q = head.querier(mint, maxt);           // tsdb::Querier
//   head.gc(now - 1h);                           // drop series idle since then
//
// Series: keyed by label set (one interned model::Labels per series), each with
// a stable 64-bit id assigned at creation from a counter (never reused). The id
// is the SeriesRef handed to appenders; append(ref, ...) with a live ref finds
// the series through the id map and never hashes or compares labels.
//
// Series maps: `stripes` shards, each with its own mutex and a hash map (label
// hash -> series), so concurrent scrapes contend only when they touch the
// same shard at the same moment; and the id table (SeriesIdTable, sharded by
// blocks of consecutive ids), which owns the series (SeriesPtr, an intrusive
// count); queriers hold further references.
// Lock order: stripe mutex, then id-table shard, then series lock; never two
// stripes or two shards at once.
//
// Series are created at append time (as Prometheus does), so concurrent batches
// share them, but a series is visible to queriers only once it has a committed
// sample (select and label look-ups skip series without samples in bounds).
//
// Plugging in persistence later:
// - WAL: HeadAppender::commit() is the single place where a batch becomes
//   visible; a WAL writer logs new series (id + labels) and the batch's samples
//   (id, t, v) there before applying them. Replay recreates the series with
//   their logged ids (a create_series() variant taking the id and raising
//   next_id_ past it) and feeds the samples through the same apply path.
// - Chunk persistence: MemSeries::cut() produces immutable sealed chunks; a
//   writer takes them from there (or from sealed()), stores them in RocksDB and
//   the head drops its shared_ptr once written; readers keep theirs.
// - Retention of the head: gc(T) drops idle series; dropping sealed chunks older
//   than T from live series goes next to it.
//
// Thread-safety: every public method may be called from any thread.
// Lifetimes: appenders and queriers must not outlive the Head.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/labels.h"
#include "model/sample.h"
#include "model/status.h"
#include "tsdb/appender.h"
#include "tsdb/head/mem_series.h"
#include "tsdb/head/series_id_table.h"
#include "tsdb/index/mem_postings.h"
#include "tsdb/querier.h"

namespace promlite::tsdb::head {

struct HeadOptions {
  size_t stripes = 4096;  // rounded up to a power of two
  ChunkPolicy chunks;
  // Set by the DB: gc() keeps series that still hold chunks in memory (the DB
  // drops them once they are in the store and no open querier needs them).
  bool keep_unflushed = false;
};

// Where committed batches are logged before they are applied (the DB's WAL).
// log() gets the encoded records of one batch (tsdb/wal/records.h) and must
// append them atomically and in order; an error fails the commit.
class CommitLog {
 public:
  virtual ~CommitLog() = default;
  virtual Status log(std::span<const std::string_view> records) = 0;
};

// Self-metrics, plain counters; read with relaxed loads.
struct HeadStats {
  uint64_t series = 0;             // series currently in the head
  uint64_t series_created = 0;     // total ever created
  uint64_t series_removed = 0;     // total dropped by gc()
  uint64_t samples_appended = 0;   // samples stored by commits
  uint64_t out_of_order = 0;       // rejected by append() with kOutOfOrder
  uint64_t duplicates = 0;         // rejected by append() with kDuplicateSample
  uint64_t dropped_at_commit = 0;  // accepted, then lost to a racing batch
};

class Head : public Appendable, public Queryable {
 public:
  explicit Head(HeadOptions opts = {});
  ~Head() override;
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  // NOT YET: AppendOptions::allow_out_of_order is not supported by the head's
  // append-only chunks; older samples still fail with kOutOfOrder.
  std::unique_ptr<Appender> appender(const AppendOptions& opts = {}) override;
  Result<std::unique_ptr<Querier>> querier(model::Timestamp mint, model::Timestamp maxt) override;

  // Drops every series whose newest sample is older than `before` (or that has
  // no sample), unless an open batch holds samples for it, and removes them
  // from the postings. Returns how many were dropped. Refs to them stop
  // working (appends fall back to labels and create a fresh series).
  size_t gc(model::Timestamp before);

  HeadStats stats() const;

  // Newest sample timestamp appended or replayed (INT64_MIN before the first).
  model::Timestamp max_time() const { return max_time_.load(std::memory_order_relaxed); }
  void note_time(model::Timestamp t) {
    model::Timestamp cur = max_time_.load(std::memory_order_relaxed);
    while (t > cur && !max_time_.compare_exchange_weak(cur, t, std::memory_order_relaxed)) {
    }
  }

  // --- Persistence hooks (used by the DB layer). ---
  // Every commit logs its batch to `log` (not owned; null: no logging) under a
  // shared lock of the commit gate; exclusive_commit_gate() waits for the
  // commits in flight, so a WAL rotation under it separates batches cleanly.
  void set_commit_log(CommitLog* log) { commit_log_ = log; }
  CommitLog* commit_log() const { return commit_log_; }
  std::shared_mutex& commit_gate() { return commit_gate_; }
  // The series with id `id`, created with `labels` when absent (replay). An
  // existing series with other labels, or `labels` already held by another
  // id, is returned as is (the caller compares ids and labels).
  Result<SeriesPtr> restore_series(uint64_t id, const model::Labels& labels);
  // New series get ids above `id` (ids the store still uses). Before appends.
  void reserve_ids_through(uint64_t id);
  // Calls fn(const SeriesPtr&) for every series, without holding stripe locks
  // during the call (fn takes the series lock itself).
  template <typename Fn>
  void for_each_series(Fn&& fn) const;

  size_t num_series() const { return series_count_.load(std::memory_order_relaxed); }

  // Approximate bytes of series, chunks and index (for tests and status pages).
  size_t memory_bytes() const;

  // --- Used by the appender and querier implementations. ---
  struct Stripe {
    std::mutex mu;
    std::unordered_multimap<uint64_t, MemSeries*> by_hash;  // label hash -> series
  };

  // Looks up the series by `ref` (fast path) or by `labels`, creating it when
  // absent, and runs `fn(MemSeries&, bool created)` under the series lock and
  // the stripe mutex. A non-ok Status from fn is returned as is; otherwise the
  // series. fn must pin the series (MemSeries::pending) if the caller keeps the
  // pointer; gc() never drops a pinned series. A fresh series starts unpinned
  // and must be pinned by fn (it is unpublished again if fn fails).
  template <typename Fn>
  Result<MemSeries*> with_series(uint64_t ref, const model::Labels& labels, Fn&& fn);

  SeriesPtr series_by_id(uint64_t id) const;
  // The live series with exactly these labels, or null (never creates one).
  SeriesPtr find_series(const model::Labels& labels) const;
  const index::MemPostings& postings() const { return postings_; }
  const ChunkPolicy& chunk_policy() const { return opts_.chunks; }
  uint64_t next_appender_id() { return next_appender_id_.fetch_add(1) + 1; }

  std::atomic<uint64_t> samples_appended_{0};
  std::atomic<uint64_t> out_of_order_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<uint64_t> dropped_at_commit_{0};

 private:
  Stripe& stripe(uint64_t key) const { return stripes_[key & mask_]; }
  // Creates a series and adds it to the hash stripe's map (the caller holds
  // that stripe's mutex); the caller publishes it in the id table and the postings.
  SeriesPtr create_series(const model::Labels& labels, uint64_t hash);

  HeadOptions opts_;
  size_t mask_;
  std::unique_ptr<Stripe[]> stripes_;
  SeriesIdTable ids_;  // id -> series (the owner)
  index::MemPostings postings_;
  std::atomic<uint64_t> next_id_{0};
  std::atomic<uint64_t> next_appender_id_{0};
  std::atomic<uint64_t> series_count_{0};
  std::atomic<uint64_t> series_created_{0};
  std::atomic<uint64_t> series_removed_{0};
  std::atomic<model::Timestamp> max_time_{INT64_MIN};
  CommitLog* commit_log_ = nullptr;
  std::shared_mutex commit_gate_;
};

// Ok when `labels` can name a series: non-empty, no empty label name.
Status validate_series_labels(const model::Labels& labels);

template <typename Fn>
Result<MemSeries*> Head::with_series(uint64_t ref, const model::Labels& labels, Fn&& fn) {
  if (ref != 0) {
    MemSeries* found = nullptr;
    Status status;
    ids_.visit(ref, [&](MemSeries& s) {
      std::lock_guard<SpinLock> series_lock(s.lock);
      if (s.deleted) return;
      found = &s;
      status = fn(s, false);
    });
    if (found != nullptr) {
      if (!status) return status;
      return found;
    }
  }
  uint64_t hash = labels.hash();
  SeriesPtr created;
  {
    Stripe& st = stripe(hash);
    std::lock_guard<std::mutex> lock(st.mu);
    auto [lo, hi] = st.by_hash.equal_range(hash);
    for (auto it = lo; it != hi; ++it) {
      MemSeries* s = it->second;
      if (s->labels() != labels) continue;
      std::lock_guard<SpinLock> series_lock(s->lock);
      Status status = fn(*s, false);
      if (!status) return status;
      return s;
    }
    if (Status status = validate_series_labels(labels); !status) return status;
    created = create_series(labels, hash);
    std::lock_guard<SpinLock> series_lock(created->lock);
    Status status = fn(*created, true);
    if (!status) {
      // Nobody else saw the series yet (we still hold the stripe): unpublish it.
      auto [first, last] = st.by_hash.equal_range(hash);
      for (auto it = first; it != last; ++it) {
        if (it->second == created.get()) {
          st.by_hash.erase(it);
          break;
        }
      }
      return status;
    }
  }
  MemSeries* s = created.get();
  ids_.insert(std::move(created));
  postings_.add(s->id(), s->labels());
  return s;
}

template <typename Fn>
void Head::for_each_series(Fn&& fn) const {
  ids_.for_each(fn);
}

}  // namespace promlite::tsdb::head
