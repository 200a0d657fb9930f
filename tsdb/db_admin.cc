// DB as tsdb::AdminProvider: the operations behind /api/v1/admin/tsdb/*
// (delete_series with tombstones, clean_tombstones, snapshot).
#include <ctime>
#include <filesystem>
#include <random>

#include "model/log.h"
#include "tsdb/checkpoint.h"
#include "tsdb/db.h"

namespace promlite::tsdb {

namespace fs = std::filesystem;

std::shared_ptr<const TombstoneSet> DB::tombstones() const {
  std::lock_guard<std::mutex> lock(tombstones_mu_);
  return tombstones_;
}

void DB::publish_tombstones(std::shared_ptr<const TombstoneSet> ts) {
  if (ts != nullptr && ts->empty()) ts.reset();
  std::lock_guard<std::mutex> lock(tombstones_mu_);
  tombstones_ = std::move(ts);
}

Status DB::load_tombstones() {
  auto ts = std::make_shared<TombstoneSet>();
  Status s = store_->scan_meta(kTombstoneKeyPrefix, [&](std::string_view key, std::string_view v) {
    auto labels = parse_tombstone_key(key);
    auto iv = decode_intervals(v);
    if (!labels) return labels.status();
    if (!iv) return iv.status();
    ts->add(*labels, *iv);
    return Status::ok();
  });
  if (!s) return Status(s.code(), "loading tombstones: " + s.message());
  if (!ts->empty()) LOG_INFO("Loaded tombstones", {"series", static_cast<uint64_t>(ts->size())});
  publish_tombstones(std::move(ts));
  return Status::ok();
}

Status DB::delete_series(model::Timestamp mint, model::Timestamp maxt,
                         const std::vector<model::Matchers>& selectors) {
  std::lock_guard<std::mutex> admin(admin_mu_);
  if (mint > maxt) return Status::ok();
  // Newest sample of the DB, for series the head no longer holds: the store
  // only has what the head cut, so the head's newest bounds it, unless the
  // head is empty (then the end of the newest partition does).
  model::Timestamp db_max = head_.max_time();
  if (db_max == INT64_MIN) {
    auto parts = store_->partitions();
    db_max = parts.empty() ? INT64_MIN : parts.back().end - 1;
  }
  auto q = raw_querier(mint, maxt);
  if (!q) return q.status();
  std::shared_ptr<const TombstoneSet> current = tombstones();
  auto next = current ? std::make_shared<TombstoneSet>(*current) : std::make_shared<TombstoneSet>();
  TombstoneSet added;  // this call's label sets (their merged intervals go to disk)
  for (const model::Matchers& sel : selectors) {
    auto set = (*q)->select(false, nullptr, sel);
    while (set->next()) {
      const model::Labels& labels = set->at().labels();
      model::Timestamp last = db_max;
      if (head::SeriesPtr hs = head_.find_series(labels)) {
        std::lock_guard<head::SpinLock> lock(hs->lock);
        if (hs->has_samples()) last = hs->last_t();
      }
      Interval iv{mint, std::min(maxt, last)};
      if (iv.mint > iv.maxt) continue;
      next->add(labels, Intervals{iv});
      added.add(labels, Intervals{iv});
    }
    if (Status s = set->status(); !s) return s;
  }
  if (added.empty()) return Status::ok();
  std::vector<store::MetaWrite> writes;
  writes.reserve(added.size());
  for (const Tombstone& t : added.entries()) {
    writes.push_back({tombstone_key(t.labels), encode_intervals(*next->find(t.labels))});
  }
  if (Status s = store_->put_meta(writes, /*sync=*/true); !s) return s;
  publish_tombstones(std::move(next));
  LOG_INFO("Deleted series", {"series", static_cast<uint64_t>(added.size())}, {"mint", mint},
           {"maxt", maxt});
  return Status::ok();
}

void DB::forget_flushed_chunks(const head::SeriesPtr& s, const std::vector<size_t>& removed) {
  std::lock_guard<std::mutex> lock(epoch_mu_);
  // The pending drops of `s`, oldest first, count its flushed chunks in order:
  // find the one counting each removed chunk.
  size_t base = 0, k = 0;
  for (PendingDrop& d : drops_) {
    for (auto& [series, n] : d.chunks) {
      if (series.get() != s.get()) continue;
      size_t end = base + n;
      uint32_t dec = 0;
      while (k < removed.size() && removed[k] < end) {
        ++dec;
        ++k;
      }
      n -= dec;
      base = end;
    }
  }
}

Status DB::clean_tombstones() {
  std::lock_guard<std::mutex> admin(admin_mu_);
  std::shared_ptr<const TombstoneSet> ts = tombstones();
  if (ts == nullptr) return Status::ok();
  auto start = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(maintenance_mu_);
  std::vector<store::SeriesDeletion> deletions;
  deletions.reserve(ts->size());
  for (const Tombstone& t : ts->entries()) deletions.push_back({&t.labels, &t.intervals});
  auto rewritten = store_->delete_samples(deletions);
  if (!rewritten) return rewritten.status();
  uint64_t head_series = 0;
  for (const Tombstone& t : ts->entries()) {
    head::SeriesPtr s = head_.find_series(t.labels);
    if (!s) continue;
    std::vector<size_t> removed;
    {
      std::lock_guard<head::SpinLock> series_lock(s->lock);
      removed = s->delete_samples(t.intervals);
    }
    if (!removed.empty()) forget_flushed_chunks(s, removed);
    ++head_series;
  }
  // The WAL still holds the deleted samples: a checkpoint of the cleaned head
  // replaces it before the tombstones that hide them go.
  if (Status s = checkpoint_locked(); !s) return s;
  std::vector<store::MetaWrite> writes;
  writes.reserve(ts->size());
  for (const Tombstone& t : ts->entries()) writes.push_back({tombstone_key(t.labels), {}});
  if (Status s = store_->put_meta(writes, /*sync=*/true); !s) return s;
  publish_tombstones(nullptr);
  LOG_INFO(
      "Cleaned tombstones", {"series", static_cast<uint64_t>(ts->size())},
      {"store_chunks", *rewritten}, {"head_series", head_series},
      {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()});
  return Status::ok();
}

namespace {

// Prometheus's snapshot name: UTC time as 20060102T150405Z, a dash, and a
// random 63-bit number in 16 hex digits.
std::string snapshot_name() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
  static thread_local std::mt19937_64 rng(std::random_device{}());
  char name[64];
  std::snprintf(name, sizeof name, "%s-%016llx", when, static_cast<unsigned long long>(rng() >> 1));
  return name;
}

}  // namespace

Result<std::string> DB::snapshot(bool with_head) {
  std::lock_guard<std::mutex> admin(admin_mu_);
  const std::string name = snapshot_name();
  const fs::path dir = fs::path(opts_.dir) / "snapshots" / name;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return io_error("creating snapshot directory " + dir.string() + ": " + ec.message());
  auto fail = [&](Status s) {
    std::error_code rec;
    fs::remove_all(dir, rec);
    LOG_WARN("Snapshot failed", {"dir", dir.string()}, {"err", s});
    return s;
  };
  // No flush between the two copies: every chunk the head counts as flushed
  // is in the store copy, every other chunk in the head checkpoint.
  std::lock_guard<std::mutex> lock(maintenance_mu_);
  if (Status s = store_->checkpoint((dir / "store").string()); !s) return fail(s);
  if (with_head) {
    // Segment 0: the copy has no WAL; its writer starts a fresh one.
    auto written = write_checkpoint(head_, dir.string(), 0);
    if (!written) return fail(written.status());
  }
  LOG_INFO("Snapshot written", {"dir", dir.string()}, {"with_head", with_head});
  return name;
}

}  // namespace promlite::tsdb
