#include "remote/queue_manager.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "model/duration.h"
#include "model/log.h"
#include "model/varint.h"
#include "remote/http_client.h"
#include "remote/queue_metrics.h"
#include "remote/queue_shard.h"
#include "remote/write_request.h"
#include "tsdb/wal/checkpoint_dir.h"
#include "tsdb/wal/reader.h"
#include "tsdb/wal/records.h"
#include "tsdb/wal/segment.h"
#include "tsdb/wal/tailer.h"

namespace promlite::remote {

namespace fs = std::filesystem;
namespace wal = tsdb::wal;
using Clock = std::chrono::steady_clock;

namespace {
// How long a reshard waits for the shards to send what they hold (as
// Prometheus's flush deadline); a destination that is down keeps the old shards.
constexpr auto kDrainDeadline = std::chrono::minutes(1);
}  // namespace

QueueManager::QueueManager(QueueOptions opts) : opts_(std::move(opts)) {}

Result<std::unique_ptr<QueueManager>> QueueManager::start(QueueOptions opts) {
  // Validate the client settings once before any thread starts.
  auto probe = HttpClient::create(opts.cfg, opts.user_agent);
  if (!probe) return probe.status();
  std::unique_ptr<QueueManager> q(new QueueManager(std::move(opts)));
  q->spare_client_ = std::move(*probe);  // the first shard's, so there is always one
  if (q->opts_.registry) {
    q->metrics_ = std::make_unique<QueueMetrics>(*q->opts_.registry, q->opts_.queue_name,
                                                 q->opts_.cfg.url, q->opts_.cfg.queue_config);
  }
  q->load_position();
  q->find_start();
  q->reader_ = std::thread([p = q.get()] { p->run_reader(); });
  if (q->opts_.cfg.metadata_config.send && q->opts_.metadata) {
    auto client = HttpClient::create(q->opts_.cfg, q->opts_.user_agent);
    if (client) {
      q->metadata_ =
          std::make_unique<MetadataSender>(q->opts_.cfg, q->opts_.queue_name, q->opts_.metadata,
                                           std::move(*client), q->stats_, q->metrics_.get());
    } else {  // its files changed since the probe above
      LOG_WARN("Remote write: cannot create the metadata client, metadata not sent",
               {"remote_name", q->name()}, {"err", client.status().message()});
    }
  }
  return q;
}

QueueManager::~QueueManager() { stop(); }

void QueueManager::stop() {
  // First, so that the reader's last publish_metrics() sees its final counts.
  if (metadata_) metadata_->stop();
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
  if (live_end_) return live_end_->first;
  return first_segment_;  // an empty WAL at start: all of it is new
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

// Where reading starts, decided before start() returns so that nothing logged
// after that can be mistaken for the old backlog.
void QueueManager::find_start() {
  auto segs = wal::list_segments(opts_.wal_dir);
  if (!segs) {
    LOG_WARN("Remote write: cannot list the WAL", {"remote_name", name()},
             {"err", segs.status().message()});
  }
  if (!segs || segs->empty()) return;  // nothing logged yet: all is new
  first_segment_ = segs->front();
  if (resume_after_) return;
  struct stat st;
  const std::string last = wal::segment_path(opts_.wal_dir, segs->back());
  live_end_ = std::make_pair(
      segs->back(), ::stat(last.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0);
}

namespace {

// The newest complete checkpoint.N beside the WAL directory: {path, N}. (Not
// wal::latest_checkpoint_dir: that removes .tmp directories, and the storage
// may be writing one right now.)
std::optional<std::pair<std::string, uint64_t>> newest_checkpoint(const std::string& wal_dir) {
  fs::path data = fs::path(wal_dir).parent_path();
  std::error_code ec;
  std::optional<std::pair<std::string, uint64_t>> out;
  for (const auto& de : fs::directory_iterator(data, ec)) {
    uint64_t n = 0;
    if (!wal::parse_checkpoint_dir_name(de.path().filename().string(), &n)) continue;
    if (!de.is_directory(ec)) continue;
    if (!out || n > out->second) out = std::make_pair(de.path().string(), n);
  }
  return out;
}

}  // namespace

// Reads the checkpoint's series snapshots (type 16: id, labels, ...; type 17:
// a zstd frame of them; tsdb/FORMAT.md).
std::optional<uint64_t> QueueManager::read_checkpoint(bool gc) {
  auto cp = newest_checkpoint(opts_.wal_dir);
  if (!cp) return std::nullopt;
  const uint64_t number = cp->second;
  auto r = wal::Reader::open(cp->first, 0);
  if (!r) return std::nullopt;
  std::vector<wal::SeriesRecord> one(1);
  std::string buf;
  // One snapshot record: uvarint id, uvarint length, label bytes, (the rest).
  auto snapshot = [&](std::string_view rec) {
    model::ByteCursor c(rec);
    if (c.byte() != wal::kSnapshotRecordType) return;
    const uint64_t id = c.uvarint();
    std::string_view encoded = c.bytes(c.uvarint());
    if (!c.ok()) return;
    if (auto it = series_.find(id); it != series_.end()) {
      it->second->segment = std::max(it->second->segment, number);  // still alive
      return;
    }
    bool ok = false;
    model::Labels ls = model::Labels::from_encoded(std::string(encoded), &ok);
    if (!ok) return;
    // Re-encode as a WAL series record so both paths share handle_series().
    one[0] = {id, std::move(ls)};
    buf.clear();
    wal::encode_series(one, buf);
    handle_series(buf, number);
  };
  std::string plain;
  while ((*r)->next()) {
    std::string_view rec = (*r)->record();
    if (rec.empty()) continue;
    if (static_cast<uint8_t>(rec[0]) == wal::kSnapshotRecordType) {
      snapshot(rec);
      continue;
    }
    if (static_cast<uint8_t>(rec[0]) != wal::kCompressedSnapshotsRecordType) continue;
    // A zstd frame of length-prefixed snapshot records.
    rec.remove_prefix(1);
    unsigned long long size = ZSTD_getFrameContentSize(rec.data(), rec.size());
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1u << 30)) {
      continue;
    }
    plain.resize(size);
    size_t got = ZSTD_decompress(plain.data(), plain.size(), rec.data(), rec.size());
    if (ZSTD_isError(got) || got != size) continue;
    model::ByteCursor all(plain);
    while (all.remaining() > 0) {
      std::string_view framed = all.bytes(all.uvarint());
      if (!all.ok()) break;
      snapshot(framed);
    }
  }
  if (!(*r)->status().is_ok()) {
    // A damaged checkpoint forgets nothing: better a stale series than a lost one.
    LOG_WARN("Remote write: cannot read checkpoint", {"remote_name", name()}, {"dir", cp->first},
             {"err", (*r)->status().message()});
    return std::nullopt;
  }
  if (gc) {
    // The DB dropped the series missing from the checkpoint; the reader is
    // past it, so no record still to read names them. Queued samples may:
    // the series are freed once every record read so far is done.
    Grave g;
    {
      std::lock_guard lk(track_mu_);
      g.seq = base_seq_ + inflight_.size();
    }
    for (auto it = series_.begin(); it != series_.end();) {
      if (it->second->segment < number) {
        g.series.push_back(std::move(it->second));
        it = series_.erase(it);
      } else {
        ++it;
      }
    }
    if (!g.series.empty()) {
      LOG_DEBUG("Remote write: forgot dropped series", {"remote_name", name()},
                {"series", static_cast<uint64_t>(g.series.size())}, {"checkpoint", number});
      graves_.push_back(std::move(g));
    }
  }
  stats_.series = series_.size();
  return number;
}

void QueueManager::handle_series(std::string_view rec, uint64_t segment) {
  thread_local std::vector<wal::SeriesRecord> recs;
  recs.clear();
  if (Status s = wal::decode_series(rec, recs); !s) return;
  for (auto& r : recs) {
    auto& slot = series_[r.id];
    if (slot) {  // ids are never reused: same labels
      slot->segment = std::max(slot->segment, segment);
      continue;
    }
    slot = std::make_unique<Series>();
    slot->segment = segment;
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
  stats_.series = series_.size();
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

void QueueManager::tick() {
  auto now = Clock::now();
  if (now - last_publish_ >= std::chrono::seconds(1)) {
    publish_metrics();
    last_publish_ = now;
  }
  if (now - last_save_ >= opts_.save_interval) {
    save_position();
    last_save_ = now;
  }
  if (!graves_.empty()) {
    uint64_t done_below;
    {
      std::lock_guard lk(track_mu_);
      done_below = base_seq_;
    }
    while (!graves_.empty() && graves_.front().seq <= done_below) graves_.pop_front();
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
  thread_local std::vector<std::vector<QueueEntry>> per_shard;
  per_shard.resize(nshards);
  for (auto& v : per_shard) v.clear();
  uint64_t seq;
  {
    std::lock_guard lk(track_mu_);
    seq = base_seq_ + inflight_.size();
  }
  const int64_t age_limit = opts_.cfg.queue_config.sample_age_limit;
  const int64_t cutoff = age_limit > 0 ? model::now_ms() - age_limit : INT64_MIN;
  uint32_t kept = 0;
  uint64_t dropped = 0, unknown = 0, too_old = 0;
  int64_t max_t = stats_.highest_in_ms.load();
  for (const auto& s : samples) {
    auto it = series_.find(s.id);
    if (it == series_.end()) {
      ++unknown;
      continue;
    }
    if (it->second->dropped) {
      ++dropped;
      continue;
    }
    if (s.t < cutoff) {
      ++too_old;
      continue;
    }
    per_shard[(s.id * 0x9E3779B97F4A7C15ull >> 32) % nshards].push_back(
        {it->second.get(), s.t, s.v, seq});
    max_t = std::max(max_t, s.t);
    ++kept;
  }
  if (dropped + unknown + too_old) {
    stats_.samples_dropped += dropped + unknown + too_old;
    stats_.dropped_relabel += dropped;
    stats_.dropped_unknown += unknown;
    stats_.dropped_too_old += too_old;
  }
  {
    std::lock_guard lk(track_mu_);
    if (kept == 0) {
      mark_done_locked(seg, off);
      return;
    }
    inflight_.push_back({seg, off, kept});
  }
  stats_.highest_in_ms = max_t;
  stats_.samples_in += kept;
  stats_.samples_pending += kept;
  const size_t capacity = std::max(1, opts_.cfg.queue_config.capacity);
  for (size_t i = 0; i < nshards; ++i) {
    if (per_shard[i].empty()) continue;
    Shard& sh = *shards_[i];
    std::unique_lock lk(sh.mu);
    // Blocks this reader (never the scrapers) while the shard is full: the
    // backlog stays in the WAL, not in memory.
    while (sh.queue.size() >= capacity && !stopping_) {
      stats_.enqueue_retries += 1;
      if (sh.space_cv.wait_for(lk, std::chrono::milliseconds(100)) == std::cv_status::timeout) {
        lk.unlock();
        tick();  // keep metrics and the saved position current while blocked
        lk.lock();
      }
    }
    if (stopping_) return;
    sh.push(per_shard[i]);
    lk.unlock();
    sh.cv.notify_one();
  }
}

std::vector<std::unique_ptr<HttpClient>> QueueManager::make_clients(int n) {
  // TLS and credential files are read again here, possibly hours after
  // start(): one that went missing fails the whole set, logged.
  std::vector<std::unique_ptr<HttpClient>> out;
  if (spare_client_) out.push_back(std::move(spare_client_));
  while (static_cast<int>(out.size()) < n) {
    auto c = HttpClient::create(opts_.cfg, opts_.user_agent);
    if (!c) {
      LOG_WARN("Remote write: cannot create a client, keeping the current shards",
               {"remote_name", name()}, {"err", c.status().message()});
      if (!out.empty()) spare_client_ = std::move(out.front());
      return {};
    }
    out.push_back(std::move(*c));
  }
  return out;
}

void QueueManager::start_shards(std::vector<std::unique_ptr<HttpClient>> clients) {
  for (auto& c : clients) {
    auto sh = std::make_unique<Shard>();
    sh->q = this;
    sh->client = std::move(c);
    sh->thread = std::thread([p = sh.get()] { p->run(); });
    shards_.push_back(std::move(sh));
  }
  stats_.shards = static_cast<int>(shards_.size());
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

// Sends everything queued; true when all shards are empty and idle within
// kDrainDeadline.
bool QueueManager::drain_shards() {
  auto set_flush = [&](bool on) {
    for (auto& sh : shards_) {
      std::lock_guard lk(sh->mu);
      sh->flush = on;
    }
    for (auto& sh : shards_) sh->cv.notify_all();
  };
  set_flush(true);
  const auto deadline = Clock::now() + kDrainDeadline;
  bool drained = false;
  while (!drained && !stopping_ && Clock::now() < deadline) {
    drained = true;
    for (auto& sh : shards_) {
      std::lock_guard lk(sh->mu);
      if (!sh->queue.empty() || sh->busy) drained = false;
    }
    if (!drained) {
      tick();
      wait_stop(std::chrono::milliseconds(5));
    }
  }
  set_flush(false);
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
  auto clients = make_clients(want);
  if (clients.empty()) return;
  if (!drain_shards()) {
    spare_client_ = std::move(clients.front());
    return;
  }
  stop_shards();
  start_shards(std::move(clients));
}

void QueueManager::publish_metrics() {
  if (metrics_) metrics_->publish(stats_);
}

void QueueManager::run_reader() {
  const auto& qc = opts_.cfg.queue_config;
  auto clients = make_clients(std::max(1, qc.min_shards));
  if (clients.empty()) clients = make_clients(1);  // the spare from start()
  start_shards(std::move(clients));
  stats_.desired_shards = static_cast<int>(shards_.size());
  last_reshard_ = last_save_ = last_publish_ = Clock::now();
  if (auto cp = read_checkpoint(false)) last_checkpoint_ = *cp;
  // Replay from the oldest segment for series; samples only after the saved
  // position (or, without one, from the live end at start).
  std::optional<std::pair<uint64_t, uint64_t>> skip_until = resume_after_, live_end = live_end_;
  auto tailer = wal::Tailer::open(opts_.wal_dir, first_segment_);
  uint64_t skipped_seen = 0, segment_seen = first_segment_;
  bool read_any = false;
  stats_.current_segment = first_segment_;
  while (!stopping_) {
    tick();
    if (!skip_until && !live_end) maybe_reshard();
    auto next = tailer->next();
    if (tailer->segment() != segment_seen) {
      segment_seen = tailer->segment();
      stats_.current_segment = segment_seen;
      // Past a newer checkpoint: forget the series the DB dropped.
      auto cp = newest_checkpoint(opts_.wal_dir);
      if (cp && cp->second > last_checkpoint_ && cp->second <= segment_seen) {
        if (auto n = read_checkpoint(true)) last_checkpoint_ = *n;
      }
    }
    switch (next) {
      case wal::Tailer::Next::kRecord: {
        auto pos = std::make_pair(tailer->segment(), tailer->offset());
        if (!read_any) {
          // Segments missing before the first record are not a loss.
          read_any = true;
          skipped_seen = tailer->skipped_segments();
        }
        std::string_view rec = tailer->record();
        auto type = wal::record_type(rec);
        bool replay_only = false;
        if (skip_until) {
          if (pos <= *skip_until) {
            replay_only = true;
          } else {
            skip_until.reset();
          }
        }
        if (live_end) {
          if (pos < *live_end) {
            replay_only = true;
          } else {
            live_end.reset();
          }
        }
        const bool is_series = type && *type == wal::RecordType::kSeries;
        const bool is_samples = type && *type == wal::RecordType::kSamples;
        (is_series    ? stats_.series_records
         : is_samples ? stats_.sample_records
                      : stats_.other_records) += 1;
        if (is_series) handle_series(rec, pos.first);
        if (replay_only) {
          // Before the live end of a new queue: handled by definition.
          if (!resume_after_) {
            std::lock_guard lk(track_mu_);
            done_pos_ = pos;
          }
        } else if (is_samples) {
          handle_samples(rec, pos.first, pos.second);
        } else {
          std::lock_guard lk(track_mu_);
          mark_done_locked(pos.first, pos.second);
        }
        break;
      }
      case wal::Tailer::Next::kCaughtUp:
        // A saved position past the WAL's end (the WAL was reset): send all new.
        skip_until.reset();
        // The live end lay in a segment that is finished now (or gone).
        if (live_end && tailer->segment() != live_end->first) live_end.reset();
        if (!caught_up_) {
          caught_up_ = true;
          save_position();  // a SIGKILL from now on resumes here, not at a new live end
          last_save_ = Clock::now();
        }
        wait_stop(opts_.poll_interval);
        break;
      case wal::Tailer::Next::kError:
        LOG_WARN("Remote write: WAL read error, retrying", {"remote_name", name()},
                 {"err", tailer->status().message()});
        if (wait_stop(std::chrono::seconds(1))) break;
        tailer = wal::Tailer::open(opts_.wal_dir, tailer->segment());
        skipped_seen = 0;  // the new tailer counts from zero
        break;
    }
    if (read_any && tailer->skipped_segments() != skipped_seen) {
      stats_.skipped_segments += tailer->skipped_segments() - skipped_seen;
      skipped_seen = tailer->skipped_segments();
    }
  }
  stop_shards();
  save_position();
  publish_metrics();
}

}  // namespace promlite::remote
