#include "tsdb/agent/agent_storage.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <filesystem>

#include "model/log.h"
#include "tsdb/agent/agent_appender.h"
#include "tsdb/agent/agent_checkpoint.h"
#include "tsdb/wal/reader.h"
#include "tsdb/wal/records.h"
#include "tsdb/wal/segment.h"

namespace promlite::tsdb::agent {

namespace fs = std::filesystem;

namespace {

uint64_t ns_since(std::chrono::steady_clock::time_point start) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count());
}

}  // namespace

AgentStorage::AgentStorage(AgentOptions opts) : opts_(std::move(opts)) {}

Result<std::unique_ptr<AgentStorage>> AgentStorage::open(AgentOptions opts) {
  if (opts.dir.empty()) return invalid_argument("empty agent storage directory");
  // Prometheus's validateOptions: min <= max, and max covers a truncation period.
  if (opts.min_wal_time_ms <= 0) opts.min_wal_time_ms = kDefaultMinWalTimeMs;
  if (opts.max_wal_time_ms <= 0) opts.max_wal_time_ms = kDefaultMaxWalTimeMs;
  if (opts.min_wal_time_ms > opts.max_wal_time_ms) opts.max_wal_time_ms = opts.min_wal_time_ms;
  opts.max_wal_time_ms = std::max<int64_t>(opts.max_wal_time_ms, opts.truncate_frequency.count());
  std::unique_ptr<AgentStorage> st(new AgentStorage(std::move(opts)));
  if (Status s = st->lock_dir(); !s) return s;
  if (Status s = st->recover(); !s) return s;
  if (st->opts_.truncate_frequency.count() > 0) {
    st->thread_ = std::thread([p = st.get()] { p->run(); });
  }
  return st;
}

Status AgentStorage::lock_dir() {
  std::error_code ec;
  fs::create_directories(opts_.dir, ec);
  if (ec) return io_error("create agent storage directory \"" + opts_.dir + "\": " + ec.message());
  if (opts_.no_lockfile) return Status::ok();
  auto lock = DataDirLock::acquire(opts_.dir);
  if (!lock) return lock.status();
  lock_ = std::move(*lock);
  return Status::ok();
}

std::string AgentStorage::wal_dir() const { return (fs::path(opts_.dir) / "wal").string(); }

Status AgentStorage::recover() {
  auto start = std::chrono::steady_clock::now();
  uint64_t first = 0;
  uint64_t next = 1;
  std::vector<Series*> replaced;
  auto cp = latest_agent_checkpoint(opts_.dir);
  if (cp) {
    auto loaded = load_agent_checkpoint(cp->path, [&](const SnapshotEntry& e) -> Status {
      bool ok = false;
      model::Labels ls = model::Labels::from_encoded(std::string(e.encoded_labels), &ok);
      if (!ok || ls.empty()) return Status(StatusCode::kCorruption, "bad label set");
      Series* s = Series::create(e.id, e.encoded_labels, ls.hash());
      s->last_t.store(e.last_t, std::memory_order_relaxed);
      s->logged.store(true, std::memory_order_relaxed);
      if (series_.by_id(e.id) != nullptr) {
        Series::destroy(s);  // listed twice: keep the first
        return Status::ok();
      }
      if (Series* loser = series_.restore(s)) replaced.push_back(loser);
      next = std::max(next, e.id + 1);
      return Status::ok();
    });
    if (!loaded) {
      for (Series* s : replaced) Series::destroy(s);
      return loaded.status();
    }
    next = std::max(next, *loaded);
    first = cp->segment;
    LOG_INFO("Agent checkpoint loaded", {"dir", cp->path},
             {"series", static_cast<uint64_t>(series_.size())});
  } else if (cp.status().code() != StatusCode::kNotFound) {
    return cp.status();
  }
  next_id_.store(next);
  for (Series* s : replaced) graveyard_.push_back({s, 0, std::nullopt});
  if (Status s = replay_segments(first); !s) return s;

  wal::WriterOptions wopts;
  wopts.segment_bytes = opts_.wal_segment_bytes;
  wopts.sync_interval = opts_.wal_sync_interval;
  auto writer = wal::Writer::open(wal_dir(), wopts, first);
  if (!writer) return writer.status();
  wal_ = std::move(*writer);
  // Series that lost their labels to a newer id may appear in any segment
  // written so far.
  const uint64_t cur = wal_->current_segment();
  for (Dead& d : graveyard_) d.segment = cur > 0 ? cur - 1 : 0;
  deleted_series_.store(graveyard_.size());
  replay_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  LOG_INFO("Agent WAL storage started", {"dir", opts_.dir},
           {"series", static_cast<uint64_t>(series_.size())}, {"wal_records", replayed_records_},
           {"seconds", replay_seconds_});
  return Status::ok();
}

Status AgentStorage::replay_segments(uint64_t from) {
  const std::string dir = wal_dir();
  auto reader = wal::Reader::open(dir, from);
  if (!reader) return reader.status();
  std::vector<wal::SeriesRecord> series;
  std::vector<wal::RefSample> samples;
  Series* cached = nullptr;
  uint64_t next = next_id_.load();
  Status bad;
  while ((*reader)->next()) {
    std::string_view rec = (*reader)->record();
    ++replayed_records_;
    auto type = wal::record_type(rec);
    if (!type) {
      bad = type.status();
    } else if (*type == wal::RecordType::kSeries) {
      series.clear();
      bad = wal::decode_series(rec, series);
      for (size_t i = 0; bad && i < series.size(); ++i) {
        const wal::SeriesRecord& r = series[i];
        next = std::max(next, r.id + 1);
        if (series_.by_id(r.id) != nullptr) continue;  // logged again by a second appender
        Series* s = Series::create(r.id, r.labels.data(), r.labels.hash());
        s->logged.store(true, std::memory_order_relaxed);
        if (Series* loser = series_.restore(s)) graveyard_.push_back({loser, 0, std::nullopt});
      }
    } else if (*type == wal::RecordType::kSamples) {
      samples.clear();
      bad = wal::decode_samples(rec, samples);
      int64_t min_t = INT64_MAX;
      for (size_t i = 0; bad && i < samples.size(); ++i) {
        const wal::RefSample& rs = samples[i];
        if (cached == nullptr || cached->id() != rs.id) cached = series_.by_id(rs.id);
        if (cached == nullptr) {
          // Maybe a series that lost its labels to a newer id: still fine.
          ++replay_unknown_;
          continue;
        }
        cached->advance(rs.t);
        min_t = std::min(min_t, rs.t);
      }
      if (min_t != INT64_MAX) {
        auto [it, inserted] = segment_min_t_.try_emplace((*reader)->segment(), min_t);
        if (!inserted) it->second = std::min(it->second, min_t);
      }
    }
    // Other record types are skipped.
    if (!bad) break;
  }
  next_id_.store(next);
  Status status = bad ? (*reader)->status() : bad;
  if (status) return Status::ok();
  if (status.code() != StatusCode::kCorruption) return status;
  uint64_t seg = (*reader)->segment(), off = (*reader)->offset();
  reader->reset();
  LOG_WARN("Agent WAL corruption: truncating the log at the last good record", {"segment", seg},
           {"offset", off}, {"err", status.message()});
  ++wal_corruptions_;
  return wal::repair(dir, seg, off);
}

AgentStorage::~AgentStorage() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // No truncation here: the remote-write queues have stopped and could not
  // say which segments they still need. The next start replays the WAL.
  wal_.reset();
  for (Dead& d : graveyard_) Series::destroy(d.series);
}

std::unique_ptr<Appender> AgentStorage::appender(const AppendOptions&) {
  return std::make_unique<AgentAppender>(this);
}

Result<std::unique_ptr<Querier>> AgentStorage::querier(model::Timestamp, model::Timestamp) {
  return Status(StatusCode::kUnavailable, kUnsupportedMessage);
}

Status AgentStorage::log(std::span<const std::string_view> records, int64_t min_t,
                         const std::function<void()>& applied) {
  std::shared_lock<std::shared_mutex> gate(commit_gate_);
  if (Status s = wal_->log(records); !s) return s;
  applied();
  uint64_t seg = wal_->current_segment();
  std::lock_guard<std::mutex> lock(seg_mu_);
  auto [it, inserted] = segment_min_t_.try_emplace(seg, min_t);
  if (!inserted && min_t < it->second) it->second = min_t;
  return Status::ok();
}

uint64_t AgentStorage::pin() {
  std::lock_guard<std::mutex> lock(epoch_mu_);
  pinned_.insert(epoch_);
  return epoch_;
}

void AgentStorage::unpin(uint64_t epoch) {
  std::lock_guard<std::mutex> lock(epoch_mu_);
  auto it = pinned_.find(epoch);
  if (it != pinned_.end()) pinned_.erase(it);
}

void AgentStorage::count_appended(uint64_t n, uint64_t created, uint64_t out_of_order) {
  if (n) samples_appended_.fetch_add(n, std::memory_order_relaxed);
  if (created) series_created_.fetch_add(created, std::memory_order_relaxed);
  if (out_of_order) out_of_order_.fetch_add(out_of_order, std::memory_order_relaxed);
}

void AgentStorage::set_wal_hold(std::function<std::optional<uint64_t>()> hold, uint64_t max_bytes) {
  std::lock_guard<std::mutex> lock(hold_mu_);
  wal_hold_ = std::move(hold);
  wal_hold_max_bytes_ = max_bytes;
}

uint64_t AgentStorage::keep_wal_from(uint64_t segment) {
  std::lock_guard<std::mutex> lock(hold_mu_);
  if (!wal_hold_) return segment;
  std::optional<uint64_t> held = wal_hold_();
  if (!held || *held >= segment) return segment;
  uint64_t bytes = wal_->stats().disk_bytes;
  if (wal_hold_max_bytes_ > 0 && bytes > wal_hold_max_bytes_) {
    LOG_WARN("WAL kept for remote write exceeds its size limit; deleting the oldest segments",
             {"bytes", bytes}, {"limit", wal_hold_max_bytes_});
    return segment;
  }
  return *held;
}

int64_t AgentStorage::now() const {
  if (opts_.now_ms) return opts_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Prometheus's cut-off: the lowest time not yet sent minus min_wal_time, but
// at most max_wal_time ago. The lowest unsent time is approximated by the
// oldest sample logged into the oldest segment a queue still needs (now,
// when no queue holds anything back).
int64_t AgentStorage::cutoff() {
  const int64_t t_now = now();
  int64_t lowest = t_now;
  std::optional<uint64_t> held;
  {
    std::lock_guard<std::mutex> lock(hold_mu_);
    if (wal_hold_) held = wal_hold_();
  }
  if (held) {
    std::lock_guard<std::mutex> lock(seg_mu_);
    auto it = segment_min_t_.lower_bound(*held);
    if (it != segment_min_t_.end()) lowest = std::min(lowest, it->second);
  }
  int64_t ts = std::max<int64_t>(lowest - opts_.min_wal_time_ms, 0);
  return std::max(ts, t_now - opts_.max_wal_time_ms);
}

void AgentStorage::bury(std::vector<Series*> dead) {
  if (dead.empty()) return;
  uint64_t epoch;
  {
    std::lock_guard<std::mutex> lock(epoch_mu_);
    epoch = epoch_++;
  }
  for (Series* s : dead) graveyard_.push_back({s, epoch, std::nullopt});
}

// Dropped series no appender can still hold get the last segment that may
// refer to them (the current one); those never logged are freed at once, and
// those whose segments are all gone (below keep_from) too.
void AgentStorage::settle_graveyard(uint64_t keep_from) {
  uint64_t oldest_pin;
  {
    std::lock_guard<std::mutex> lock(epoch_mu_);
    oldest_pin = pinned_.empty() ? UINT64_MAX : *pinned_.begin();
  }
  const uint64_t current = wal_->current_segment();
  size_t out = 0;
  for (Dead& d : graveyard_) {
    bool free_it = false;
    if (d.epoch < oldest_pin) {
      if (!d.series->logged.load(std::memory_order_relaxed)) {
        free_it = true;
      } else if (!d.segment) {
        d.segment = current;
      } else if (*d.segment < keep_from) {
        free_it = true;
      }
    }
    if (free_it) {
      Series::destroy(d.series);
    } else {
      graveyard_[out++] = d;
    }
  }
  graveyard_.resize(out);
  deleted_series_.store(graveyard_.size(), std::memory_order_relaxed);
}

Status AgentStorage::truncate(std::optional<int64_t> mint) {
  std::lock_guard<std::mutex> lock(maintenance_mu_);
  auto start = std::chrono::steady_clock::now();
  const int64_t cut = mint ? *mint : cutoff();
  bury(series_.take_idle(cut));
  settle_graveyard(0);

  uint64_t segment = 0;
  {
    std::unique_lock<std::shared_mutex> gate(commit_gate_);
    auto seg = wal_->rotate();
    if (!seg) {
      checkpoint_failures_.fetch_add(1, std::memory_order_relaxed);
      return seg.status();
    }
    segment = *seg;
  }
  const uint64_t keep_from = keep_wal_from(segment);
  auto written = write_agent_checkpoint(
      opts_.dir, segment, next_id_.load(),
      [&](const std::function<void(const SnapshotEntry&)>& emit) {
        series_.for_each([&](Series* s) {
          if (!s->logged.load(std::memory_order_relaxed)) return;
          emit({s->id(), s->encoded_labels(), s->last_t.load(std::memory_order_relaxed)});
        });
        for (const Dead& d : graveyard_) {
          if (!d.series->logged.load(std::memory_order_relaxed)) continue;
          if (d.segment && *d.segment < keep_from) continue;
          emit({d.series->id(), d.series->encoded_labels(),
                d.series->last_t.load(std::memory_order_relaxed)});
        }
      });
  Status s = written.status();
  if (s) s = wal_->remove_segments_before(keep_from);
  if (s) {
    auto removed = remove_agent_checkpoints_before(opts_.dir, segment);
    if (removed) {
      checkpoint_deletions_.fetch_add(*removed, std::memory_order_relaxed);
    } else {
      s = removed.status();
    }
  }
  if (s) {
    settle_graveyard(keep_from);
    std::lock_guard<std::mutex> seg_lock(seg_mu_);
    segment_min_t_.erase(segment_min_t_.begin(), segment_min_t_.lower_bound(keep_from));
  }
#ifdef __GLIBC__
  malloc_trim(0);  // dropped series free many small blocks all over the heap
#endif
  truncate_ns_.fetch_add(ns_since(start), std::memory_order_relaxed);
  if (!s) {
    checkpoint_failures_.fetch_add(1, std::memory_order_relaxed);
    LOG_WARN("Agent WAL truncation failed", {"err", s});
    return s;
  }
  checkpoints_.fetch_add(1, std::memory_order_relaxed);
  truncations_.fetch_add(1, std::memory_order_relaxed);
  LOG_INFO("WAL checkpoint complete", {"segment", segment}, {"kept_from", keep_from},
           {"series", static_cast<uint64_t>(series_.size())},
           {"seconds", static_cast<double>(ns_since(start)) / 1e9});
  return Status::ok();
}

void AgentStorage::run() {
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, opts_.truncate_frequency, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    (void)truncate();
    lock.lock();
  }
}

AgentStats AgentStorage::stats() const {
  AgentStats s;
  s.active_series = series_.size();
  s.deleted_series = deleted_series_.load(std::memory_order_relaxed);
  s.series_created = series_created_.load(std::memory_order_relaxed);
  s.samples_appended = samples_appended_.load(std::memory_order_relaxed);
  s.out_of_order = out_of_order_.load(std::memory_order_relaxed);
  s.checkpoints = checkpoints_.load(std::memory_order_relaxed);
  s.checkpoint_failures = checkpoint_failures_.load(std::memory_order_relaxed);
  s.checkpoint_deletions = checkpoint_deletions_.load(std::memory_order_relaxed);
  s.truncations = truncations_.load(std::memory_order_relaxed);
  s.truncate_seconds = static_cast<double>(truncate_ns_.load(std::memory_order_relaxed)) / 1e9;
  s.replay_seconds = replay_seconds_;
  s.replayed_records = replayed_records_;
  s.replay_unknown_series = replay_unknown_;
  s.wal_corruptions = wal_corruptions_;
  s.memory_bytes = series_.memory_bytes();
  s.wal = wal_ ? wal_->stats() : wal::WalStats{};
  s.wal_bytes = s.wal.disk_bytes + agent_checkpoint_bytes(opts_.dir);
  return s;
}

}  // namespace promlite::tsdb::agent
