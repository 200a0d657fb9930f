#include "remote/queue_shard.h"

#include <algorithm>
#include <cstdlib>

#include "model/duration.h"
#include "model/log.h"
#include "remote/queue_metrics.h"

namespace promlite::remote {

using Clock = std::chrono::steady_clock;

void QueueManager::Shard::run() {
  const auto& qc = q->opts_.cfg.queue_config;
  const size_t max_batch = std::max(1, qc.max_samples_per_send);
  const auto deadline = std::chrono::milliseconds(std::max<int64_t>(qc.batch_send_deadline, 1));
  std::vector<QueueEntry> batch;
  batch.reserve(max_batch);
  for (;;) {
    {
      std::unique_lock lk(mu);
      for (;;) {
        if (stop) return;
        if (queue.size() >= max_batch || (!queue.empty() && flush)) break;
        if (queue.empty()) {
          cv.wait(lk);
        } else if (cv.wait_until(lk, arrivals.front().second + deadline) ==
                   std::cv_status::timeout) {
          break;
        }
      }
      // Samples left behind keep their arrival time: when they waited out
      // their deadline while this shard was sending, the next batch goes at
      // once (a restarted wait could make it up to twice the deadline).
      take(std::min(max_batch, queue.size()), batch);
      busy = true;
    }
    space_cv.notify_all();
    bool finished = send(batch);
    {
      std::lock_guard lk(mu);
      busy = false;
    }
    space_cv.notify_all();
    if (!finished) return;
  }
}

void QueueManager::Shard::push(const std::vector<QueueEntry>& entries) {
  if (entries.empty()) return;
  arrivals.emplace_back(pushed, Clock::now());
  pushed += entries.size();
  queue.insert(queue.end(), entries.begin(), entries.end());
}

void QueueManager::Shard::take(size_t n, std::vector<QueueEntry>& batch) {
  batch.assign(queue.begin(), queue.begin() + n);
  queue.erase(queue.begin(), queue.begin() + n);
  taken += n;
  // Drop the runs taken whole: the front run is the one of queue.front().
  while (arrivals.size() > 1 && arrivals[1].first <= taken) arrivals.pop_front();
  if (queue.empty()) arrivals.clear();
}

std::string QueueManager::Shard::encode(std::vector<QueueEntry>& batch, int64_t* max_t) {
  // One TimeSeries per series in the batch: group a series' samples, keeping
  // their order.
  std::stable_sort(batch.begin(), batch.end(),
                   [](const QueueEntry& a, const QueueEntry& b) { return a.series < b.series; });
  *max_t = INT64_MIN;
  builder.clear();
  for (size_t i = 0; i < batch.size();) {
    size_t j = i;
    samples.clear();
    while (j < batch.size() && batch[j].series == batch[i].series) {
      samples.push_back({batch[j].t, batch[j].v});
      *max_t = std::max(*max_t, batch[j].t);
      ++j;
    }
    builder.add_series(batch[i].series->encoded_labels, samples);
    i = j;
  }
  return builder.finish_snappy();
}

bool QueueManager::Shard::expire(std::vector<QueueEntry>& batch) {
  const int64_t limit = q->opts_.cfg.queue_config.sample_age_limit;
  if (limit <= 0) return false;
  const int64_t cutoff = model::now_ms() - limit;
  auto keep_end = std::stable_partition(batch.begin(), batch.end(),
                                        [&](const QueueEntry& e) { return e.t >= cutoff; });
  const auto n = static_cast<uint64_t>(batch.end() - keep_end);
  if (n == 0) return false;
  batch.erase(keep_end, batch.end());
  QueueStats& st = q->stats_;
  st.samples_dropped += n;
  st.dropped_too_old += n;
  st.samples_pending -= static_cast<int64_t>(n);
  return true;
}

bool QueueManager::Shard::send(std::vector<QueueEntry>& batch) {
  QueueStats& st = q->stats_;
  const auto& qc = q->opts_.cfg.queue_config;
  // Progress runs (record seq, samples) of everything taken from the queue,
  // before the batch is reordered or thinned: all of them complete at the end.
  runs.clear();
  for (const QueueEntry& e : batch) {
    if (!runs.empty() && runs.back().first == e.seq) {
      ++runs.back().second;
    } else {
      runs.emplace_back(e.seq, 1);
    }
  }
  expire(batch);
  int64_t max_t = INT64_MIN;
  std::string body;
  if (!batch.empty()) body = encode(batch, &max_t);
  auto backoff = std::chrono::milliseconds(std::max<int64_t>(qc.min_backoff, 1));
  const auto max_backoff = std::chrono::milliseconds(std::max<int64_t>(qc.max_backoff, 1));
  while (!batch.empty()) {
    {
      std::lock_guard lk(mu);
      if (stop) return false;
    }
    const uint64_t n = batch.size();
    auto t0 = Clock::now();
    auto r = client->post(body);
    auto took = Clock::now() - t0;
    if (r && q->metrics_) q->metrics_->observe_send(std::chrono::duration<double>(took).count());
    if (r && r->status / 100 == 2) {
      st.samples_sent += n;
      st.samples_pending -= static_cast<int64_t>(n);
      st.batches_sent += 1;
      st.bytes_sent += body.size();
      st.send_nanos += std::chrono::duration_cast<std::chrono::nanoseconds>(took).count();
      int64_t prev = st.highest_sent_ms.load();
      while (max_t > prev && !st.highest_sent_ms.compare_exchange_weak(prev, max_t)) {
      }
      break;
    }
    const bool retryable = !r || r->status / 100 == 5 || (r->status == 429 && qc.retry_on_http_429);
    if (!retryable) {
      // Not retryable (other 4xx): this batch is lost, counted with its reason.
      st.samples_failed += n;
      st.samples_pending -= static_cast<int64_t>(n);
      st.batches_failed += 1;
      if (q->metrics_) q->metrics_->count_failed_batch("http_" + std::to_string(r->status));
      LOG_WARN("Remote write: non-recoverable error, dropping batch", {"remote_name", q->name()},
               {"status", r->status}, {"samples", n}, {"body", r->body});
      break;
    }
    std::string why = r ? "HTTP " + std::to_string(r->status) : r.status().message();
    st.samples_retried += n;
    auto wait = backoff;
    if (r && !r->retry_after.empty()) {
      // Retry-After in seconds (the HTTP-date form is ignored).
      char* end = nullptr;
      long secs = std::strtol(r->retry_after.c_str(), &end, 10);
      if (end && *end == '\0' && secs > 0) wait = std::chrono::seconds(secs);
    }
    LOG_DEBUG("Remote write: retrying", {"remote_name", q->name()}, {"err", why},
              {"backoff_ms", static_cast<int64_t>(wait.count())});
    {
      std::unique_lock lk(mu);
      if (cv.wait_for(lk, wait, [&] { return stop; })) return false;
    }
    backoff = std::min(backoff * 2, max_backoff);
    // Samples that grew too old while the destination refused them go.
    if (expire(batch) && !batch.empty()) body = encode(batch, &max_t);
  }
  for (const auto& [seq, cnt] : runs) q->complete(seq, cnt);
  return true;
}

}  // namespace promlite::remote
