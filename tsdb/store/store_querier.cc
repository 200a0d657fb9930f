#include "tsdb/store/store_querier.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <set>
#include <string_view>

#include "tsdb/chunkenc/chunk.h"
#include "tsdb/store/keys.h"
#include "tsdb/store/merge_iterator.h"
#include "tsdb/store/postings_eval.h"

namespace promlite::tsdb::store {

namespace {

std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// Labels::compare order over encoded label buffers (Labels::data()).
bool encoded_less(std::string_view a, std::string_view b) {
  const char* ae = a.data() + a.size();
  const char* be = b.data() + b.size();
  model::Labels::Iterator ia(a.data(), ae), ea(ae, ae);
  model::Labels::Iterator ib(b.data(), be), eb(be, be);
  for (; ia != ea && ib != eb; ++ia, ++ib) {
    model::Label la = *ia, lb = *ib;
    if (int c = la.name.compare(lb.name)) return c < 0;
    if (int c = la.value.compare(lb.value)) return c < 0;
  }
  return ia == ea && ib != eb;
}

// One matching series of one partition.
struct Entry {
  std::string labels;  // encoded
  uint32_t part = 0;
  uint64_t id = 0;
};

// True when a chunk of `c` (all overlapping [mint, maxt]) has a sample in it.
bool has_sample_in(const SeriesChunks& c, model::Timestamp mint, model::Timestamp maxt) {
  for (const SeriesChunks::Ref& r : c.refs) {
    if (r.corrupt || r.min_t >= mint || r.max_t <= maxt) return true;
    // The chunk spans the whole range: look inside.
    auto it = chunkenc::new_iterator(c.data(r), SeriesChunks::meta(r), nullptr);
    if (it->seek(mint) ? it->at().t <= maxt : !it->status().is_ok()) return true;
  }
  return false;
}

// From this many selected series of a partition on, label look-ups with
// matchers walk the postings of the names or values against the selected ids
// instead of reading every selected series' labels (a seek and a copy each).
constexpr size_t kPostingsLookupMin = 256;

std::vector<std::string> limited(std::vector<std::string> v, size_t limit) {
  if (limit > 0 && v.size() > limit) v.resize(limit);
  return v;
}

class StoreQuerier;

class StoreSeries final : public Series {
 public:
  StoreSeries(model::Timestamp mint, model::Timestamp maxt) : mint_(mint), maxt_(maxt) {}
  void reset(model::Labels labels, std::shared_ptr<const SeriesChunks> chunks) {
    labels_ = std::move(labels);
    chunks_ = std::move(chunks);
  }
  const model::Labels& labels() const override { return labels_; }
  std::unique_ptr<SampleIterator> iterator(std::unique_ptr<SampleIterator> reuse) const override {
    std::unique_ptr<ChunkMergeIterator> it;
    if (auto* m = dynamic_cast<ChunkMergeIterator*>(reuse.get()); m != nullptr) {
      reuse.release();
      it.reset(m);
    } else {
      it = std::make_unique<ChunkMergeIterator>();
    }
    it->reset(chunks_, mint_, maxt_);
    return it;
  }

 private:
  model::Timestamp mint_, maxt_;
  model::Labels labels_;
  std::shared_ptr<const SeriesChunks> chunks_;
};

class StoreQuerier final : public Querier {
 public:
  StoreQuerier(rocksdb::DB* db, std::vector<std::shared_ptr<const Partition>> parts,
               model::Timestamp mint, model::Timestamp maxt, const HeadView* head)
      : db_(db),
        snapshot_(db->GetSnapshot()),
        parts_(std::move(parts)),
        mint_(mint),
        maxt_(maxt),
        head_(head) {}
  ~StoreQuerier() override { db_->ReleaseSnapshot(snapshot_); }

  std::unique_ptr<rocksdb::Iterator> new_iterator(size_t part) const {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot_;
    return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(ro, parts_[part]->cf.get()));
  }
  size_t num_parts() const { return parts_.size(); }
  model::Timestamp mint() const { return mint_; }
  model::Timestamp maxt() const { return maxt_; }

  std::unique_ptr<SeriesSet> select(bool sorted, const SelectHints* hints,
                                    const model::Matchers& matchers) override;
  Result<std::vector<std::string>> label_names(const model::Matchers& matchers,
                                               const LabelHints& hints) override;
  Result<std::vector<std::string>> label_values(const std::string& name,
                                                const model::Matchers& matchers,
                                                const LabelHints& hints) override;

 private:
  // The label names (`name` null) or values of `*name` of the series matching
  // `matchers` in every partition, added to `out`.
  Status lookup(const model::Matchers& matchers, const std::string* name,
                std::set<std::string, std::less<>>* out) const;
  // Series of every partition matching `matchers`, with their labels.
  Status collect(const model::Matchers& matchers, std::vector<Entry>* out,
                 std::vector<std::string>* warnings) const;

  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
  std::vector<std::shared_ptr<const Partition>> parts_;
  model::Timestamp mint_, maxt_;
  const HeadView* head_;  // may be null
};

class StoreSeriesSet final : public SeriesSet {
 public:
  StoreSeriesSet(const StoreQuerier* q, std::vector<Entry> entries, Status status,
                 std::vector<std::string> warnings)
      : q_(q),
        entries_(std::move(entries)),
        status_(std::move(status)),
        warnings_(std::move(warnings)),
        iters_(q->num_parts()),
        cur_(q->mint(), q->maxt()) {}

  bool next() override {
    while (status_.is_ok() && pos_ < entries_.size()) {
      size_t first = pos_, end = pos_ + 1;
      while (end < entries_.size() && entries_[end].labels == entries_[first].labels) ++end;
      pos_ = end;
      auto chunks = std::make_shared<SeriesChunks>();
      chunks->series_id = entries_[first].id;
      for (size_t i = first; i < end; ++i) {
        if (Status s = load_chunks(entries_[i], *chunks); !s) {
          status_ = std::move(s);
          return false;
        }
      }
      if (!has_sample_in(*chunks, q_->mint(), q_->maxt())) continue;
      chunks->sort();
      bool ok = true;
      model::Labels labels = model::Labels::from_encoded(std::move(entries_[first].labels), &ok);
      if (!ok) {
        status_ = Status(StatusCode::kCorruption,
                         "malformed labels of series " + std::to_string(entries_[first].id));
        return false;
      }
      cur_.reset(std::move(labels), std::move(chunks));
      return true;
    }
    return false;
  }
  const Series& at() const override { return cur_; }
  Status status() const override { return status_; }
  std::vector<std::string> warnings() const override { return warnings_; }

 private:
  Status load_chunks(const Entry& e, SeriesChunks& out) {
    auto& it = iters_[e.part];
    if (it == nullptr) it = q_->new_iterator(e.part);
    const std::string prefix = chunk_prefix(e.id);
    for (seek_forward(*it, prefix); it->Valid(); it->Next()) {
      std::string_view key = view(it->key());
      uint64_t id;
      model::Timestamp key_min_t;
      if (!key.starts_with(prefix) || !parse_chunk_key(key, &id, &key_min_t)) break;
      if (key_min_t > q_->maxt()) break;
      std::string_view value = view(it->value());
      auto meta = chunkenc::read_chunk_meta(chunkenc::as_bytes(value));
      if (!meta) {
        out.add_corrupt(key_min_t, value);
        continue;
      }
      if (meta->max_t < q_->mint()) continue;
      out.add(value, *meta);
    }
    if (!it->status().ok()) return from_rocks(it->status(), "reading chunks");
    return Status::ok();
  }

  const StoreQuerier* q_;
  std::vector<Entry> entries_;
  size_t pos_ = 0;
  Status status_;
  std::vector<std::string> warnings_;
  std::vector<std::unique_ptr<rocksdb::Iterator>> iters_;  // per partition, lazily
  StoreSeries cur_;
};

Status StoreQuerier::collect(const model::Matchers& matchers, std::vector<Entry>* out,
                             std::vector<std::string>* warnings) const {
  for (size_t p = 0; p < parts_.size(); ++p) {
    auto it = new_iterator(p);
    auto ids = select_ids(*it, matchers);
    if (!ids) return ids.status();
    out->reserve(out->size() + ids->size());
    for (uint64_t id : *ids) {
      // The head answers alone for a series it holds from mint on: neither
      // its labels nor its chunks are read here.
      if (head_ != nullptr && head_->holds_from(id, mint_)) continue;
      Entry e;
      auto found = read_series_labels(*it, id, &e.labels);
      if (!found) return found.status();
      if (!*found) {
        if (warnings->empty()) {
          warnings->push_back("store: postings name series " + std::to_string(id) +
                              " without labels in partition " + std::to_string(parts_[p]->start));
        }
        continue;
      }
      e.part = static_cast<uint32_t>(p);
      e.id = id;
      out->push_back(std::move(e));
    }
  }
  return Status::ok();
}

std::unique_ptr<SeriesSet> StoreQuerier::select(bool /*sorted*/, const SelectHints* /*hints*/,
                                                const model::Matchers& matchers) {
  // Always sorted: equal label sets (several ids or partitions) must be
  // adjacent to come out as one series, and sorting gives that for free.
  std::vector<Entry> entries;
  std::vector<std::string> warnings;
  Status st;
  if (mint_ <= maxt_) st = collect(matchers, &entries, &warnings);
  if (!st) entries.clear();
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.labels != b.labels) return encoded_less(a.labels, b.labels);
    return a.part < b.part;
  });
  return std::make_unique<StoreSeriesSet>(this, std::move(entries), std::move(st),
                                          std::move(warnings));
}

Status StoreQuerier::lookup(const model::Matchers& matchers, const std::string* name,
                            std::set<std::string, std::less<>>* out) const {
  std::vector<std::string> found;
  std::string labels;
  for (size_t p = 0; p < parts_.size(); ++p) {
    auto it = new_iterator(p);
    found.clear();
    if (matchers.empty()) {
      Status s = name ? scan_label_values(*it, *name, &found) : scan_label_names(*it, &found);
      if (!s) return s;
      out->insert(found.begin(), found.end());
      continue;
    }
    auto ids = select_ids(*it, matchers);
    if (!ids) return ids.status();
    if (ids->size() >= kPostingsLookupMin) {
      Status s = name ? scan_label_values_for(*it, *name, *ids, &found)
                      : scan_label_names_for(*it, *ids, &found);
      if (!s) return s;
      out->insert(found.begin(), found.end());
      continue;
    }
    // Few series: their labels are read (ids without labels are skipped,
    // as select() does).
    for (uint64_t id : *ids) {
      auto present = read_series_labels(*it, id, &labels);
      if (!present) return present.status();
      if (!*present) continue;
      const char* end = labels.data() + labels.size();
      for (model::Labels::Iterator l(labels.data(), end), stop(end, end); l != stop; ++l) {
        if (name != nullptr && (*l).name != *name) continue;
        std::string_view v = name ? (*l).value : (*l).name;
        if (out->find(v) == out->end()) out->emplace(v);
        if (name != nullptr) break;
      }
    }
  }
  return Status::ok();
}

Result<std::vector<std::string>> StoreQuerier::label_names(const model::Matchers& matchers,
                                                           const LabelHints& hints) {
  std::set<std::string, std::less<>> names;
  if (mint_ > maxt_) return std::vector<std::string>{};
  if (Status s = lookup(matchers, nullptr, &names); !s) return s;
  return limited({names.begin(), names.end()}, hints.limit);
}

Result<std::vector<std::string>> StoreQuerier::label_values(const std::string& name,
                                                            const model::Matchers& matchers,
                                                            const LabelHints& hints) {
  std::set<std::string, std::less<>> values;
  if (mint_ > maxt_) return std::vector<std::string>{};
  if (Status s = lookup(matchers, &name, &values); !s) return s;
  return limited({values.begin(), values.end()}, hints.limit);
}

}  // namespace

Result<std::unique_ptr<Querier>> make_store_querier(
    rocksdb::DB* db, std::vector<std::shared_ptr<const Partition>> parts, model::Timestamp mint,
    model::Timestamp maxt, const HeadView* head) {
  return std::unique_ptr<Querier>(new StoreQuerier(db, std::move(parts), mint, maxt, head));
}

}  // namespace promlite::tsdb::store
