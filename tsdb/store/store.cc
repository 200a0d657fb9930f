#include "tsdb/store/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/metadata.h>
#include <rocksdb/write_batch.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <unordered_set>

#include "model/log.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/store/keys.h"
#include "tsdb/store/options.h"
#include "tsdb/store/partition.h"
#include "tsdb/store/store_querier.h"

namespace promlite::tsdb::store {

namespace {

constexpr std::string_view kPartitionPrefix = "p_";
constexpr std::string_view kMetaPartitionMs = "meta/partition_ms";
// Partitions whose written-series sets are kept in memory; older ones rarely
// receive chunks and reload theirs from the 'S' keys when they do.
constexpr size_t kWrittenSetsKept = 3;

std::string partition_name(model::Timestamp start) {
  return std::string(kPartitionPrefix) + std::to_string(start);
}

bool parse_partition_name(std::string_view name, model::Timestamp* start) {
  if (!name.starts_with(kPartitionPrefix)) return false;
  name.remove_prefix(kPartitionPrefix.size());
  auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), *start);
  return ec == std::errc() && p == name.data() + name.size();
}

// Room kept free besides a batch's own bytes: RocksDB's MANIFEST and OPTIONS
// updates, and the promlite WAL appending at the same time.
constexpr uint64_t kFreeSpaceMargin = 1 << 20;

// Bytes an unprivileged writer may still use on the filesystem holding `dir`;
// UINT64_MAX when that is unknown (the write is then simply tried).
uint64_t free_bytes(const std::string& dir) {
  struct statvfs v;
  if (::statvfs(dir.c_str(), &v) != 0) return UINT64_MAX;
  return static_cast<uint64_t>(v.f_bavail) * v.f_frsize;
}

int64_t parse_int(const std::string& s, int64_t fallback) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() && v > 0 ? v : fallback;
}

}  // namespace

Status from_rocks(const rocksdb::Status& s, std::string_view what) {
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsNoSpace()) return Status(StatusCode::kResourceExhausted, std::move(msg));
  if (s.IsCorruption()) return Status(StatusCode::kCorruption, std::move(msg));
  if (s.IsInvalidArgument()) return invalid_argument(std::move(msg));
  return io_error(std::move(msg));
}

Store::Store(std::string dir, const StoreOptions& opts)
    : dir_(std::move(dir)), opts_(opts), partition_ms_(opts.partition_ms) {}

Store::~Store() {
  parts_.clear();  // destroys the partitions' handles (no querier may be alive)
  if (db_ != nullptr) {
    for (rocksdb::ColumnFamilyHandle* h : other_handles_) {
      if (h != db_->DefaultColumnFamily()) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    db_->Close().PermitUncheckedError();
  }
}

std::shared_ptr<Partition> Store::make_partition(model::Timestamp start,
                                                 rocksdb::ColumnFamilyHandle* cf) {
  auto p = std::make_shared<Partition>();
  p->start = start;
  p->end = start > model::kMaxTime - partition_ms_ ? model::kMaxTime : start + partition_ms_;
  rocksdb::DB* db = db_.get();
  p->cf = std::shared_ptr<rocksdb::ColumnFamilyHandle>(cf, [db](rocksdb::ColumnFamilyHandle* h) {
    db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  });
  return p;
}

Result<std::unique_ptr<Store>> Store::open(const std::string& dir, const StoreOptions& opts) {
  if (opts.partition_ms <= 0) return invalid_argument("partition_ms must be positive");
  std::unique_ptr<Store> s(new Store(dir, opts));
  s->cache_ = rocksdb::NewLRUCache(opts.block_cache_bytes);
  s->cf_opts_ =
      std::make_unique<rocksdb::ColumnFamilyOptions>(make_partition_options(opts, s->cache_));
  rocksdb::DBOptions db_opts = make_db_options(opts);

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error("creating " + dir + ": " + ec.message());

  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(db_opts, dir, &names).ok()) names.clear();  // new store
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  descs.emplace_back(rocksdb::kDefaultColumnFamilyName, make_default_cf_options(s->cache_));
  for (const std::string& n : names) {
    if (n == rocksdb::kDefaultColumnFamilyName) continue;
    model::Timestamp start;
    descs.emplace_back(
        n, parse_partition_name(n, &start) ? *s->cf_opts_ : make_default_cf_options(s->cache_));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status rs = rocksdb::DB::Open(db_opts, dir, descs, &handles, &raw);
  if (!rs.ok()) return from_rocks(rs, "opening store " + dir);
  s->db_.reset(raw);

  for (size_t i = 0; i < descs.size(); ++i) {
    model::Timestamp start;
    if (parse_partition_name(descs[i].name, &start)) {
      s->parts_[start] = s->make_partition(start, handles[i]);
    } else {
      if (i > 0) LOG_WARN("Unknown column family in store", {"name", descs[i].name});
      s->other_handles_.push_back(handles[i]);
    }
  }

  // The partition length is fixed when the store is created.
  std::string stored;
  rs = s->db_->Get(rocksdb::ReadOptions(), std::string(kMetaPartitionMs), &stored);
  if (rs.ok()) {
    int64_t pms = parse_int(stored, opts.partition_ms);
    if (pms != opts.partition_ms) {
      LOG_WARN("Store partition length differs from the configured one; keeping the stored one",
               {"stored_ms", pms}, {"configured_ms", opts.partition_ms});
    }
    s->partition_ms_ = pms;
    for (auto& [start, p] : s->parts_) {
      p->end = start > model::kMaxTime - pms ? model::kMaxTime : start + pms;
    }
  } else if (rs.IsNotFound()) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rs = s->db_->Put(wo, std::string(kMetaPartitionMs), std::to_string(opts.partition_ms));
    if (!rs.ok()) return from_rocks(rs, "writing store metadata");
  } else {
    return from_rocks(rs, "reading store metadata");
  }
  return s;
}

model::Timestamp Store::partition_start(model::Timestamp t) const {
  model::Timestamp q = t / partition_ms_;
  if (t % partition_ms_ < 0) --q;  // floor division for times before the epoch
  return q * partition_ms_;
}

Result<std::shared_ptr<Partition>> Store::partition_for_write(model::Timestamp start) {
  {
    std::shared_lock lock(mu_);
    auto it = parts_.find(start);
    if (it != parts_.end()) return it->second;
  }
  std::unique_lock lock(mu_);
  auto it = parts_.find(start);
  if (it != parts_.end()) return it->second;
  rocksdb::ColumnFamilyHandle* h = nullptr;
  rocksdb::Status rs = db_->CreateColumnFamily(*cf_opts_, partition_name(start), &h);
  if (!rs.ok()) return from_rocks(rs, "creating partition " + partition_name(start));
  auto p = make_partition(start, h);
  p->written = std::make_unique<SeriesIdSet>();  // a new partition has no series
  parts_[start] = p;
  return p;
}

Status Store::load_written(Partition& p) {
  auto set = std::make_unique<SeriesIdSet>();
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  std::string upper(1, kSeriesTag + 1);
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, p.cf.get()));
  for (it->Seek(std::string(1, kSeriesTag)); it->Valid(); it->Next()) {
    uint64_t id;
    if (parse_series_key(std::string_view(it->key().data(), it->key().size()), &id)) {
      set->insert(id);
    }
  }
  if (!it->status().ok()) return from_rocks(it->status(), "reading partition series");
  p.written = std::move(set);
  return Status::ok();
}

Result<uint64_t> Store::max_series_id() const {
  uint64_t max_id = 0;
  const std::string last = series_key(UINT64_MAX);
  for (const auto& p : all_partitions()) {
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, p->cf.get()));
    it->SeekForPrev(last);
    uint64_t id;
    if (it->Valid() &&
        parse_series_key(std::string_view(it->key().data(), it->key().size()), &id)) {
      max_id = std::max(max_id, id);
    }
    if (!it->status().ok()) return from_rocks(it->status(), "reading partition series");
  }
  return max_id;
}

void Store::evict_written_sets() {
  std::vector<std::shared_ptr<Partition>> with_sets;
  for (auto& p : all_partitions()) {
    if (p->written != nullptr) with_sets.push_back(p);
  }
  if (with_sets.size() <= kWrittenSetsKept) return;
  std::sort(with_sets.begin(), with_sets.end(),
            [](const auto& a, const auto& b) { return a->last_write > b->last_write; });
  for (size_t i = kWrittenSetsKept; i < with_sets.size(); ++i) with_sets[i]->written.reset();
}

Status Store::write_batch(rocksdb::WriteBatch& batch, bool sync, std::string_view what) {
  // A write that RocksDB's WAL fails for lack of space cannot be recovered
  // from in this process (see write() in store.h), so it is not attempted
  // when the batch would not fit: the caller keeps its data and retries.
  if (wal_failed_) {
    return Status(StatusCode::kResourceExhausted,
                  std::string(what) +
                      ": the store's RocksDB WAL ran out of space earlier; "
                      "writes resume after a restart");
  }
  const uint64_t need = batch.GetDataSize() + kFreeSpaceMargin;
  if (uint64_t avail = free_bytes(dir_); avail < need) {
    return Status(StatusCode::kResourceExhausted,
                  std::string(what) + ": No space left on device (" + std::to_string(avail) +
                      " bytes free in " + dir_ + ", " + std::to_string(need) + " needed)");
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  rocksdb::Status rs = db_->Write(wo, &batch);
  if (!rs.ok() && !rs.IsInvalidArgument() && !rs.IsNoSpace()) {
    // A failed flush or compaction leaves RocksDB in a read-only
    // background-error state; try to leave it, then retry once. (A no-space
    // background error is cleared by the SstFileManager once space returns.)
    if (db_->Resume().ok()) rs = db_->Write(wo, &batch);
  }
  if (!rs.ok()) {
    // RocksDB's message names the file: a WAL file (*.log) cannot be written
    // again, an SST file (a failed flush) recovers.
    if (rs.IsNoSpace() && rs.ToString().find(".log") != std::string::npos) {
      wal_failed_ = true;
      LOG_ERROR("The store's RocksDB WAL ran out of space; store writes stop until restart",
                {"err", rs.ToString()});
    }
    return from_rocks(rs, what);
  }
  return Status::ok();
}

Status Store::write(std::span<const ChunkRecord> chunks, bool sync) {
  std::lock_guard wl(write_mu_);
  ++write_counter_;

  // Validate everything first: nothing is written when one chunk is bad.
  std::vector<model::Timestamp> starts(chunks.size());
  for (size_t i = 0; i < chunks.size(); ++i) {
    auto meta = chunkenc::read_chunk_meta(chunkenc::as_bytes(chunks[i].data));
    if (!meta) {
      return invalid_argument("chunk of series " + std::to_string(chunks[i].series_id) + ": " +
                              meta.status().message());
    }
    const std::string what = "chunk of series " + std::to_string(chunks[i].series_id) + " [" +
                             std::to_string(meta->min_t) + ", " + std::to_string(meta->max_t) + "]";
    if (meta->max_t < meta->min_t || meta->min_t < model::kMinTime + partition_ms_ ||
        meta->max_t > model::kMaxTime - partition_ms_) {
      return invalid_argument(what + ": time range out of bounds");
    }
    starts[i] = partition_start(meta->min_t);
    // max_t >= min_t >= start: the unsigned difference is exact.
    if (static_cast<uint64_t>(meta->max_t) - static_cast<uint64_t>(starts[i]) >=
        static_cast<uint64_t>(partition_ms_)) {
      return invalid_argument(what + " crosses the partition boundary " +
                              std::to_string(starts[i] + partition_ms_));
    }
  }

  rocksdb::WriteBatch batch;
  struct Added {
    Partition* p;
    uint64_t id;
  };
  std::vector<Added> added;
  struct AddedHash {
    size_t operator()(const std::pair<Partition*, uint64_t>& k) const {
      return std::hash<uint64_t>()(k.second * 0x9e3779b97f4a7c15ULL ^
                                   reinterpret_cast<uintptr_t>(k.first));
    }
  };
  std::unordered_set<std::pair<Partition*, uint64_t>, AddedHash> added_keys;
  std::vector<std::shared_ptr<Partition>> touched;
  std::shared_ptr<Partition> part;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const ChunkRecord& c = chunks[i];
    if (part == nullptr || part->start != starts[i]) {
      auto r = partition_for_write(starts[i]);
      if (!r) return r.status();
      part = std::move(r.value());
      if (part->written == nullptr) {
        if (Status s = load_written(*part); !s) return s;
      }
      part->last_write = write_counter_;
      touched.push_back(part);
    }
    if (!part->written->contains(c.series_id)) {
      if (added_keys.emplace(part.get(), c.series_id).second) {
        if (c.labels == nullptr) {
          return invalid_argument("labels missing for series " + std::to_string(c.series_id) +
                                  ", first written to partition " + partition_name(part->start));
        }
        rocksdb::ColumnFamilyHandle* cf = part->cf.get();
        if (auto rs = batch.Put(cf, series_key(c.series_id), c.labels->data()); !rs.ok()) {
          return from_rocks(rs, "building write batch");
        }
        for (const model::Label& l : *c.labels) {
          if (auto rs = batch.Put(cf, postings_key(l.name, l.value, c.series_id), {}); !rs.ok()) {
            return from_rocks(rs, "building write batch");
          }
        }
        added.push_back({part.get(), c.series_id});
      }
    }
    auto meta = chunkenc::read_chunk_meta(chunkenc::as_bytes(c.data));
    if (auto rs = batch.Put(part->cf.get(), chunk_key(c.series_id, meta->min_t),
                            rocksdb::Slice(c.data.data(), c.data.size()));
        !rs.ok()) {
      return from_rocks(rs, "building write batch");
    }
  }

  if (Status s = write_batch(batch, sync, "writing chunks"); !s) return s;
  for (const Added& a : added) a.p->written->insert(a.id);
  evict_written_sets();
  return Status::ok();
}

Status Store::sync_wal() {
  if (wal_failed_) return Status(StatusCode::kResourceExhausted, "syncing WAL: it failed a write");
  rocksdb::Status rs = db_->SyncWAL();
  return rs.ok() ? Status::ok() : from_rocks(rs, "syncing WAL");
}

std::vector<std::shared_ptr<Partition>> Store::all_partitions() const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<Partition>> out;
  out.reserve(parts_.size());
  for (const auto& [start, p] : parts_) out.push_back(p);
  return out;
}

Result<std::unique_ptr<Querier>> Store::querier(model::Timestamp mint, model::Timestamp maxt,
                                                const HeadView* head) {
  std::vector<std::shared_ptr<const Partition>> sel;
  if (mint <= maxt) {
    for (auto& p : all_partitions()) {
      if (p->start <= maxt && p->end > mint) sel.push_back(std::move(p));
    }
  }
  return make_store_querier(db_.get(), std::move(sel), mint, maxt, head);
}

Result<size_t> Store::drop(std::vector<std::shared_ptr<Partition>> victims) {
  size_t n = 0;
  for (auto& p : victims) {
    rocksdb::Status rs = db_->DropColumnFamily(p->cf.get());
    if (!rs.ok()) return from_rocks(rs, "dropping partition " + partition_name(p->start));
    {
      std::unique_lock lock(mu_);
      parts_.erase(p->start);
    }
    LOG_INFO("Dropped partition", {"start", p->start}, {"end", p->end});
    ++n;
  }
  victims.clear();  // destroys the handles unless a querier still holds them
  purge_obsolete_files();
  return n;
}

void Store::purge_obsolete_files() {
  // RocksDB deletes a dropped column family's files at its next obsolete-file
  // scan once every handle is gone; re-enabling file deletions forces a scan
  // now instead of at the next flush or compaction job.
  if (db_->DisableFileDeletions().ok())
    db_->EnableFileDeletions(/*force=*/true).PermitUncheckedError();
}

Result<size_t> Store::drop_before(model::Timestamp t) {
  std::vector<std::shared_ptr<Partition>> victims;
  for (auto& p : all_partitions()) {
    if (p->end <= t) victims.push_back(std::move(p));
  }
  return drop(std::move(victims));
}

Result<size_t> Store::drop_oldest() {
  auto all = all_partitions();
  if (all.empty()) return size_t{0};
  return drop({all.front()});
}

std::vector<PartitionInfo> Store::partitions() const {
  std::vector<PartitionInfo> out;
  for (const auto& p : all_partitions()) {
    PartitionInfo info;
    info.start = p->start;
    info.end = p->end;
    rocksdb::ColumnFamilyMetaData meta;
    db_->GetColumnFamilyMetaData(p->cf.get(), &meta);
    info.disk_bytes = meta.size;
    db_->GetIntProperty(p->cf.get(), "rocksdb.estimate-num-keys", &info.estimated_keys);
    const std::string bounds[] = {"C", "D", "P", "Q", "S", "T"};
    rocksdb::Range ranges[3] = {
        {bounds[0], bounds[1]}, {bounds[2], bounds[3]}, {bounds[4], bounds[5]}};
    uint64_t sizes[3] = {0, 0, 0};
    rocksdb::SizeApproximationOptions so;
    so.include_files = true;
    so.include_memtables = false;
    if (db_->GetApproximateSizes(so, p->cf.get(), ranges, 3, sizes).ok()) {
      info.chunk_bytes = sizes[0];
      info.postings_bytes = sizes[1];
      info.series_bytes = sizes[2];
    }
    out.push_back(info);
  }
  return out;
}

uint64_t Store::disk_bytes() const {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fec;
    if (it->is_regular_file(fec)) {
      uint64_t sz = it->file_size(fec);
      if (!fec) total += sz;  // files may vanish meanwhile (compaction)
    }
  }
  return total;
}

Status Store::flush() {
  if (wal_failed_) {
    return Status(StatusCode::kResourceExhausted, "flushing memtables: the WAL failed a write");
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles(other_handles_);
  auto parts = all_partitions();
  for (const auto& p : parts) handles.push_back(p->cf.get());
  rocksdb::FlushOptions fo;
  fo.wait = true;
  rocksdb::Status rs = db_->Flush(fo, handles);
  if (!rs.ok()) return from_rocks(rs, "flushing memtables");
  parts.clear();
  purge_obsolete_files();
  return Status::ok();
}

Status Store::compact() {
  if (Status s = flush(); !s) return s;
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  for (const auto& p : all_partitions()) {
    rocksdb::Status rs = db_->CompactRange(co, p->cf.get(), nullptr, nullptr);
    if (!rs.ok()) return from_rocks(rs, "compacting partition " + partition_name(p->start));
  }
  return Status::ok();
}

size_t Store::written_sets_bytes() const {
  std::lock_guard wl(write_mu_);
  size_t total = 0;
  for (const auto& p : all_partitions()) {
    if (p->written != nullptr) total += p->written->memory_bytes();
  }
  return total;
}

}  // namespace promlite::tsdb::store
