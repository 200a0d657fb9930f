#include "tsdb/agent/agent_appender.h"

#include <algorithm>
#include <string>

#include "tsdb/wal/records.h"

namespace promlite::tsdb::agent {

AgentAppender::AgentAppender(AgentStorage* storage) : storage_(storage), epoch_(storage->pin()) {}

AgentAppender::~AgentAppender() {
  if (!spent_) rollback();
  storage_->unpin(epoch_);
}

Result<SeriesRef> AgentAppender::append(SeriesRef ref, const model::Labels& labels,
                                        model::Timestamp t, double v) {
  if (spent_) return internal_error("append on an appender after commit/rollback");
  SeriesMap& map = storage_->series();
  Series* s = ref != 0 ? map.by_id(ref) : nullptr;
  if (s == nullptr) {
    if (labels.empty()) {
      return invalid_argument(ref != 0 ? "unknown series ref " + std::to_string(ref)
                                       : "empty labelset");
    }
    bool created = false;
    s = map.get_or_create(
        labels, [this] { return storage_->new_id(); }, &created);
    if (created) ++created_;
  }
  const int64_t last = s->last_t.load(std::memory_order_relaxed);
  if (t <= last) {
    ++out_of_order_;
    std::string name = labels.empty() ? s->labels().to_string() : labels.to_string();
    return Status(StatusCode::kOutOfOrder, "out of order sample for " + name + " at " +
                                               std::to_string(t) + " (newest " +
                                               std::to_string(last) + ")");
  }
  pending_.push_back({s, t, v});
  return s->id();
}

Status AgentAppender::commit() {
  if (spent_) return internal_error("commit on an appender after commit/rollback");
  if (pending_.empty()) {
    finish();
    return Status::ok();
  }
  thread_local std::vector<Series*> fresh;
  thread_local std::vector<wal::SeriesRecord> series;
  thread_local std::vector<wal::RefSample> samples;
  thread_local std::string series_rec, samples_rec;
  fresh.clear();
  series.clear();
  samples.clear();
  series_rec.clear();
  samples_rec.clear();
  samples.reserve(pending_.size());
  int64_t min_t = INT64_MAX;
  for (const Pending& p : pending_) {
    samples.push_back({p.series->id(), p.t, p.v});
    min_t = std::min(min_t, p.t);
    if (!p.series->logged.load(std::memory_order_relaxed)) fresh.push_back(p.series);
  }
  if (!fresh.empty()) {
    std::sort(fresh.begin(), fresh.end());
    fresh.erase(std::unique(fresh.begin(), fresh.end()), fresh.end());
    for (Series* s : fresh) series.push_back({s->id(), s->labels()});
    wal::encode_series(series, series_rec);
  }
  wal::encode_samples(samples, samples_rec);
  std::string_view records[2] = {series_rec, samples_rec};
  std::span<const std::string_view> batch(records, 2);
  if (series_rec.empty()) batch = batch.subspan(1);
  // Marked logged and advanced under the commit gate, so that a checkpoint
  // (taken after a rotation) sees every series and time of the segments it
  // replaces.
  Status s = storage_->log(batch, min_t, [&] {
    for (Series* x : fresh) x->logged.store(true, std::memory_order_relaxed);
    for (const Pending& p : pending_) p.series->advance(p.t);
  });
  if (s) storage_->count_appended(pending_.size(), 0, 0);
  finish();
  // New series come in bursts (a new target): do not keep a burst's buffers
  // for the life of the thread. Samples buffers are reused every scrape.
  if (series_rec.capacity() > (1u << 20)) {
    std::string().swap(series_rec);
    std::vector<wal::SeriesRecord>().swap(series);
    std::vector<Series*>().swap(fresh);
  }
  return s;
}

void AgentAppender::rollback() {
  if (spent_) return;
  finish();
}

void AgentAppender::finish() {
  spent_ = true;
  pending_.clear();
  storage_->count_appended(0, created_, out_of_order_);
  created_ = out_of_order_ = 0;
}

}  // namespace promlite::tsdb::agent
