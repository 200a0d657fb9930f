#include "tsdb/wal_replay.h"

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "model/log.h"
#include "tsdb/wal/reader.h"
#include "tsdb/wal/records.h"
#include "tsdb/wal/writer.h"

namespace promlite::tsdb {

Result<ReplayStats> replay_wal(const std::string& wal_dir, uint64_t first_segment, head::Head& head,
                               const std::function<void()>& progress) {
  ReplayStats stats;
  auto reader = wal::Reader::open(wal_dir, first_segment);
  if (!reader) {
    if (reader.status().code() == StatusCode::kNotFound) return stats;
    return reader.status();
  }
  // Series whose logged id differs from the head's id for the same labels
  // (the head already had the label set under another id).
  std::unordered_map<uint64_t, uint64_t> alias;
  std::vector<wal::SeriesRecord> series;
  std::vector<wal::RefSample> samples;
  const head::ChunkPolicy& policy = head.chunk_policy();
  uint64_t next_progress = 4'000'000;
  // Series by id without the head's stripe locks: replay is single-threaded
  // and nothing is dropped meanwhile. Dense while ids are (Prometheus-like
  // counters without much churn); otherwise the head's map is asked.
  std::vector<head::MemSeries*> dense;
  uint64_t max_id = 0;
  head.for_each_series([&](const head::SeriesPtr& s) { max_id = std::max(max_id, s->id()); });
  const uint64_t dense_limit = 4 * head.num_series() + (1u << 20);
  if (max_id < dense_limit) {
    dense.assign(max_id + 1, nullptr);
    head.for_each_series([&](const head::SeriesPtr& s) { dense[s->id()] = s.get(); });
  }
  auto remember = [&](head::MemSeries* s) {
    if (s->id() >= dense_limit) return;
    if (s->id() >= dense.size()) dense.resize(s->id() + 1, nullptr);
    dense[s->id()] = s;
  };
  head::SeriesPtr cached;
  model::Timestamp max_t = INT64_MIN;
  while ((*reader)->next()) {
    std::string_view rec = (*reader)->record();
    ++stats.records;
    auto type = wal::record_type(rec);
    Status bad;
    if (!type) {
      bad = type.status();
    } else if (*type == wal::RecordType::kSeries) {
      series.clear();
      bad = wal::decode_series(rec, series);
      for (size_t i = 0; bad && i < series.size(); ++i) {
        auto s = head.restore_series(series[i].id, series[i].labels);
        if (!s) {
          bad = s.status();
          break;
        }
        if ((*s)->id() != series[i].id) alias[series[i].id] = (*s)->id();
        remember(s->get());
        ++stats.series;
      }
    } else if (*type == wal::RecordType::kSamples) {
      samples.clear();
      bad = wal::decode_samples(rec, samples);
      for (size_t i = 0; bad && i < samples.size(); ++i) {
        const wal::RefSample& rs = samples[i];
        uint64_t id = rs.id;
        if (auto a = alias.find(id); a != alias.end()) id = a->second;
        head::MemSeries* ms = id < dense.size() ? dense[id] : nullptr;
        if (ms == nullptr && id >= dense_limit) {
          if (!cached || cached->id() != id) cached = head.series_by_id(id);
          ms = cached.get();
        }
        if (ms == nullptr) {
          ++stats.unknown_series;
          continue;
        }
        std::lock_guard<head::SpinLock> lock(ms->lock);
        if (ms->has_samples() && rs.t <= ms->last_t()) {
          ++stats.already_held;
          continue;
        }
        ms->append(rs.t, rs.v, policy);
        if (rs.t > max_t) max_t = rs.t;
        ++stats.samples;
      }
      if (progress && stats.samples >= next_progress) {
        cached = head::SeriesPtr();
        progress();
        next_progress = stats.samples + 4'000'000;
      }
    }
    // Other record types (future metadata, ...) are skipped.
    if (!bad) {
      stats.corrupted = true;
      stats.corruption = "segment " + std::to_string((*reader)->segment()) + " offset " +
                         std::to_string((*reader)->offset()) + ": " + bad.message();
      break;
    }
  }
  head.note_time(max_t);
  uint64_t seg = (*reader)->segment();
  uint64_t off = (*reader)->offset();
  if (!stats.corrupted && !(*reader)->status()) {
    // Only damaged data is cut away; an unreadable file fails the open.
    if ((*reader)->status().code() != StatusCode::kCorruption) return (*reader)->status();
    stats.corrupted = true;
    stats.corruption = (*reader)->status().message();
  }
  reader->reset();
  if (stats.corrupted) {
    LOG_WARN("WAL corruption: truncating the log at the last good record",
             {"reason", stats.corruption});
    if (Status s = wal::repair(wal_dir, seg, off); !s) return s;
  }
  return stats;
}

}  // namespace promlite::tsdb
