// Store operations behind the admin API: metadata records (the DB's
// tombstones), rewriting chunks without deleted samples, checkpoints.
#include <rocksdb/db.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <unordered_map>

#include "tsdb/chunkenc/chunk.h"
#include "tsdb/store/keys.h"
#include "tsdb/store/partition.h"
#include "tsdb/store/postings_eval.h"
#include "tsdb/store/store.h"

namespace promlite::tsdb::store {

namespace {

std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

}  // namespace

Status Store::put_meta(std::span<const MetaWrite> writes, bool sync) {
  rocksdb::WriteBatch batch;
  for (const MetaWrite& w : writes) {
    if (w.key.starts_with("meta/")) return invalid_argument("reserved store key " + w.key);
    rocksdb::Status rs = w.value ? batch.Put(w.key, *w.value) : batch.Delete(w.key);
    if (!rs.ok()) return from_rocks(rs, "building write batch");
  }
  if (batch.Count() == 0) return Status::ok();
  return write_batch(batch, sync, "writing store records");
}

Status Store::scan_meta(std::string_view prefix,
                        const std::function<Status(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid(); it->Next()) {
    std::string_view key = view(it->key());
    if (!key.starts_with(prefix)) break;
    if (Status s = fn(key, view(it->value())); !s) return s;
  }
  if (!it->status().ok()) return from_rocks(it->status(), "reading store records");
  return Status::ok();
}

Result<uint64_t> Store::delete_samples(std::span<const SeriesDeletion> deletions) {
  std::lock_guard wl(write_mu_);
  uint64_t changed = 0;
  std::vector<model::Sample> samples;
  for (const auto& p : all_partitions()) {
    // The label sets with deleted samples in this partition. They are found
    // with one pass over its series table: cheaper than a postings
    // intersection per label set when many series are cleaned at once.
    std::unordered_map<std::string_view, size_t> wanted;
    for (size_t i = 0; i < deletions.size(); ++i) {
      if (deletions[i].intervals->overlaps(p->start, p->end - 1)) {
        wanted.emplace(deletions[i].labels->data(), i);
      }
    }
    if (wanted.empty()) continue;
    rocksdb::ColumnFamilyHandle* cf = p->cf.get();
    rocksdb::WriteBatch batch;
    bool series_removed = false;
    // One consistent view for the whole partition: the batch lands after.
    const rocksdb::Snapshot* snap = db_->GetSnapshot();
    rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> series(db_->NewIterator(ro, cf));
    std::unique_ptr<rocksdb::Iterator> chunks(db_->NewIterator(ro, cf));
    auto done = [&](Status s) {
      series.reset();
      chunks.reset();
      db_->ReleaseSnapshot(snap);
      return s;
    };
    const std::string series_end(1, kSeriesTag + 1);
    for (series->Seek(std::string(1, kSeriesTag)); series->Valid(); series->Next()) {
      std::string_view skey = view(series->key());
      if (skey >= series_end) break;
      uint64_t id;
      if (!parse_series_key(skey, &id)) continue;
      auto found = wanted.find(view(series->value()));
      if (found == wanted.end()) continue;
      const SeriesDeletion& del = deletions[found->second];
      const Intervals& deleted = *del.intervals;
      size_t kept = 0;
      const std::string prefix = chunk_prefix(id);
      for (seek_forward(*chunks, prefix); chunks->Valid(); chunks->Next()) {
        std::string_view key = view(chunks->key());
        if (!key.starts_with(prefix)) break;
        std::string_view value = view(chunks->value());
        auto meta = chunkenc::read_chunk_meta(chunkenc::as_bytes(value));
        if (!meta || !deleted.overlaps(meta->min_t, meta->max_t)) {
          ++kept;  // untouched (a corrupt chunk is left for readers to report)
          continue;
        }
        auto decoded = chunkenc::decode_all(chunkenc::as_bytes(value));
        if (!decoded) {
          ++kept;
          continue;
        }
        samples.clear();
        for (const model::Sample& smp : *decoded) {
          if (!deleted.contains(smp.t)) samples.push_back(smp);
        }
        if (samples.size() == decoded->size()) {
          ++kept;
          continue;
        }
        ++changed;
        if (auto rs = batch.Delete(cf, rocksdb::Slice(key.data(), key.size())); !rs.ok()) {
          return done(from_rocks(rs, "building write batch"));
        }
        if (samples.empty()) continue;
        std::string out;
        if (auto enc = chunkenc::encode_best(samples, out); !enc) return done(enc.status());
        if (auto rs = batch.Put(cf, chunk_key(id, samples.front().t), out); !rs.ok()) {
          return done(from_rocks(rs, "building write batch"));
        }
        ++kept;
      }
      if (!chunks->status().ok()) return done(from_rocks(chunks->status(), "reading chunks"));
      if (kept > 0) continue;
      // No chunk left: the series leaves the partition's index too, so label
      // look-ups no longer find it.
      if (auto rs = batch.Delete(cf, series_key(id)); !rs.ok()) {
        return done(from_rocks(rs, "building write batch"));
      }
      for (const model::Label& l : *del.labels) {
        if (auto rs = batch.Delete(cf, postings_key(l.name, l.value, id)); !rs.ok()) {
          return done(from_rocks(rs, "building write batch"));
        }
      }
      series_removed = true;
    }
    if (!series->status().ok()) return done(from_rocks(series->status(), "reading series"));
    (void)done(Status::ok());
    if (batch.Count() > 0) {
      if (Status s = write_batch(batch, true, "rewriting chunks"); !s) return s;
    }
    // The writer's set of ids with labels in the partition is stale: reload
    // it from the series keys at the next write.
    if (series_removed) p->written.reset();
  }
  return changed;
}

Status Store::checkpoint(const std::string& dir) {
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status rs = rocksdb::Checkpoint::Create(db_.get(), &raw);
  if (!rs.ok()) return from_rocks(rs, "creating store checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> cp(raw);
  // log_size_for_flush 0: memtables are always flushed, so the copy needs no
  // RocksDB WAL replay.
  rs = cp->CreateCheckpoint(dir, 0);
  if (!rs.ok()) return from_rocks(rs, "writing store checkpoint " + dir);
  return Status::ok();
}

}  // namespace promlite::tsdb::store
