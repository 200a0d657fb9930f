#include "tsdb/head/mem_series.h"

#include <algorithm>
#include <limits>
#include <span>

#include "tsdb/chunkenc/chunk.h"

namespace promlite::tsdb::head {

namespace {

// First multiple of `range` strictly above t (floor division for negative t).
model::Timestamp aligned_end(model::Timestamp t, int64_t range) {
  int64_t q = t / range;
  if (t % range != 0 && t < 0) --q;
  if (q >= std::numeric_limits<int64_t>::max() / range) return model::kMaxTime;
  return (q + 1) * range;
}

// Room one sample can need in the open XOR chunk: a first sample writes a
// varint timestamp (<= 10 bytes) and 64 value bits; later ones at most 68
// timestamp bits and 77 value bits.
constexpr size_t kMaxSampleBytes = 20;

// Grows the open chunk's buffer to `size + kMaxSampleBytes` plus a quarter
// (at least 32 bytes), with exact capacity: std::string would double it, and
// with one open chunk per series the unused half of a doubled buffer is the
// largest share of the head's memory after the label sets. The capacity is
// chosen so that capacity + NUL + malloc's 8-byte header fills a 16-byte
// granule.
void grow_open(std::string& open) {
  size_t want = open.size() + kMaxSampleBytes + std::max<size_t>(32, open.size() / 4);
  want = (want + 9 + 15) / 16 * 16 - 9;
  std::string bigger;
  bigger.reserve(want);  // exact when above twice the empty capacity (15)
  bigger.append(open);
  open.swap(bigger);
}

}  // namespace

void MemSeries::append(model::Timestamp t, double v, const ChunkPolicy& policy) {
  if (app_.count() >= policy.max_samples || (app_.count() > 0 && t >= open_end_)) cut();
  if (app_.count() == 0) {
    open_min_t_ = t;
    open_end_ = aligned_end(t, policy.chunk_range);
  }
  if (open_.capacity() - open_.size() < kMaxSampleBytes) grow_open(open_);
  app_.append(open_, t, v);
  has_samples_ = true;
  last_t_ = t;
  last_v_ = model::float_bits(v);
}

bool MemSeries::has_sample_in(model::Timestamp mint, model::Timestamp maxt) const {
  if (!in_memory() || mint > maxt) return false;
  model::Timestamp first = first_t(), last = mem_last_t();
  if (last < mint || first > maxt) return false;
  if (last <= maxt || first >= mint) return true;  // an end sample is inside
  // The first chunk reaching mint holds the first sample >= mint, if any.
  auto it = std::lower_bound(sealed_.begin(), sealed_.end(), mint,
                             [](const auto& c, model::Timestamp t) { return c->max_t < t; });
  std::span<const uint8_t> bytes;
  model::Timestamp min_t;
  if (it != sealed_.end()) {
    min_t = (*it)->min_t;
    bytes = chunkenc::as_bytes((*it)->data);
  } else if (app_.count() > 0) {
    min_t = open_min_t_;
  } else {
    return false;
  }
  if (min_t > maxt) return false;
  if (min_t >= mint) return true;
  if (it != sealed_.end()) {
    auto chunk_it = chunkenc::new_iterator(bytes);
    return chunk_it->seek(mint) && chunk_it->at().t <= maxt;
  }
  chunkenc::XorIterator open_it;
  open_it.reset_open(chunkenc::as_bytes(open_), app_.count());
  return open_it.seek(mint) && open_it.at().t <= maxt;
}

void MemSeries::cut() {
  if (app_.count() == 0) return;
  // Decode the open chunk and re-encode it with the smallest exact codec.
  thread_local std::vector<model::Sample> samples;
  samples.clear();
  chunkenc::XorIterator it;
  it.reset_open(chunkenc::as_bytes(open_), app_.count());
  while (it.next()) samples.push_back(it.at());
  auto chunk = std::make_shared<SealedChunk>();
  chunk->min_t = open_min_t_;
  chunk->max_t = last_t_;
  if (!it.status() || samples.size() != app_.count()) {
    // Cannot happen for bytes our own appender wrote; keep the XOR form.
    app_.seal(open_, chunk->data);
  } else {
    auto enc = chunkenc::encode_best(samples, chunk->data);
    if (!enc) {
      chunk->data.clear();
      app_.seal(open_, chunk->data);
    }
  }
  chunk->data.shrink_to_fit();
  // The DB's flusher writes it to the store later (see flushed()).
  sealed_.push_back(std::move(chunk));
  app_ = chunkenc::XorAppender();
  // The next chunk grows its own (see grow_open): about four small
  // allocations and copies per 120-sample chunk, traded for ~150 B less per
  // series than keeping the grown buffer for the next chunk.
  std::string().swap(open_);
}

std::vector<size_t> MemSeries::delete_samples(const Intervals& deleted) {
  std::vector<size_t> removed_flushed;
  if (app_.count() > 0 && deleted.overlaps(open_min_t_, last_t_)) cut();
  std::vector<std::shared_ptr<const SealedChunk>> out;
  out.reserve(sealed_.size());
  std::vector<model::Sample> kept;
  for (size_t i = 0; i < sealed_.size(); ++i) {
    const auto& c = sealed_[i];
    if (!deleted.overlaps(c->min_t, c->max_t)) {
      out.push_back(c);
      continue;
    }
    auto samples = chunkenc::decode_all(chunkenc::as_bytes(c->data));
    if (!samples) {  // cannot happen for chunks the head encoded; keep it as is
      out.push_back(c);
      continue;
    }
    kept.clear();
    for (const model::Sample& s : *samples) {
      if (!deleted.contains(s.t)) kept.push_back(s);
    }
    if (kept.size() == samples->size()) {
      out.push_back(c);
      continue;
    }
    if (kept.empty()) {
      if (i < flushed_) removed_flushed.push_back(i);
      continue;
    }
    auto chunk = std::make_shared<SealedChunk>();
    chunk->min_t = kept.front().t;
    chunk->max_t = kept.back().t;
    if (!chunkenc::encode_best(kept, chunk->data)) {
      out.push_back(c);
      continue;
    }
    chunk->data.shrink_to_fit();
    out.push_back(std::move(chunk));
  }
  sealed_ = std::move(out);
  flushed_ -= static_cast<uint32_t>(removed_flushed.size());
  evicting_ -= static_cast<uint32_t>(std::count_if(removed_flushed.begin(), removed_flushed.end(),
                                                   [&](size_t i) { return i < evicting_; }));
  return removed_flushed;
}

void MemSeries::drop_evicting(size_t n) {
  n = std::min<size_t>(n, evicting_);
  sealed_.erase(sealed_.begin(), sealed_.begin() + static_cast<ptrdiff_t>(n));
  flushed_ -= static_cast<uint32_t>(n);
  evicting_ -= static_cast<uint32_t>(n);
  if (sealed_.empty()) sealed_.shrink_to_fit();
}

Status MemSeries::restore(model::Timestamp last_t, uint64_t last_v_bits, std::string open,
                          const chunkenc::XorAppender::State& app, model::Timestamp open_min_t,
                          model::Timestamp open_end,
                          std::vector<std::shared_ptr<const SealedChunk>> sealed) {
  auto restored = chunkenc::XorAppender::from_state(app, open.size());
  if (!restored) return restored.status();
  for (size_t i = 1; i < sealed.size(); ++i) {
    if (sealed[i]->min_t <= sealed[i - 1]->max_t)
      return chunkenc::corruption("sealed chunks overlap");
  }
  if (app.count > 0 && (app.t != last_t || open_min_t > last_t)) {
    return chunkenc::corruption("open chunk does not end at the series' last sample");
  }
  app_ = *restored;
  open_ = std::move(open);
  open_min_t_ = open_min_t;
  open_end_ = open_end;
  sealed_ = std::move(sealed);
  flushed_ = 0;
  evicting_ = 0;
  last_t_ = last_t;
  last_v_ = last_v_bits;
  has_samples_ = true;
  return Status::ok();
}

size_t MemSeries::memory_bytes() const {
  size_t n = sizeof(*this) + labels_.memory_bytes() - sizeof(labels_) + open_.capacity() +
             sealed_.capacity() * sizeof(sealed_[0]);
  for (const auto& c : sealed_) n += sizeof(SealedChunk) + c->data.capacity() + 16;
  return n;
}

}  // namespace promlite::tsdb::head

// The per-series budget depends on it; see the layout note in mem_series.h.
static_assert(sizeof(promlite::tsdb::head::MemSeries) <= 192 || sizeof(void*) != 8,
              "MemSeries grew: re-pack its members");
