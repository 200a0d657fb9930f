#include "tsdb/db.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <array>
#include <filesystem>
#include <shared_mutex>

#include "model/log.h"
#include "tsdb/checkpoint.h"
#include "tsdb/db_querier.h"
#include "tsdb/tombstone_querier.h"
#include "tsdb/wal_replay.h"

namespace promlite::tsdb {

namespace fs = std::filesystem;

namespace {

// Bytes under `dir`, without snapshots/ (copies made for the user, mostly hard
// links to store files; Prometheus does not count them either).
uint64_t dir_bytes(const fs::path& dir) {
  uint64_t n = 0;
  std::error_code ec;
  const fs::path snapshots = dir / "snapshots";
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it.depth() == 0 && it->path() == snapshots) {
      it.disable_recursion_pending();
      continue;
    }
    std::error_code fec;
    if (it->is_regular_file(fec)) n += it->file_size(fec);
  }
  return n;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

uint64_t ns_since(std::chrono::steady_clock::time_point start) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count());
}

}  // namespace

// The head's CommitLog: the WAL writer.
class DB::WalLog final : public head::CommitLog {
 public:
  explicit WalLog(wal::Writer* w) : w_(w) {}
  Status log(std::span<const std::string_view> records) override { return w_->log(records); }

 private:
  wal::Writer* w_;
};

DB::DB(DbOptions opts)
    : opts_(std::move(opts)),
      head_([&] {
        head::HeadOptions h = opts_.head;
        h.keep_unflushed = true;
        return h;
      }()),
      head_holds_(std::make_unique<HeadHolds>(&head_)) {}

Result<std::unique_ptr<DB>> DB::open(DbOptions opts) {
  if (opts.dir.empty()) return invalid_argument("empty data directory");
  if (opts.store.partition_ms <= 0 || opts.head.chunks.chunk_range <= 0 ||
      opts.store.partition_ms % opts.head.chunks.chunk_range != 0) {
    return invalid_argument("the partition length must be a multiple of the chunk range");
  }
  std::unique_ptr<DB> db(new DB(std::move(opts)));
  auto lock = DataDirLock::acquire(db->opts_.dir);
  if (!lock) return lock.status();
  db->lock_ = std::move(*lock);
  if (Status s = db->recover(); !s) return s;
  if (db->opts_.maintenance_interval.count() > 0) {
    db->thread_ = std::thread([d = db.get()] { d->run(); });
  }
  return db;
}

Status DB::recover() {
  auto start = std::chrono::steady_clock::now();
  fs::path dir(opts_.dir);
  auto store = store::Store::open((dir / "store").string(), opts_.store);
  if (!store) return store.status();
  store_ = std::move(*store);
  if (Status s = load_tombstones(); !s) return s;
  // Series gone from the head (idle, or left out of the checkpoint) keep
  // their ids in the store: new series must not take them.
  auto max_id = store_->max_series_id();
  if (!max_id) return max_id.status();
  head_.reserve_ids_through(*max_id);

  std::string wal_dir = (dir / "wal").string();
  uint64_t first_segment = 0;
  auto cp = latest_checkpoint(opts_.dir);
  if (cp) {
    auto n = load_checkpoint(cp->path, head_);
    if (!n) return n.status();
    first_segment = cp->segment;
    LOG_INFO("Loaded head checkpoint", {"dir", cp->path}, {"series", *n});
  } else if (cp.status().code() != StatusCode::kNotFound) {
    return cp.status();
  }
  // Long replays move sealed chunks out of memory as they go, so replay never
  // holds more than the steady state does.
  auto progress = [this] {
    (void)flush_chunks();
    evict_flushed_chunks(/*keep_recent=*/false);
  };
  start_replay_status(wal_dir, first_segment);
  auto replay = replay_wal(wal_dir, first_segment, head_, progress);
  if (!replay) return replay.status();
  finish_replay_status();
  replayed_samples_ = replay->samples;
  head_holds_->set_recovered_until(head_.max_time());
  replay_skipped_ = replay->unknown_series;
  wal_corruptions_ = replay->corrupted ? 1 : 0;

  wal::WriterOptions wopts;
  wopts.segment_bytes = opts_.wal_segment_bytes;
  wopts.sync_interval = opts_.wal_sync_interval;
  auto writer = wal::Writer::open(wal_dir, wopts, first_segment);
  if (!writer) return writer.status();
  wal_ = std::move(*writer);
  wal_log_ = std::make_unique<WalLog>(wal_.get());
  head_.set_commit_log(wal_log_.get());
  last_checkpoint_ms_ = now();
  wal_bytes_at_checkpoint_ = wal_->stats().bytes_written;
  replay_seconds_ = seconds_since(start);
  LOG_INFO("TSDB opened", {"dir", opts_.dir}, {"series", static_cast<uint64_t>(head_.num_series())},
           {"replayed_samples", replay->samples}, {"wal_records", replay->records},
           {"seconds", replay_seconds_});
  return Status::ok();
}

DB::~DB() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (wal_) {
    // A final checkpoint makes the next start read a snapshot, not the WAL.
    if (Status s = maintenance(true); !s) LOG_WARN("Final TSDB checkpoint failed", {"err", s});
    // Memtables to compressed files: RocksDB's log of the chunk writes goes.
    if (Status s = store_->flush(); !s) LOG_WARN("Final store flush failed", {"err", s});
    head_.set_commit_log(nullptr);
    wal_.reset();
  }
}

model::Timestamp DB::head_reference_time() const {
  // Data time, as Prometheus's head uses: a backfill of old samples is not
  // "idle" while it is being written. Capped by the clock against samples
  // stamped in the future.
  model::Timestamp t = head_.max_time();
  return t == INT64_MIN ? now() : std::min<model::Timestamp>(t, now());
}

int64_t DB::now() const {
  if (opts_.now_ms) return opts_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<Appender> DB::appender(const AppendOptions& opts) { return head_.appender(opts); }

Result<std::unique_ptr<Querier>> DB::querier(model::Timestamp mint, model::Timestamp maxt) {
  // Tombstones first: clean_tombstones() drops them only after rewriting the
  // data, so a querier never sees old data without them.
  std::shared_ptr<const TombstoneSet> ts = tombstones();
  auto q = raw_querier(mint, maxt);
  if (!q || ts == nullptr) return q;
  return make_tombstone_querier(std::move(q).value(), std::move(ts), mint, maxt);
}

Result<std::unique_ptr<Querier>> DB::raw_querier(model::Timestamp mint, model::Timestamp maxt) {
  uint64_t epoch = pin_epoch();
  auto head_q = head_.querier(mint, maxt);
  if (!head_q) {
    unpin_epoch(epoch);
    return head_q.status();
  }
  auto store_q = store_->querier(mint, maxt, head_holds_.get());
  if (!store_q) {
    unpin_epoch(epoch);
    return store_q.status();
  }
  return std::unique_ptr<Querier>(
      std::make_unique<DbQuerier>(this, epoch, std::move(*head_q), std::move(*store_q)));
}

uint64_t DB::pin_epoch() {
  std::lock_guard<std::mutex> lock(epoch_mu_);
  pinned_.insert(epoch_);
  return epoch_;
}

void DB::unpin_epoch(uint64_t epoch) {
  std::lock_guard<std::mutex> lock(epoch_mu_);
  auto it = pinned_.find(epoch);
  if (it != pinned_.end()) pinned_.erase(it);
}

Status DB::flush_chunks() {
  auto start = std::chrono::steady_clock::now();
  const model::Timestamp idle_before = head_reference_time() - opts_.head_idle_ms;
  std::vector<store::ChunkRecord> batch;
  std::vector<std::shared_ptr<const head::SealedChunk>> keep;  // data alive while written
  std::vector<std::pair<head::SeriesPtr, uint32_t>> marked;
  Status result;
  auto write = [&]() {
    if (batch.empty() || !result) return;
    result = store_->write(batch, false);
    if (!result) {
      flush_failures_.fetch_add(1, std::memory_order_relaxed);
    } else {
      for (auto& [s, n] : marked) {
        std::lock_guard<head::SpinLock> lock(s->lock);
        s->mark_flushed(n);
      }
      chunks_flushed_.fetch_add(batch.size(), std::memory_order_relaxed);
    }
    batch.clear();
    keep.clear();
    marked.clear();
  };
  head_.for_each_series([&](const head::SeriesPtr& s) {
    if (!result) return;
    {
      std::lock_guard<head::SpinLock> lock(s->lock);
      // Idle series: their open chunk will not fill up; store it now.
      if (s->open_count() > 0 && s->pending == 0 && s->last_t() < idle_before) s->cut();
      size_t n = s->unflushed();
      if (n == 0) return;
      const auto& sealed = s->sealed();
      for (size_t i = s->flushed(); i < sealed.size(); ++i) {
        keep.push_back(sealed[i]);
        batch.push_back({s->id(), &s->labels(), sealed[i]->data});
      }
      marked.emplace_back(s, static_cast<uint32_t>(n));
    }
    if (batch.size() >= 8192) write();
  });
  write();
  flush_ns_.fetch_add(ns_since(start), std::memory_order_relaxed);
  if (!result) LOG_WARN("Writing chunks to the store failed; will retry", {"err", result});
  return result;
}

void DB::evict_flushed_chunks(bool keep_recent) {
  const bool cache = keep_recent && opts_.head_cache_bytes > 0 && opts_.head_cache_ms > 0;
  const model::Timestamp ref = head_reference_time();
  // Series idle this long would have left the head (gc); while their
  // chunks are cached they stay, and the whole series counts in the budget.
  const model::Timestamp idle_before = ref - opts_.head_idle_ms;
  // Cached: written chunks whose newest sample is less than cache_age behind
  // the head's newest, cache_age being the largest multiple of 1/kBuckets of
  // head_cache_ms whose chunks (measured now, this round's included) fit in
  // the budget.
  int64_t cache_age = 0;
  if (cache) {
    constexpr int64_t kBuckets = 64;
    std::array<uint64_t, kBuckets> bytes{};  // by age, the newest first
    auto bucket = [&](model::Timestamp max_t) {
      return static_cast<size_t>(std::max<int64_t>(0, ref - max_t) * kBuckets /
                                 opts_.head_cache_ms);
    };
    head_.for_each_series([&](const head::SeriesPtr& s) {
      std::lock_guard<head::SpinLock> lock(s->lock);
      const auto& sealed = s->sealed();
      size_t newest = SIZE_MAX;
      for (size_t i = s->evicting(); i < s->flushed(); ++i) {
        if (ref - sealed[i]->max_t >= opts_.head_cache_ms) continue;
        // The bytes, the SealedChunk and its shared_ptr control block.
        bytes[bucket(sealed[i]->max_t)] +=
            sealed[i]->data.capacity() + sizeof(head::SealedChunk) + 16;
        newest = i;
      }
      if (newest != SIZE_MAX && s->last_t() < idle_before) {
        // The series object, its labels and index entries.
        bytes[bucket(sealed[newest]->max_t)] += s->labels().memory_bytes() + 256;
      }
    });
    uint64_t total = 0;
    int64_t fit = 0;
    while (fit < kBuckets && total + bytes[static_cast<size_t>(fit)] <= opts_.head_cache_bytes) {
      total += bytes[static_cast<size_t>(fit)];
      ++fit;
    }
    cache_age = opts_.head_cache_ms * fit / kBuckets;
  }
  std::vector<std::pair<head::SeriesPtr, uint32_t>> scheduled;
  head_.for_each_series([&](const head::SeriesPtr& s) {
    std::lock_guard<head::SpinLock> lock(s->lock);
    const model::Timestamp keep_after = cache ? ref - cache_age : model::kMaxTime;
    const auto& sealed = s->sealed();
    size_t i = s->evicting();
    // Chunks are in time order: the old ones are a prefix.
    while (i < s->flushed() && sealed[i]->max_t <= keep_after) ++i;
    if (size_t n = i - s->evicting(); n > 0) {
      s->schedule_eviction(n);
      scheduled.emplace_back(s, static_cast<uint32_t>(n));
    }
  });
  std::vector<PendingDrop> ready;
  {
    std::lock_guard<std::mutex> lock(epoch_mu_);
    if (!scheduled.empty()) {
      // A querier pinned at this epoch or before may have counted on these
      // chunks in the head (HeadHolds); later ones read them from the store.
      drops_.push_back({epoch_, std::move(scheduled)});
      ++epoch_;
    }
    // drops_ is in epoch order (forget_flushed_chunks relies on it): the
    // ready ones are a prefix.
    uint64_t oldest = pinned_.empty() ? UINT64_MAX : *pinned_.begin();
    auto keep_from_it = std::find_if(drops_.begin(), drops_.end(),
                                     [&](const PendingDrop& d) { return d.epoch >= oldest; });
    ready.assign(std::make_move_iterator(drops_.begin()), std::make_move_iterator(keep_from_it));
    drops_.erase(drops_.begin(), keep_from_it);
  }
  for (auto& d : ready) {
    for (auto& [s, n] : d.chunks) {
      std::lock_guard<head::SpinLock> lock(s->lock);
      s->drop_evicting(n);
    }
  }
}

Status DB::apply_retention() {
  size_t dropped = 0;
  if (opts_.retention_ms > 0) {
    auto n = store_->drop_before(now() - opts_.retention_ms);
    if (!n) return n.status();
    dropped += *n;
  }
  if (opts_.retention_bytes > 0) {
    // Oldest partitions first, WAL and checkpoints counted; the newest
    // partition stays (it is being written).
    while (disk_bytes() > opts_.retention_bytes && store_->partitions().size() > 1) {
      auto n = store_->drop_oldest();
      if (!n) return n.status();
      if (*n == 0) break;
      dropped += *n;
    }
  }
  if (dropped > 0) {
    partitions_dropped_.fetch_add(dropped, std::memory_order_relaxed);
    LOG_INFO("Retention dropped partitions", {"count", static_cast<uint64_t>(dropped)});
  }
  return Status::ok();
}

// Flushed chunks and collected series free many small blocks all over the
// heap; glibc keeps them mapped, so without this the RSS of a steady head
// settles well above what it holds (1M series x 2h: 1.7 KB per series
// against 1.0 KB after a restart loaded the same head).
void DB::release_free_memory() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

Status DB::maintenance(bool force_checkpoint) {
  std::lock_guard<std::mutex> lock(maintenance_mu_);
  Status result = flush_chunks();
  evict_flushed_chunks(/*keep_recent=*/true);
  // Idle series leave the head once their chunks have left memory (which
  // waits for the queriers that might still read them there).
  head_.gc(head_reference_time() - opts_.head_idle_ms);
  release_free_memory();
  if (Status s = apply_retention(); !s) {
    LOG_WARN("Retention failed", {"err", s});
    if (result) result = s;
  }
  uint64_t wal_growth = wal_->stats().bytes_written - wal_bytes_at_checkpoint_;
  bool due = force_checkpoint || now() - last_checkpoint_ms_ >= opts_.checkpoint_interval.count() ||
             wal_growth >= opts_.checkpoint_wal_bytes;
  if (due && result) result = checkpoint_locked();
  return result;
}

void DB::set_wal_hold(std::function<std::optional<uint64_t>()> hold, uint64_t max_bytes) {
  std::lock_guard<std::mutex> lock(hold_mu_);
  wal_hold_ = std::move(hold);
  wal_hold_max_bytes_ = max_bytes;
}

std::string DB::wal_dir() const { return (fs::path(opts_.dir) / "wal").string(); }

uint64_t DB::keep_wal_from(uint64_t checkpoint_segment) {
  std::lock_guard<std::mutex> lock(hold_mu_);
  if (!wal_hold_) return checkpoint_segment;
  std::optional<uint64_t> held = wal_hold_();
  if (!held || *held >= checkpoint_segment) return checkpoint_segment;
  uint64_t wal_bytes = wal_->stats().disk_bytes;
  if (wal_hold_max_bytes_ > 0 && wal_bytes > wal_hold_max_bytes_) {
    LOG_WARN("WAL kept for remote write exceeds its size limit; deleting the oldest segments",
             {"bytes", wal_bytes}, {"limit", wal_hold_max_bytes_});
    return checkpoint_segment;
  }
  return *held;
}

Status DB::checkpoint() {
  std::lock_guard<std::mutex> lock(maintenance_mu_);
  if (Status s = flush_chunks(); !s) return s;
  return checkpoint_locked();
}

Status DB::checkpoint_locked() {
  auto start = std::chrono::steady_clock::now();
  // Chunks already marked flushed are left out of the snapshot: they must be
  // durable in the store before the WAL that holds their samples goes.
  Status s = store_->sync_wal();
  uint64_t segment = 0;
  if (s) {
    std::unique_lock<std::shared_mutex> gate(head_.commit_gate());
    auto seg = wal_->rotate();
    if (seg) {
      segment = *seg;
    } else {
      s = seg.status();
    }
  }
  uint64_t bytes_before = wal_->stats().bytes_written;
  if (s) {
    auto written = write_checkpoint(head_, opts_.dir, segment);
    if (!written) s = written.status();
  }
  if (s) s = wal_->remove_segments_before(keep_wal_from(segment));
  if (s) s = remove_checkpoints_before(opts_.dir, segment);
  checkpoint_ns_.fetch_add(ns_since(start), std::memory_order_relaxed);
  if (!s) {
    checkpoint_failures_.fetch_add(1, std::memory_order_relaxed);
    LOG_WARN("Head checkpoint failed", {"err", s});
    return s;
  }
  checkpoints_.fetch_add(1, std::memory_order_relaxed);
  last_checkpoint_ms_ = now();
  wal_bytes_at_checkpoint_ = bytes_before;
  LOG_DEBUG("Head checkpoint written", {"segment", segment}, {"seconds", seconds_since(start)});
  return Status::ok();
}

void DB::run() {
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, opts_.maintenance_interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    (void)maintenance(false);
    lock.lock();
  }
}

uint64_t DB::disk_bytes() const { return dir_bytes(opts_.dir); }

DbStats DB::stats() const {
  DbStats s;
  s.head = head_.stats();
  s.chunks_flushed = chunks_flushed_.load(std::memory_order_relaxed);
  s.flush_failures = flush_failures_.load(std::memory_order_relaxed);
  s.flush_seconds = static_cast<double>(flush_ns_.load(std::memory_order_relaxed)) / 1e9;
  s.checkpoints = checkpoints_.load(std::memory_order_relaxed);
  s.checkpoint_failures = checkpoint_failures_.load(std::memory_order_relaxed);
  s.checkpoint_seconds = static_cast<double>(checkpoint_ns_.load(std::memory_order_relaxed)) / 1e9;
  auto parts = store_->partitions();
  s.partitions = parts.size();
  if (!parts.empty()) s.min_time = parts.front().start;
  s.partitions_dropped = partitions_dropped_.load(std::memory_order_relaxed);
  s.store_bytes = store_->disk_bytes();
  s.wal = wal_ ? wal_->stats() : wal::WalStats{};
  s.wal_bytes = s.wal.disk_bytes + checkpoint_bytes(opts_.dir);
  s.replayed_samples = replayed_samples_;
  s.replay_skipped = replay_skipped_;
  s.replay_seconds = replay_seconds_;
  s.wal_corruptions = wal_corruptions_;
  return s;
}

}  // namespace promlite::tsdb
