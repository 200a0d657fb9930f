#include "tsdb/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <vector>

#include "model/log.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/chunkenc/varint.h"
#include "tsdb/wal/checkpoint_dir.h"
#include "tsdb/wal/reader.h"
#include "tsdb/wal/segment.h"
#include "tsdb/wal/writer.h"

namespace promlite::tsdb {

namespace fs = std::filesystem;
using chunkenc::get_uvarint;
using chunkenc::put_uvarint;

namespace {

void put_fixed64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 8);
}

// Bounds-checked reader over one record.
struct Cursor {
  const uint8_t* p;
  const uint8_t* end;
  bool ok = true;

  uint64_t uvarint() {
    uint64_t v = 0;
    if (ok && !get_uvarint(&p, end, &v)) ok = false;
    return v;
  }
  uint64_t fixed64() {
    if (!ok || end - p < 8) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    p += 8;
    return v;
  }
  uint8_t byte() {
    if (!ok || p == end) {
      ok = false;
      return 0;
    }
    return *p++;
  }
  std::string_view bytes(uint64_t n) {
    if (!ok || static_cast<uint64_t>(end - p) < n) {
      ok = false;
      return {};
    }
    std::string_view v(reinterpret_cast<const char*>(p), n);
    p += n;
    return v;
  }
};

Status corrupt(const std::string& what) { return Status(StatusCode::kCorruption, what); }

}  // namespace

void encode_snapshot(const head::MemSeries& s, std::string& out) {
  out.push_back(static_cast<char>(kSnapshotRecordType));
  put_uvarint(out, s.id());
  const std::string& labels = s.labels().data();
  put_uvarint(out, labels.size());
  out += labels;
  put_fixed64(out, static_cast<uint64_t>(s.last_t()));
  put_fixed64(out, s.last_v_bits());
  uint32_t count = s.open_count();
  put_uvarint(out, count);
  if (count > 0) {
    chunkenc::XorAppender::State st = s.open_appender().state();
    put_fixed64(out, static_cast<uint64_t>(s.open_min_t()));
    put_fixed64(out, static_cast<uint64_t>(s.open_end()));
    put_fixed64(out, static_cast<uint64_t>(st.t));
    put_fixed64(out, static_cast<uint64_t>(st.delta));
    put_fixed64(out, st.v);
    out.push_back(static_cast<char>(st.leading));
    out.push_back(static_cast<char>(st.trailing));
    out.push_back(static_cast<char>(st.used_bits));
    put_uvarint(out, s.open_bytes().size());
    out += s.open_bytes();
  }
  const auto& sealed = s.sealed();
  put_uvarint(out, sealed.size() - s.flushed());
  for (size_t i = s.flushed(); i < sealed.size(); ++i) {
    put_uvarint(out, sealed[i]->data.size());
    out += sealed[i]->data;
  }
}

Result<head::SeriesPtr> restore_snapshot(std::string_view record, head::Head& head) {
  Cursor c{reinterpret_cast<const uint8_t*>(record.data()),
           reinterpret_cast<const uint8_t*>(record.data() + record.size())};
  if (c.byte() != kSnapshotRecordType) return corrupt("not a series snapshot record");
  uint64_t id = c.uvarint();
  std::string_view encoded = c.bytes(c.uvarint());
  auto last_t = static_cast<model::Timestamp>(c.fixed64());
  uint64_t last_v = c.fixed64();
  auto count = c.uvarint();
  std::string open;
  chunkenc::XorAppender::State st;
  model::Timestamp open_min = 0, open_end = 0;
  if (c.ok && count > 0) {
    open_min = static_cast<model::Timestamp>(c.fixed64());
    open_end = static_cast<model::Timestamp>(c.fixed64());
    st.t = static_cast<int64_t>(c.fixed64());
    st.delta = static_cast<int64_t>(c.fixed64());
    st.v = c.fixed64();
    st.leading = c.byte();
    st.trailing = c.byte();
    st.used_bits = c.byte();
    st.count = static_cast<uint32_t>(std::min<uint64_t>(count, UINT32_MAX));
    open.assign(c.bytes(c.uvarint()));
  }
  uint64_t n_sealed = c.uvarint();
  std::vector<std::shared_ptr<const head::SealedChunk>> sealed;
  for (uint64_t i = 0; c.ok && i < n_sealed; ++i) {
    std::string_view data = c.bytes(c.uvarint());
    if (!c.ok) break;
    auto meta = chunkenc::read_chunk_meta(chunkenc::as_bytes(data));
    if (!meta) return meta.status();
    auto chunk = std::make_shared<head::SealedChunk>();
    chunk->min_t = meta->min_t;
    chunk->max_t = meta->max_t;
    chunk->data.assign(data);
    sealed.push_back(std::move(chunk));
  }
  if (!c.ok || c.p != c.end) return corrupt("truncated or oversized series snapshot");
  bool labels_ok = false;
  model::Labels labels = model::Labels::from_encoded(std::string(encoded), &labels_ok);
  if (!labels_ok) return corrupt("bad label set in series snapshot");
  auto series = head.restore_series(id, labels);
  if (!series) return series.status();
  head::MemSeries& s = **series;
  if (s.id() != id || s.labels() != labels) {
    return corrupt("series snapshot " + std::to_string(id) + " clashes with series " +
                   std::to_string(s.id()));
  }
  std::lock_guard<head::SpinLock> lock(s.lock);
  if (s.has_samples()) return corrupt("series " + std::to_string(id) + " snapshotted twice");
  if (Status status =
          s.restore(last_t, last_v, std::move(open), st, open_min, open_end, std::move(sealed));
      !status) {
    return status;
  }
  head.note_time(last_t);
  return *series;
}

Result<uint64_t> write_checkpoint(const head::Head& head, const std::string& data_dir,
                                  uint64_t segment) {
  auto cp = wal::CheckpointDirWriter::open(data_dir, segment);
  if (!cp) return cp.status();
  wal::Writer& writer = (*cp)->wal();

  // Snapshots are batched, ~1 MiB of them per zstd-compressed record.
  std::string arena, one, frame;
  Status written;
  uint64_t bytes = 0;
  auto flush = [&]() {
    if (arena.empty() || !written) return;
    frame.assign(1, static_cast<char>(kCompressedSnapshotsRecordType));
    size_t bound = ZSTD_compressBound(arena.size());
    frame.resize(1 + bound);
    size_t n = ZSTD_compress(frame.data() + 1, bound, arena.data(), arena.size(), 3);
    if (ZSTD_isError(n)) {
      written = internal_error(std::string("zstd: ") + ZSTD_getErrorName(n));
      return;
    }
    frame.resize(1 + n);
    written = writer.log(frame);
    bytes += frame.size();
    arena.clear();
  };
  // In id order: loading then appends to the postings lists instead of
  // inserting into their middle (quadratic for big lists).
  std::vector<head::SeriesPtr> all;
  all.reserve(head.num_series());
  head.for_each_series([&](const head::SeriesPtr& s) { all.push_back(s); });
  std::sort(all.begin(), all.end(),
            [](const head::SeriesPtr& a, const head::SeriesPtr& b) { return a->id() < b->id(); });
  for (const head::SeriesPtr& s : all) {
    if (!written) break;
    one.clear();
    {
      std::lock_guard<head::SpinLock> lock(s->lock);
      if (!s->has_samples()) continue;
      encode_snapshot(*s, one);
    }
    put_uvarint(arena, one.size());
    arena += one;
    if (arena.size() >= (1u << 20)) flush();
  }
  all.clear();
  flush();
  if (written) written = (*cp)->finish();
  if (!written) return written;
  return bytes;
}

Result<CheckpointInfo> latest_checkpoint(const std::string& data_dir) {
  auto cp = wal::latest_checkpoint_dir(data_dir);
  if (!cp) return cp.status();
  return CheckpointInfo{cp->path, cp->segment};
}

Result<uint64_t> load_checkpoint(const std::string& path, head::Head& head) {
  auto reader = wal::Reader::open(path, 0);
  if (!reader) return reader.status();
  uint64_t n = 0;
  std::string plain;
  auto restore = [&](std::string_view rec) -> Status {
    auto s = restore_snapshot(rec, head);
    if (!s) {
      return Status(s.status().code(), "checkpoint " + path + " series " + std::to_string(n) +
                                           ": " + s.status().message());
    }
    ++n;
    return Status::ok();
  };
  while ((*reader)->next()) {
    std::string_view rec = (*reader)->record();
    if (rec.empty() || static_cast<uint8_t>(rec[0]) != kCompressedSnapshotsRecordType) {
      if (Status s = restore(rec); !s) return s;
      continue;
    }
    rec.remove_prefix(1);
    unsigned long long size = ZSTD_getFrameContentSize(rec.data(), rec.size());
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1u << 30)) {
      return corrupt("checkpoint " + path + ": bad compressed snapshot batch");
    }
    plain.resize(size);
    size_t got = ZSTD_decompress(plain.data(), plain.size(), rec.data(), rec.size());
    if (ZSTD_isError(got) || got != size) {
      return corrupt("checkpoint " + path + ": bad compressed snapshot batch");
    }
    Cursor c{reinterpret_cast<const uint8_t*>(plain.data()),
             reinterpret_cast<const uint8_t*>(plain.data() + plain.size())};
    while (c.ok && c.p != c.end) {
      std::string_view one = c.bytes(c.uvarint());
      if (!c.ok) break;
      if (Status s = restore(one); !s) return s;
    }
    if (!c.ok) return corrupt("checkpoint " + path + ": truncated snapshot batch");
  }
  if (Status s = (*reader)->status(); !s) {
    return Status(StatusCode::kCorruption, "checkpoint " + path + ": " + s.message());
  }
  return n;
}

Status remove_checkpoints_before(const std::string& data_dir, uint64_t segment) {
  auto n = wal::remove_checkpoint_dirs_before(data_dir, segment);
  return n ? Status::ok() : n.status();
}

uint64_t checkpoint_bytes(const std::string& data_dir) {
  return wal::checkpoint_dirs_bytes(data_dir);
}

}  // namespace promlite::tsdb
