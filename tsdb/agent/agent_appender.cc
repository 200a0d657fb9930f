#include "tsdb/agent/agent_appender.h"

#include <algorithm>
#include <string>

#include "tsdb/wal/records.h"

namespace promlite::tsdb::agent {

namespace {

size_t slot_of(const Series* s, size_t mask) {
  // Fibonacci hashing of the pointer (its low bits are alignment).
  return static_cast<size_t>((reinterpret_cast<uintptr_t>(s) >> 4) * 0x9E3779B97F4A7C15ull >> 20) &
         mask;
}

}  // namespace

AgentAppender::AgentAppender(AgentStorage* storage) : storage_(storage), epoch_(storage->pin()) {}

AgentAppender::~AgentAppender() {
  if (!spent_) rollback();
  storage_->unpin(epoch_);
}

AgentAppender::Held& AgentAppender::hold(Series* s) {
  if ((held_count_ + 1) * 2 > held_.size()) {
    std::vector<Held> old(std::max<size_t>(16, held_.size() * 2), Held{nullptr, 0});
    old.swap(held_);
    const size_t mask = held_.size() - 1;
    for (const Held& h : old) {
      if (h.series == nullptr) continue;
      size_t i = slot_of(h.series, mask);
      while (held_[i].series != nullptr) i = (i + 1) & mask;
      held_[i] = h;
    }
  }
  const size_t mask = held_.size() - 1;
  size_t i = slot_of(s, mask);
  for (; held_[i].series != nullptr; i = (i + 1) & mask) {
    if (held_[i].series == s) {
      s->unpin();  // the batch's first pin stays until finish()
      return held_[i];
    }
  }
  held_[i] = {s, INT64_MIN};
  ++held_count_;
  return held_[i];
}

Result<SeriesRef> AgentAppender::append(SeriesRef ref, const model::Labels& labels,
                                        model::Timestamp t, double v) {
  if (spent_) return internal_error("append on an appender after commit/rollback");
  SeriesMap& map = storage_->series();
  Series* s = ref != 0 ? map.by_id(ref, /*pin=*/true) : nullptr;
  if (s == nullptr) {
    if (labels.empty()) {
      return invalid_argument(ref != 0 ? "unknown series ref " + std::to_string(ref)
                                       : "empty labelset");
    }
    bool created = false;
    s = map.get_or_create(
        labels, [this] { return storage_->new_id(); }, &created, /*pin=*/true);
    if (created) ++created_;
  }
  Held& h = hold(s);
  // The newest time this sample must follow: the committed one or this
  // batch's own pending one.
  const int64_t last = std::max(s->last_t.load(std::memory_order_relaxed), h.newest);
  if (t <= last) {
    ++out_of_order_;
    std::string name = labels.empty() ? s->labels().to_string() : labels.to_string();
    return Status(StatusCode::kOutOfOrder, "out of order sample for " + name + " at " +
                                               std::to_string(t) + " (newest " +
                                               std::to_string(last) + ")");
  }
  h.newest = t;
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
  }
  for (const Held& h : held_) {
    if (h.series != nullptr && h.newest != INT64_MIN &&
        !h.series->logged.load(std::memory_order_relaxed)) {
      fresh.push_back(h.series);
    }
  }
  if (!fresh.empty()) {
    // In creation order.
    std::sort(fresh.begin(), fresh.end(),
              [](const Series* a, const Series* b) { return a->id() < b->id(); });
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
    for (const Held& h : held_) {
      if (h.series != nullptr && h.newest != INT64_MIN) h.series->advance(h.newest);
    }
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
  // Unpinned after the commit applied its times: a truncation that sees the
  // pin gone sees them too.
  for (const Held& h : held_) {
    if (h.series != nullptr) h.series->unpin();
  }
  std::vector<Held>().swap(held_);
  held_count_ = 0;
  storage_->count_appended(0, created_, out_of_order_);
  created_ = out_of_order_ = 0;
}

}  // namespace promlite::tsdb::agent
