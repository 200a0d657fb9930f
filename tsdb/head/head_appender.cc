#include "tsdb/head/head_appender.h"

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "tsdb/wal/records.h"

namespace promlite::tsdb::head {

HeadAppender::HeadAppender(Head* head, AppendOptions opts)
    : head_(head), opts_(opts), id_(head->next_appender_id()) {}

HeadAppender::~HeadAppender() {
  if (!spent_) rollback();
}

Result<SeriesRef> HeadAppender::append(SeriesRef ref, const model::Labels& labels,
                                       model::Timestamp t, double v) {
  if (spent_) return internal_error("append on an appender after commit/rollback");
  uint64_t bits = model::float_bits(v);
  bool store = false;
  StatusCode rejected = StatusCode::kOk;
  model::Timestamp last_seen = 0;
  std::string rejected_name;  // for the message when called with a ref and no labels
  auto check = [&](MemSeries& s, bool /*created*/) -> Status {
    // The newest sample this batch must follow: the committed one or our own
    // pending one, whichever is newer.
    bool have = false;
    model::Timestamp last_t = 0;
    uint64_t last_v = 0;
    if (s.has_samples()) {
      have = true;
      last_t = s.last_t();
      last_v = s.last_v_bits();
    }
    if (s.pending_owner == id_) {
      const Pending& mine = pending_[s.pending_index];
      if (!have || mine.t > last_t) {
        have = true;
        last_t = mine.t;
        last_v = model::float_bits(mine.v);
      }
    }
    if (have && t <= last_t) {
      if (t == last_t && last_v == bits) return Status::ok();  // identical: keep one
      rejected = t < last_t ? StatusCode::kOutOfOrder : StatusCode::kDuplicateSample;
      last_seen = last_t;
      if (labels.empty()) rejected_name = s.labels().to_string();
      return Status(rejected, "");  // message built outside the locks
    }
    // The caller pushes the sample at this index right after.
    s.pending_owner = id_;
    s.pending_index = static_cast<uint32_t>(pending_.size());
    ++s.pending;
    store = true;
    return Status::ok();
  };
  Result<MemSeries*> series = head_->with_series(ref, labels, check);
  if (!series) {
    if (rejected == StatusCode::kOutOfOrder) {
      head_->out_of_order_.fetch_add(1, std::memory_order_relaxed);
      return Status(rejected, "out of order sample for " +
                                  (labels.empty() ? rejected_name : labels.to_string()) + " at " +
                                  std::to_string(t) + " (newest " + std::to_string(last_seen) +
                                  ")");
    }
    if (rejected == StatusCode::kDuplicateSample) {
      head_->duplicates_.fetch_add(1, std::memory_order_relaxed);
      return Status(rejected, "duplicate sample for timestamp " + std::to_string(t) + " in " +
                                  (labels.empty() ? rejected_name : labels.to_string()));
    }
    return series.status();
  }
  MemSeries* s = *series;
  if (store) pending_.push_back({s, t, v});
  return s->id();
}

void HeadAppender::finish(bool apply) {
  spent_ = true;
  const ChunkPolicy& policy = head_->chunk_policy();
  uint64_t stored = 0;
  uint64_t dropped = 0;
  model::Timestamp max_t = INT64_MIN;
  size_t i = 0;
  while (i < pending_.size()) {
    MemSeries* s = pending_[i].series;
    std::lock_guard<SpinLock> lock(s->lock);
    // One lock for the run of consecutive samples of this series.
    for (; i < pending_.size() && pending_[i].series == s; ++i) {
      const Pending& p = pending_[i];
      --s->pending;
      if (!apply) continue;
      if (s->has_samples() && p.t <= s->last_t()) {
        // Another batch committed this timestamp or a newer one first.
        if (p.t != s->last_t() || s->last_v_bits() != model::float_bits(p.v)) ++dropped;
        continue;
      }
      s->append(p.t, p.v, policy);
      ++stored;
      if (p.t > max_t) max_t = p.t;
    }
    if (s->pending_owner == id_) s->pending_owner = 0;
  }
  pending_.clear();
  if (stored) head_->note_time(max_t);
  if (stored) head_->samples_appended_.fetch_add(stored, std::memory_order_relaxed);
  if (dropped) head_->dropped_at_commit_.fetch_add(dropped, std::memory_order_relaxed);
}

Status HeadAppender::commit() {
  if (spent_) return internal_error("commit on an appender after commit/rollback");
  CommitLog* log = head_->commit_log();
  if (log == nullptr || pending_.empty()) {
    finish(true);
    return Status::ok();
  }
  // The batch goes to the log first: records for series the log has not seen
  // yet, then the samples by series id. Records are built outside the gate.
  thread_local std::vector<MemSeries*> fresh;
  thread_local std::vector<wal::SeriesRecord> series;
  thread_local std::vector<wal::RefSample> samples;
  thread_local std::string series_rec, samples_rec;
  fresh.clear();
  series.clear();
  samples.clear();
  series_rec.clear();
  samples_rec.clear();
  samples.reserve(pending_.size());
  for (const Pending& p : pending_) {
    samples.push_back({p.series->id(), p.t, p.v});
    if (!p.series->logged.load(std::memory_order_relaxed)) fresh.push_back(p.series);
  }
  if (!fresh.empty()) {
    std::sort(fresh.begin(), fresh.end());
    fresh.erase(std::unique(fresh.begin(), fresh.end()), fresh.end());
    for (MemSeries* s : fresh) series.push_back({s->id(), s->labels()});
    wal::encode_series(series, series_rec);
    series.clear();  // the label copies are not needed past the encoding
  }
  wal::encode_samples(samples, samples_rec);
  std::string_view records[2] = {series_rec, samples_rec};
  std::span<const std::string_view> batch(records, 2);
  if (series_rec.empty()) batch = batch.subspan(1);
  Status logged;
  {
    std::shared_lock<std::shared_mutex> gate(head_->commit_gate());
    logged = log->log(batch);
    if (logged) {
      for (MemSeries* s : fresh) s->logged.store(true, std::memory_order_relaxed);
    }
    finish(logged.is_ok());
  }
  // The buffers stay for the next batch, unless a huge one (the first scrape
  // of a big target, a large remote-write request) grew them: that memory
  // would otherwise stay with this thread for good.
  constexpr size_t kKeepBytes = 1 << 20;
  if (series_rec.capacity() + samples_rec.capacity() > kKeepBytes) {
    std::string().swap(series_rec);
    std::string().swap(samples_rec);
  }
  if ((series.capacity() + fresh.capacity()) * sizeof(wal::SeriesRecord) +
          samples.capacity() * sizeof(wal::RefSample) >
      kKeepBytes) {
    std::vector<MemSeries*>().swap(fresh);
    std::vector<wal::SeriesRecord>().swap(series);
    std::vector<wal::RefSample>().swap(samples);
  }
  return logged;
}

void HeadAppender::rollback() {
  if (spent_) return;
  finish(false);
}

}  // namespace promlite::tsdb::head
