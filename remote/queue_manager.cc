#include "remote/queue_manager.h"

#include <fcntl.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "model/log.h"
#include "remote/http_client.h"
#include "remote/write_request.h"
#include "tsdb/wal/reader.h"
#include "tsdb/wal/records.h"
#include "tsdb/wal/tailer.h"

namespace promlite::remote {

namespace fs = std::filesystem;
namespace wal = tsdb::wal;
using Clock = std::chrono::steady_clock;

struct QueueManager::Series {
  std::string encoded_labels;  // protobuf Label messages; empty when dropped
  bool dropped = false;
};

namespace {
struct Entry {
  const QueueManager::Series* series;
  int64_t t;
  double v;
  uint64_t seq;  // the WAL record the sample came from (progress tracking)
};
}  // namespace

// Self-metrics of one queue, mirrored from QueueStats by the reader thread.
struct QueueManager::Metrics {
  prometheus::Counter *sent, *failed, *retried, *dropped, *in, *bytes, *skipped;
  prometheus::Gauge *pending, *highest_in, *highest_sent, *shards, *desired, *min_shards,
      *max_shards;
  prometheus::Family<prometheus::Counter>* failed_batches;
  std::map<std::string, std::string> labels;
  uint64_t last[7] = {};
};

// One shard: a bounded queue and a thread that batches and sends.
struct QueueManager::Shard {
  QueueManager* q;
  std::unique_ptr<HttpClient> client;
  std::mutex mu;
  std::condition_variable cv;        // shard thread: data or stop
  std::condition_variable space_cv;  // reader: room in the queue
  std::deque<Entry> queue;
  Clock::time_point first_at;  // when the oldest queued sample arrived
  bool busy = false;           // a batch is being sent
  bool flush = false;          // send what is queued without waiting
  bool stop = false;
  std::thread thread;

  void run();
  // Sends until acknowledged, dropped, or stopping; false when stopping.
  bool send(std::vector<Entry>& batch);
};

void QueueManager::Shard::run() {
  const auto& qc = q->opts_.cfg.queue_config;
  const size_t max_batch = std::max(1, qc.max_samples_per_send);
  const auto deadline = std::chrono::milliseconds(std::max<int64_t>(qc.batch_send_deadline, 1));
  std::vector<Entry> batch;
  for (;;) {
    {
      std::unique_lock lk(mu);
      for (;;) {
        if (stop) return;
        if (queue.size() >= max_batch || (!queue.empty() && flush)) break;
        if (queue.empty()) {
          cv.wait(lk);
        } else if (cv.wait_until(lk, first_at + deadline) == std::cv_status::timeout) {
          break;
        }
      }
      size_t n = std::min(max_batch, queue.size());
      batch.assign(queue.begin(), queue.begin() + n);
      queue.erase(queue.begin(), queue.begin() + n);
      if (!queue.empty()) first_at = Clock::now();
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

bool QueueManager::Shard::send(std::vector<Entry>& batch) {
  QueueStats& st = q->stats_;
  const auto& qc = q->opts_.cfg.queue_config;
  // Progress runs (record seq, samples) before the batch is reordered.
  std::vector<std::pair<uint64_t, uint32_t>> runs;
  int64_t max_t = INT64_MIN;
  for (const Entry& e : batch) {
    if (!runs.empty() && runs.back().first == e.seq) {
      ++runs.back().second;
    } else {
      runs.emplace_back(e.seq, 1);
    }
    max_t = std::max(max_t, e.t);
  }
  // One TimeSeries per series in the batch: group a series' samples, keeping
  // their order.
  std::stable_sort(batch.begin(), batch.end(),
                   [](const Entry& a, const Entry& b) { return a.series < b.series; });
  WriteRequestBuilder b;
  std::vector<model::Sample> samples;
  for (size_t i = 0; i < batch.size();) {
    size_t j = i;
    samples.clear();
    while (j < batch.size() && batch[j].series == batch[i].series) {
      samples.push_back({batch[j].t, batch[j].v});
      ++j;
    }
    b.add_series(batch[i].series->encoded_labels, samples);
    i = j;
  }
  const std::string body = b.finish_snappy();
  const uint64_t n = batch.size();
  auto backoff = std::chrono::milliseconds(std::max<int64_t>(qc.min_backoff, 1));
  const auto max_backoff = std::chrono::milliseconds(std::max<int64_t>(qc.max_backoff, 1));
  for (;;) {
    {
      std::lock_guard lk(mu);
      if (stop) return false;
    }
    auto t0 = Clock::now();
    auto r = client->post(body);
    auto took = Clock::now() - t0;
    std::string why;
    if (r && r->status / 100 == 2) {
      st.samples_sent += n;
      st.batches_sent += 1;
      st.bytes_sent += body.size();
      st.send_nanos += std::chrono::duration_cast<std::chrono::nanoseconds>(took).count();
      int64_t prev = st.highest_sent_ms.load();
      while (max_t > prev && !st.highest_sent_ms.compare_exchange_weak(prev, max_t)) {
      }
      break;
    }
    if (r && r->status != 429 && r->status / 100 != 5) {
      // Not retryable (4xx): this batch is lost, counted with its reason.
      st.samples_failed += n;
      st.batches_failed += 1;
      if (auto* m = q->metrics_.get()) {
        auto labels = m->labels;
        labels["reason"] = "http_" + std::to_string(r->status);
        m->failed_batches->Add(labels).Increment();
      }
      LOG_WARN("Remote write: non-recoverable error, dropping batch", {"remote_name", q->name()},
               {"status", r->status}, {"samples", n}, {"body", r->body});
      break;
    }
    why = r ? "HTTP " + std::to_string(r->status) : r.status().message();
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
  }
  for (const auto& [seq, cnt] : runs) q->complete(seq, cnt);
  return true;
}

QueueManager::QueueManager(QueueOptions opts) : opts_(std::move(opts)) {}

Result<std::unique_ptr<QueueManager>> QueueManager::start(QueueOptions opts) {
  // Validate the client settings once before any thread starts.
  auto probe = HttpClient::create(opts.cfg, opts.user_agent);
  if (!probe) return probe.status();
  std::unique_ptr<QueueManager> q(new QueueManager(std::move(opts)));
  if (q->opts_.registry) {
    auto& reg = *q->opts_.registry;
    auto m = std::make_unique<Metrics>();
    m->labels = {{"remote_name", q->opts_.queue_name}, {"url", q->opts_.cfg.url}};
    auto counter = [&](const char* name, const char* help) {
      return &prometheus::BuildCounter().Name(name).Help(help).Register(reg).Add(m->labels);
    };
    auto gauge = [&](const char* name, const char* help) {
      return &prometheus::BuildGauge().Name(name).Help(help).Register(reg).Add(m->labels);
    };
    m->sent = counter("prometheus_remote_storage_samples_total",
                      "Total number of samples sent to remote storage.");
    m->failed = counter("prometheus_remote_storage_samples_failed_total",
                        "Total number of samples which failed on send to remote storage, "
                        "non-recoverable errors.");
    m->retried = counter("prometheus_remote_storage_samples_retried_total",
                         "Total number of samples which failed on send to remote storage but "
                         "were retried because the send error was recoverable.");
    m->dropped = counter("prometheus_remote_storage_samples_dropped_total",
                         "Total number of samples which were dropped after being read from the "
                         "WAL before being sent via remote write, either via relabelling or "
                         "unintentionally because of an unknown reference ID.");
    m->in = counter("prometheus_remote_storage_samples_in_total",
                    "Samples read from the WAL into the remote storage queue.");
    m->bytes = counter("prometheus_remote_storage_bytes_total",
                       "The total number of bytes of data (not metadata) sent by the queue after "
                       "compression.");
    m->skipped = counter("promlite_remote_storage_wal_segments_skipped_total",
                         "WAL segments deleted (WAL size limit) before this queue read them.");
    m->pending = gauge("prometheus_remote_storage_samples_pending",
                       "The number of samples pending in the queues shards to be sent to the "
                       "remote storage.");
    m->highest_in = gauge("prometheus_remote_storage_highest_timestamp_in_seconds",
                          "Highest timestamp that has come into the remote storage via the WAL, "
                          "in seconds since epoch.");
    m->highest_sent = gauge("prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
                            "Timestamp from a WAL sample, the highest timestamp successfully sent "
                            "by this queue, in seconds since epoch.");
    m->shards = gauge("prometheus_remote_storage_shards",
                      "The number of shards used for parallel sending to the remote storage.");
    m->desired = gauge("prometheus_remote_storage_shards_desired",
                       "The number of shards that the queues shard calculation wants to run "
                       "based on the rate of samples in vs. samples out.");
    m->min_shards = gauge("prometheus_remote_storage_shards_min",
                          "The minimum number of shards that the queue is allowed to run.");
    m->max_shards = gauge("prometheus_remote_storage_shards_max",
                          "The maximum number of shards that the queue is allowed to run.");
    m->failed_batches = &prometheus::BuildCounter()
                             .Name("promlite_remote_storage_failed_batches_total")
                             .Help("Batches dropped after a non-recoverable answer, by reason.")
                             .Register(reg);
    q->metrics_ = std::move(m);
  }
  q->load_position();
  q->reader_ = std::thread([p = q.get()] { p->run_reader(); });
  return q;
}

QueueManager::~QueueManager() { stop(); }

void QueueManager::stop() {
  {
    std::lock_guard lk(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (reader_.joinable()) reader_.join();
}

bool QueueManager::wait_stop(std::chrono::milliseconds d) {
  std::unique_lock lk(stop_mu_);
  return stop_cv_.wait_for(lk, d, [&] { return stopping_.load(); });
}

std::optional<uint64_t> QueueManager::oldest_needed_segment() const {
  std::lock_guard lk(track_mu_);
  if (!inflight_.empty()) return inflight_.front().seg;
  if (done_pos_) return done_pos_->first;
  if (resume_after_) return resume_after_->first;
  return std::nullopt;
}

std::optional<std::pair<uint64_t, uint64_t>> QueueManager::position() const {
  std::lock_guard lk(track_mu_);
  return done_pos_ ? done_pos_ : resume_after_;
}

void QueueManager::load_position() {
  if (opts_.position_file.empty()) return;
  std::ifstream in(opts_.position_file);
  uint64_t seg = 0, off = 0;
  if (in >> seg >> off) {
    resume_after_ = std::make_pair(seg, off);
  } else if (fs::exists(opts_.position_file)) {
    LOG_WARN("Remote write: unreadable position file, starting at the live end",
             {"file", opts_.position_file});
  }
}

void QueueManager::save_position() {
  auto pos = position();
  if (opts_.position_file.empty() || !pos) return;
  std::error_code ec;
  fs::create_directories(fs::path(opts_.position_file).parent_path(), ec);
  std::string tmp = opts_.position_file + ".tmp";
  std::string text = std::to_string(pos->first) + " " + std::to_string(pos->second) + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok || std::rename(tmp.c_str(), opts_.position_file.c_str()) != 0) {
    LOG_WARN("Remote write: cannot save position", {"file", opts_.position_file});
  }
}

namespace {

// Reads a uvarint at s[*p] and advances *p; false when it is cut short.
bool read_uvarint(std::string_view s, size_t* p, uint64_t* v) {
  *v = 0;
  for (int shift = 0; *p < s.size() && shift < 64; shift += 7) {
    auto c = static_cast<uint8_t>(s[(*p)++]);
    *v |= uint64_t(c & 0x7f) << shift;
    if (!(c & 0x80)) return true;
  }
  return false;
}

}  // namespace

// Reads the newest checkpoint's series snapshots (type 16: id, labels, ...;
// type 17: a zstd frame of them; tsdb/FORMAT.md).
void QueueManager::load_checkpoint_series() {
  fs::path data = fs::path(opts_.wal_dir).parent_path();
  std::error_code ec;
  std::string newest;
  uint64_t newest_n = 0;
  for (const auto& de : fs::directory_iterator(data, ec)) {
    std::string name = de.path().filename().string();
    if (!name.starts_with("checkpoint.") || name.ends_with(".tmp")) continue;
    uint64_t n = std::strtoull(name.c_str() + 11, nullptr, 10);
    if (newest.empty() || n > newest_n) {
      newest = de.path().string();
      newest_n = n;
    }
  }
  if (newest.empty()) return;
  auto r = wal::Reader::open(newest, 0);
  if (!r) return;
  std::vector<wal::SeriesRecord> one(1);
  // One type-16 snapshot: uvarint id, uvarint length, label bytes, (the rest).
  auto snapshot = [&](std::string_view rec) {
    if (rec.empty() || static_cast<uint8_t>(rec[0]) != 16) return;
    size_t p = 1;
    uint64_t id = 0, len = 0;
    if (!read_uvarint(rec, &p, &id) || !read_uvarint(rec, &p, &len) || len > rec.size() - p) {
      return;
    }
    bool ok = false;
    model::Labels ls = model::Labels::from_encoded(std::string(rec.substr(p, len)), &ok);
    if (!ok) return;
    // Re-encode as a WAL series record so both paths share handle_series().
    one[0] = {id, std::move(ls)};
    std::string buf;
    wal::encode_series(one, buf);
    handle_series(buf);
  };
  std::string plain;
  while ((*r)->next()) {
    std::string_view rec = (*r)->record();
    if (rec.empty()) continue;
    if (static_cast<uint8_t>(rec[0]) == 16) {
      snapshot(rec);
      continue;
    }
    if (static_cast<uint8_t>(rec[0]) != 17) continue;
    // Type 17: a zstd frame of length-prefixed type-16 records.
    rec.remove_prefix(1);
    unsigned long long size = ZSTD_getFrameContentSize(rec.data(), rec.size());
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1u << 30)) {
      continue;
    }
    plain.resize(size);
    size_t got = ZSTD_decompress(plain.data(), plain.size(), rec.data(), rec.size());
    if (ZSTD_isError(got) || got != size) continue;
    std::string_view all = plain;
    size_t p = 0;
    uint64_t len = 0;
    while (p < all.size() && read_uvarint(all, &p, &len) && len <= all.size() - p) {
      snapshot(all.substr(p, len));
      p += len;
    }
  }
}

void QueueManager::handle_series(std::string_view rec) {
  std::vector<wal::SeriesRecord> recs;
  if (Status s = wal::decode_series(rec, recs); !s) return;
  for (auto& r : recs) {
    auto& slot = series_[r.id];
    if (slot) continue;  // ids are never reused: same labels
    slot = std::make_unique<Series>();
    model::Labels ls = std::move(r.labels);
    if (!opts_.external_labels.empty()) {
      model::LabelsBuilder b(ls);
      for (const auto& l : opts_.external_labels) {
        if (ls.get(l.name).empty()) b.set(l.name, l.value);
      }
      ls = b.build();
    }
    bool keep = true;
    if (opts_.relabel && !opts_.cfg.write_relabel_configs.empty()) {
      ls = opts_.relabel(ls, opts_.cfg.write_relabel_configs, &keep);
    }
    if (!keep || ls.empty()) {
      slot->dropped = true;
    } else {
      slot->encoded_labels = encode_labels(ls);
    }
  }
}

void QueueManager::mark_done_locked(uint64_t seg, uint64_t off) {
  if (inflight_.empty()) {
    done_pos_ = std::make_pair(seg, off);
  } else {
    inflight_.push_back({seg, off, 0});
  }
}

void QueueManager::complete(uint64_t seq, uint32_t n) {
  std::lock_guard lk(track_mu_);
  if (seq < base_seq_ || seq - base_seq_ >= inflight_.size()) return;
  inflight_[seq - base_seq_].remaining -= n;
  while (!inflight_.empty() && inflight_.front().remaining == 0) {
    done_pos_ = std::make_pair(inflight_.front().seg, inflight_.front().off);
    inflight_.pop_front();
    ++base_seq_;
  }
}

void QueueManager::handle_samples(std::string_view rec, uint64_t seg, uint64_t off) {
  thread_local std::vector<wal::RefSample> samples;
  samples.clear();
  if (Status s = wal::decode_samples(rec, samples); !s) {
    std::lock_guard lk(track_mu_);
    mark_done_locked(seg, off);
    return;
  }
  const size_t nshards = shards_.size();
  thread_local std::vector<std::vector<Entry>> per_shard;
  per_shard.resize(nshards);
  for (auto& v : per_shard) v.clear();
  uint64_t seq;
  {
    std::lock_guard lk(track_mu_);
    seq = base_seq_ + inflight_.size();
  }
  uint32_t kept = 0;
  int64_t max_t = stats_.highest_in_ms.load();
  for (const auto& s : samples) {
    auto it = series_.find(s.id);
    if (it == series_.end() || it->second->dropped) {
      stats_.samples_dropped += 1;
      continue;
    }
    per_shard[(s.id * 0x9E3779B97F4A7C15ull >> 32) % nshards].push_back(
        {it->second.get(), s.t, s.v, seq});
    max_t = std::max(max_t, s.t);
    ++kept;
  }
  stats_.highest_in_ms = max_t;
  {
    std::lock_guard lk(track_mu_);
    if (kept == 0) {
      mark_done_locked(seg, off);
      return;
    }
    inflight_.push_back({seg, off, kept});
  }
  stats_.samples_in += kept;
  const size_t capacity = std::max(1, opts_.cfg.queue_config.capacity);
  for (size_t i = 0; i < nshards; ++i) {
    if (per_shard[i].empty()) continue;
    Shard& sh = *shards_[i];
    std::unique_lock lk(sh.mu);
    // Blocks this reader (never the scrapers) while the shard is full.
    while (sh.queue.size() >= capacity && !stopping_) {
      sh.space_cv.wait_for(lk, std::chrono::milliseconds(100));
    }
    if (stopping_) return;
    if (sh.queue.empty()) sh.first_at = Clock::now();
    sh.queue.insert(sh.queue.end(), per_shard[i].begin(), per_shard[i].end());
    lk.unlock();
    sh.cv.notify_one();
  }
}

void QueueManager::start_shards(int n) {
  for (int i = 0; i < n; ++i) {
    auto sh = std::make_unique<Shard>();
    sh->q = this;
    auto c = HttpClient::create(opts_.cfg, opts_.user_agent);
    sh->client = std::move(*c);  // validated in start()
    sh->thread = std::thread([p = sh.get()] { p->run(); });
    shards_.push_back(std::move(sh));
  }
  stats_.shards = n;
}

void QueueManager::stop_shards() {
  for (auto& sh : shards_) {
    {
      std::lock_guard lk(sh->mu);
      sh->stop = true;
    }
    sh->cv.notify_all();
    sh->space_cv.notify_all();
  }
  for (auto& sh : shards_) sh->thread.join();
  shards_.clear();
}

// Sends everything queued; true when all shards are empty and idle.
bool QueueManager::drain_shards() {
  for (auto& sh : shards_) {
    std::lock_guard lk(sh->mu);
    sh->flush = true;
    sh->cv.notify_all();
  }
  bool drained = false;
  while (!drained && !stopping_) {
    drained = true;
    for (auto& sh : shards_) {
      std::lock_guard lk(sh->mu);
      if (!sh->queue.empty() || sh->busy) drained = false;
    }
    if (!drained) wait_stop(std::chrono::milliseconds(5));
  }
  for (auto& sh : shards_) {
    std::lock_guard lk(sh->mu);
    sh->flush = false;
  }
  return drained;
}

// Prometheus's approach: the shards needed are the time one sample takes to
// send times the samples to send per second (incoming plus a share of the
// backlog), changed only when off by more than 30%.
void QueueManager::maybe_reshard() {
  auto now = Clock::now();
  double secs = std::chrono::duration<double>(now - last_reshard_).count();
  if (secs * 1000 < opts_.reshard_interval.count()) return;
  last_reshard_ = now;
  uint64_t in = stats_.samples_in, out = stats_.samples_sent + stats_.samples_failed,
           nanos = stats_.send_nanos;
  double in_rate = (in - last_in_) / secs;
  uint64_t out_n = out - last_out_;
  double out_secs = (nanos - last_nanos_) / 1e9;
  last_in_ = in;
  last_out_ = out;
  last_nanos_ = nanos;
  rate_in_ = rate_in_ == 0 ? in_rate : 0.8 * rate_in_ + 0.2 * in_rate;
  const auto& qc = opts_.cfg.queue_config;
  const int current = static_cast<int>(shards_.size());
  if (out_n == 0) return;  // nothing acknowledged: sending more in parallel will not help
  double time_per_sample = out_secs / out_n;
  double lag = std::max<double>(0, (stats_.highest_in_ms - stats_.highest_sent_ms) / 1000.0);
  double pending = lag * rate_in_;
  double desired = time_per_sample * (rate_in_ + 0.05 * pending);
  int want = std::clamp(static_cast<int>(std::ceil(desired)), std::max(1, qc.min_shards),
                        std::max(std::max(1, qc.min_shards), qc.max_shards));
  stats_.desired_shards = want;
  if (want == current || (want > current * 0.7 && want < current * 1.3)) return;
  LOG_INFO("Remote write: resharding", {"remote_name", name()}, {"from", current}, {"to", want});
  if (!drain_shards()) return;
  stop_shards();
  start_shards(want);
}

void QueueManager::publish_metrics() {
  Metrics* m = metrics_.get();
  if (!m) return;
  const uint64_t now[7] = {stats_.samples_sent,    stats_.samples_failed, stats_.samples_retried,
                           stats_.samples_dropped, stats_.samples_in,     stats_.bytes_sent,
                           stats_.skipped_segments};
  prometheus::Counter* cs[7] = {m->sent, m->failed, m->retried, m->dropped,
                                m->in,   m->bytes,  m->skipped};
  for (int i = 0; i < 7; ++i) {
    cs[i]->Increment(static_cast<double>(now[i] - m->last[i]));
    m->last[i] = now[i];
  }
  m->pending->Set(
      static_cast<double>(stats_.samples_in - stats_.samples_sent - stats_.samples_failed));
  m->highest_in->Set(stats_.highest_in_ms / 1000.0);
  m->highest_sent->Set(stats_.highest_sent_ms / 1000.0);
  m->shards->Set(stats_.shards);
  m->desired->Set(stats_.desired_shards);
  m->min_shards->Set(opts_.cfg.queue_config.min_shards);
  m->max_shards->Set(opts_.cfg.queue_config.max_shards);
}

void QueueManager::run_reader() {
  const auto& qc = opts_.cfg.queue_config;
  start_shards(std::max(1, qc.min_shards));
  stats_.desired_shards = static_cast<int>(shards_.size());
  last_reshard_ = Clock::now();
  load_checkpoint_series();
  // Replay from the oldest segment for series; samples only after the saved
  // position (or, without one, after the live end at start).
  std::optional<std::pair<uint64_t, uint64_t>> skip_until = resume_after_;
  bool scan_to_end = !resume_after_.has_value();
  uint64_t first = 0;
  auto tailer = wal::Tailer::open(opts_.wal_dir, first);
  auto last_save = Clock::now(), last_publish = Clock::now();
  uint64_t skipped_seen = 0;
  std::optional<std::pair<uint64_t, uint64_t>> last_rec;
  while (!stopping_) {
    auto now = Clock::now();
    if (now - last_publish >= std::chrono::seconds(1)) {
      publish_metrics();
      last_publish = now;
    }
    if (now - last_save >= opts_.save_interval) {
      save_position();
      last_save = now;
    }
    if (!scan_to_end && !skip_until) maybe_reshard();
    switch (tailer->next()) {
      case wal::Tailer::Next::kRecord: {
        auto pos = std::make_pair(tailer->segment(), tailer->offset());
        last_rec = pos;
        std::string_view rec = tailer->record();
        auto type = wal::record_type(rec);
        bool replay_only = scan_to_end || (skip_until && pos <= *skip_until);
        if (skip_until && pos > *skip_until) skip_until.reset();
        if (type && *type == wal::RecordType::kSeries) {
          handle_series(rec);
          if (!replay_only) {
            std::lock_guard lk(track_mu_);
            mark_done_locked(pos.first, pos.second);
          }
        } else if (!replay_only) {
          if (type && *type == wal::RecordType::kSamples) {
            handle_samples(rec, pos.first, pos.second);
          } else {
            std::lock_guard lk(track_mu_);
            mark_done_locked(pos.first, pos.second);
          }
        }
        break;
      }
      case wal::Tailer::Next::kCaughtUp:
        if (scan_to_end) {
          scan_to_end = false;
          if (last_rec) {
            std::lock_guard lk(track_mu_);
            done_pos_ = last_rec;
          }
        }
        // The saved position lies past the WAL's end (WAL reset): send all new.
        skip_until.reset();
        caught_up_ = true;
        if (wait_stop(opts_.poll_interval)) break;
        break;
      case wal::Tailer::Next::kError:
        LOG_WARN("Remote write: WAL read error, retrying", {"remote_name", name()},
                 {"err", tailer->status().message()});
        if (wait_stop(std::chrono::seconds(1))) break;
        tailer = wal::Tailer::open(opts_.wal_dir, tailer->segment());
        break;
    }
    if (tailer->skipped_segments() != skipped_seen) {
      stats_.skipped_segments += tailer->skipped_segments() - skipped_seen;
      skipped_seen = tailer->skipped_segments();
    }
  }
  stop_shards();
  save_position();
  publish_metrics();
}

}  // namespace promlite::remote
