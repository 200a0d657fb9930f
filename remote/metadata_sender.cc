#include "remote/metadata_sender.h"

#include <snappy.h>

#include <algorithm>
#include <cstdlib>

#include "model/log.h"
#include "remote/queue_manager.h"
#include "remote/queue_metrics.h"

namespace promlite::remote {

using Clock = std::chrono::steady_clock;

MetadataSender::MetadataSender(const config::RemoteWriteConfig& cfg, std::string queue_name,
                               MetadataSource source, std::unique_ptr<HttpClient> client,
                               QueueStats& stats, QueueMetrics* metrics)
    : cfg_(cfg),
      name_(std::move(queue_name)),
      source_(std::move(source)),
      client_(std::move(client)),
      stats_(stats),
      metrics_(metrics) {
  thread_ = std::thread([this] { run(); });
}

MetadataSender::~MetadataSender() { stop(); }

void MetadataSender::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool MetadataSender::wait_stop(Clock::duration d) {
  std::unique_lock lk(mu_);
  return cv_.wait_for(lk, d, [&] { return stopping_; });
}

void MetadataSender::run() {
  const auto interval =
      std::chrono::milliseconds(std::max<int64_t>(cfg_.metadata_config.send_interval, 1));
  // Like a ticker: rounds start every interval, however long sending took.
  auto next = Clock::now() + interval;
  for (;;) {
    if (wait_stop(std::max<Clock::duration>(next - Clock::now(), Clock::duration::zero()))) return;
    if (!send_round()) return;
    next += interval;
    if (next < Clock::now()) next = Clock::now() + interval;  // skip missed ticks
  }
}

bool MetadataSender::send_round() {
  std::vector<MetricMetadataEntry> all = source_ ? source_() : std::vector<MetricMetadataEntry>{};
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  if (all.empty()) return true;
  const size_t per = static_cast<size_t>(std::max(1, cfg_.metadata_config.max_samples_per_send));
  const auto deadline = Clock::now() + std::chrono::milliseconds(std::max<int64_t>(
                                           cfg_.queue_config.batch_send_deadline, 1));
  for (size_t i = 0; i < all.size(); i += per) {
    std::span<const MetricMetadataEntry> batch(all.data() + i, std::min(per, all.size() - i));
    switch (send_batch(batch, deadline)) {
      case Outcome::kSent:
        break;
      case Outcome::kFailed:
        stats_.metadata_failed += batch.size();
        break;
      case Outcome::kStopped:
        return false;
    }
  }
  return true;
}

MetadataSender::Outcome MetadataSender::send_batch(std::span<const MetricMetadataEntry> batch,
                                                   Clock::time_point deadline) {
  const std::string raw = encode_metadata_request(batch);
  std::string body;
  snappy::Compress(raw.data(), raw.size(), &body);
  const auto& qc = cfg_.queue_config;
  auto backoff = std::chrono::milliseconds(std::max<int64_t>(qc.min_backoff, 1));
  const auto max_backoff = std::chrono::milliseconds(std::max<int64_t>(qc.max_backoff, 1));
  const uint64_t n = batch.size();
  for (;;) {
    auto t0 = Clock::now();
    if (t0 >= deadline) {
      // An earlier batch of this round used up the time (as Prometheus's
      // expired context, without another attempt).
      LOG_ERROR("Remote write: non-recoverable error while sending metadata",
                {"remote_name", name_}, {"count", n}, {"err", "batch_send_deadline reached"});
      return Outcome::kFailed;
    }
    auto r = client_->post(body);
    if (r && metrics_) {
      metrics_->observe_send(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    if (r && r->status / 100 == 2) {
      stats_.metadata_sent += n;
      stats_.metadata_bytes += body.size();
      return Outcome::kSent;
    }
    std::string why = r ? "HTTP " + std::to_string(r->status) : r.status().message();
    // As the sample shards: 429 is retried when retry_on_http_429 says so.
    const bool retryable = !r || r->status / 100 == 5 || (r->status == 429 && qc.retry_on_http_429);
    auto wait = std::chrono::duration_cast<Clock::duration>(backoff);
    if (r && !r->retry_after.empty()) {
      char* end = nullptr;
      long secs = std::strtol(r->retry_after.c_str(), &end, 10);
      if (end && *end == '\0' && secs > 0) wait = std::chrono::seconds(secs);
    }
    if (!retryable || Clock::now() + wait >= deadline) {
      if (retryable) why += " (batch_send_deadline reached)";
      LOG_ERROR("Remote write: non-recoverable error while sending metadata",
                {"remote_name", name_}, {"count", n}, {"err", why});
      return Outcome::kFailed;
    }
    LOG_DEBUG("Remote write: retrying metadata", {"remote_name", name_}, {"err", why});
    if (wait_stop(wait)) return Outcome::kStopped;
    stats_.metadata_retried += n;
    backoff =
        std::min(std::chrono::duration_cast<std::chrono::milliseconds>(wait) * 2, max_backoff);
  }
}

}  // namespace promlite::remote
