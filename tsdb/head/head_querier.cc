#include "tsdb/head/head_querier.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <set>
#include <unordered_set>

#include "tsdb/head/head_iterator.h"

namespace promlite::tsdb::head {

namespace {

class HeadSeries final : public Series {
 public:
  HeadSeries(const HeadQuerier::Selected* sel, model::Timestamp mint) : sel_(sel), mint_(mint) {}
  void reset(const HeadQuerier::Selected* sel) { sel_ = sel; }

  const model::Labels& labels() const override { return sel_->series->labels(); }

  std::unique_ptr<SampleIterator> iterator(std::unique_ptr<SampleIterator> reuse) const override {
    std::unique_ptr<HeadIterator> it;
    if (auto* h = dynamic_cast<HeadIterator*>(reuse.get()); h != nullptr) {
      reuse.release();
      it.reset(h);
    } else {
      it = std::make_unique<HeadIterator>();
    }
    it->capture(*sel_->series, mint_, sel_->maxt);
    return it;
  }

 private:
  const HeadQuerier::Selected* sel_;
  model::Timestamp mint_;
};

class HeadSeriesSet final : public SeriesSet {
 public:
  HeadSeriesSet(std::vector<HeadQuerier::Selected> series, model::Timestamp mint)
      : series_(std::move(series)), cur_(nullptr, mint) {}

  bool next() override {
    if (next_ >= series_.size()) return false;
    cur_.reset(&series_[next_++]);
    return true;
  }
  const Series& at() const override { return cur_; }

 private:
  std::vector<HeadQuerier::Selected> series_;
  size_t next_ = 0;
  HeadSeries cur_;
};

// Labels::compare over encoded buffers (Labels::data()), label by label.
bool encoded_less_slow(std::string_view a, std::string_view b) {
  model::Labels::Iterator ia(a.data(), a.data() + a.size()),
      ea(a.data() + a.size(), a.data() + a.size());
  model::Labels::Iterator ib(b.data(), b.data() + b.size()),
      eb(b.data() + b.size(), b.data() + b.size());
  for (; ia != ea && ib != eb; ++ia, ++ib) {
    model::Label la = *ia, lb = *ib;
    if (int c = la.name.compare(lb.name)) return c < 0;
    if (int c = la.value.compare(lb.value)) return c < 0;
  }
  return ia == ea && ib != eb;
}

// Skips one varint; null past `end`.
const char* skip_varint(const char* p, const char* end, size_t* v) {
  size_t r = 0;
  for (int shift = 0; p < end && shift <= 63; shift += 7) {
    auto byte = static_cast<unsigned char>(*p++);
    r |= static_cast<size_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *v = r;
      return p;
    }
  }
  return nullptr;
}

// Labels::compare order over encoded buffers. Series selected together share
// long prefixes (same metric name, same host prefix...), so the buffers are
// first compared as bytes: everything before the first differing byte is
// the same labels in both, and the label-by-label comparison starts at the
// label holding that byte.
bool encoded_less(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  size_t p = 0;
  while (p + 8 <= n) {
    uint64_t x, y;
    std::memcpy(&x, a.data() + p, 8);
    std::memcpy(&y, b.data() + p, 8);
    if (x != y) break;
    p += 8;
  }
  while (p < n && a[p] == b[p]) ++p;
  if (p == n) {
    // One buffer is a prefix of the other, so it ends on a label boundary:
    // fewer labels, all equal, sort first.
    return a.size() < b.size();
  }
  // The start of the label holding byte p (the same offset in both buffers).
  const char* base = a.data();
  const char* end = base + a.size();
  const char* start = base;
  for (;;) {
    size_t len = 0;
    const char* q = skip_varint(start, end, &len);
    if (q == nullptr || q + len > end) return encoded_less_slow(a, b);  // malformed
    q = skip_varint(q + len, end, &len);
    if (q == nullptr || q + len > end) return encoded_less_slow(a, b);
    if (static_cast<size_t>(q + len - base) > p) break;
    start = q + len;
  }
  const size_t off = static_cast<size_t>(start - base);
  return encoded_less_slow(a.substr(off), b.substr(off));
}

// Sorts in Labels::compare order through sort keys built once per query.
//
// A label set's key is name 00 value 00 name 00 value 00 ...: when no name or
// value holds a 00 byte, comparing keys as bytes is Labels::compare (a 00
// ends a string before any byte that continues the other one; a set that is
// a prefix of another ends first). The keys go into one contiguous arena, the
// bytes every key shares are skipped, and the next 8 bytes are kept inline in
// the sort entry as a big-endian integer, so most comparisons touch only the
// entries (series chosen together share their metric name and more; the
// encoded buffers used before cost a pointer chase and a label-by-label walk
// per comparison). A set with a 00 byte falls back to encoded_less().
void sort_by_labels(std::vector<HeadQuerier::Selected>& series) {
  if (series.size() < 2) return;
  std::string arena;
  size_t total = 0;
  for (const HeadQuerier::Selected& s : series) total += s.series->labels().data().size();
  arena.reserve(total);
  std::vector<uint32_t> offsets;
  offsets.reserve(series.size() + 1);
  bool plain = total < (size_t{1} << 32);
  for (size_t i = 0; plain && i < series.size(); ++i) {
    offsets.push_back(static_cast<uint32_t>(arena.size()));
    for (model::Label l : series[i].series->labels()) {
      if (l.name.find('\0') != std::string_view::npos ||
          l.value.find('\0') != std::string_view::npos) {
        plain = false;
        break;
      }
      arena.append(l.name);
      arena.push_back('\0');
      arena.append(l.value);
      arena.push_back('\0');
    }
  }
  if (!plain) {
    std::sort(series.begin(), series.end(),
              [](const HeadQuerier::Selected& a, const HeadQuerier::Selected& b) {
                return encoded_less(a.series->labels().data(), b.series->labels().data());
              });
    return;
  }
  offsets.push_back(static_cast<uint32_t>(arena.size()));
  auto key = [&](size_t i) {
    return std::string_view(arena.data() + offsets[i], offsets[i + 1] - offsets[i]);
  };
  // Bytes shared by every key.
  size_t common = key(0).size();
  for (size_t i = 1; i < series.size() && common > 0; ++i) {
    std::string_view a = key(0), b = key(i);
    common = std::min(common, b.size());
    size_t p = 0;
    while (p < common && a[p] == b[p]) ++p;
    common = p;
  }
  struct Entry {
    uint64_t head;  // the 8 bytes after `common`, big-endian, zero-padded
    uint32_t off;   // of the rest after `common`
    uint32_t len;
    uint32_t index;
  };
  std::vector<Entry> entries(series.size());
  for (size_t i = 0; i < series.size(); ++i) {
    std::string_view k = key(i).substr(common);
    uint64_t h = 0;
    for (size_t b = 0; b < 8; ++b) {
      h = (h << 8) | (b < k.size() ? static_cast<unsigned char>(k[b]) : 0u);
    }
    entries[i] = {h, static_cast<uint32_t>(offsets[i] + common), static_cast<uint32_t>(k.size()),
                  static_cast<uint32_t>(i)};
  }
  const char* base = arena.data();
  std::sort(entries.begin(), entries.end(), [base](const Entry& a, const Entry& b) {
    if (a.head != b.head) return a.head < b.head;
    // Equal heads (zero padding included): compare the whole rest.
    const size_t n = std::min(a.len, b.len);
    if (int c = std::memcmp(base + a.off, base + b.off, n)) return c < 0;
    return a.len < b.len;
  });
  std::vector<HeadQuerier::Selected> out;
  out.reserve(series.size());
  for (const Entry& e : entries) out.push_back(std::move(series[e.index]));
  series = std::move(out);
}

std::vector<std::string> limited(std::vector<std::string> v, size_t limit) {
  if (limit > 0 && v.size() > limit) v.resize(limit);
  return v;
}

// The ids a set of matchers selected, for membership tests while the
// look-ups below walk the postings of a label's values: a bitmap over the ids'
// span when that is dense enough (ids come from a counter, so the head's are
// dense), else binary search. remove() forgets a series found out of bounds so
// it is not looked at again.
class IdSet {
 public:
  explicit IdSet(std::vector<index::SeriesId> ids) : ids_(std::move(ids)) {
    if (ids_.empty()) return;
    base_ = ids_.front();
    const uint64_t span = ids_.back() - base_ + 1;
    if (span / 64 <= ids_.size()) {  // at most 8 bytes of bitmap per id
      bits_.assign(span / 64 + 1, 0);
      for (index::SeriesId id : ids_)
        bits_[(id - base_) / 64] |= uint64_t{1} << ((id - base_) % 64);
    }
  }
  size_t size() const { return ids_.size(); }
  bool contains(index::SeriesId id) const {
    if (!bits_.empty()) {
      if (id < base_ || id - base_ >= bits_.size() * 64) return false;
      return (bits_[(id - base_) / 64] >> ((id - base_) % 64)) & 1;
    }
    return std::binary_search(ids_.begin(), ids_.end(), id) && !removed_.count(id);
  }
  void remove(index::SeriesId id) {
    if (!bits_.empty()) {
      bits_[(id - base_) / 64] &= ~(uint64_t{1} << ((id - base_) % 64));
    } else {
      removed_.insert(id);
    }
  }

 private:
  std::vector<index::SeriesId> ids_;
  index::SeriesId base_ = 0;
  std::vector<uint64_t> bits_;
  std::unordered_set<index::SeriesId> removed_;
};

// Below this many selected series, label look-ups with matchers read the
// series' own labels; from there on they walk the postings of the label's
// values against an IdSet (cost: the postings entries read, about a
// nanosecond each, instead of a series look-up, lock and label scan, some
// hundreds of nanoseconds, per selected series).
constexpr size_t kPostingsLookupMin = 1000;

// True when one of `ids` is in `set` and in bounds (per `in_bounds`); forgets
// the members found out of bounds.
template <typename InBounds>
bool any_selected(std::span<const index::SeriesId> ids, IdSet& set, InBounds&& in_bounds) {
  for (index::SeriesId id : ids) {
    if (!set.contains(id)) continue;
    if (in_bounds(id)) return true;
    set.remove(id);
  }
  return false;
}

}  // namespace

bool HeadQuerier::in_bounds(index::SeriesId id) const {
  SeriesPtr s = head_->series_by_id(id);
  if (!s) return false;
  std::lock_guard<SpinLock> lock(s->lock);
  return s->has_sample_in(mint_, maxt_);
}

std::vector<HeadQuerier::Selected> HeadQuerier::matching(const model::Matchers& matchers) const {
  if (mint_ > maxt_) return {};
  return matching(head_->postings().select(matchers));
}

std::vector<HeadQuerier::Selected> HeadQuerier::matching(
    const std::vector<index::SeriesId>& ids) const {
  std::vector<Selected> out;
  out.reserve(ids.size());
  for (index::SeriesId id : ids) {
    SeriesPtr s = head_->series_by_id(id);
    if (!s) continue;  // dropped by gc() meanwhile
    model::Timestamp last;
    {
      std::lock_guard<SpinLock> lock(s->lock);
      if (!s->has_sample_in(mint_, maxt_)) continue;
      last = std::min(s->last_t(), maxt_);
    }
    out.push_back({std::move(s), last});
  }
  return out;
}

bool HeadQuerier::any_in_bounds(std::span<const index::SeriesId> ids) const {
  for (index::SeriesId id : ids) {
    SeriesPtr s = head_->series_by_id(id);
    if (!s) continue;
    std::lock_guard<SpinLock> lock(s->lock);
    if (s->has_sample_in(mint_, maxt_)) return true;
  }
  return false;
}

std::unique_ptr<SeriesSet> HeadQuerier::select(bool sorted, const SelectHints* /*hints*/,
                                               const model::Matchers& matchers) {
  std::vector<Selected> series = matching(matchers);
  if (sorted) sort_by_labels(series);
  return std::make_unique<HeadSeriesSet>(std::move(series), mint_);
}

Result<std::vector<std::string>> HeadQuerier::label_names(const model::Matchers& matchers,
                                                          const LabelHints& hints) {
  std::vector<std::string> out;
  if (mint_ > maxt_) return out;
  if (matchers.empty()) {
    // From the index: a name counts when one of its series is in bounds.
    for (const std::string& name : head_->postings().label_names()) {
      bool found = false;
      head_->postings().for_each_value(name, [&](std::string_view, auto ids) {
        found = any_in_bounds(ids);
        return !found;
      });
      if (found) out.push_back(name);
      if (hints.limit > 0 && out.size() >= hints.limit) break;
    }
    return out;
  }
  std::vector<index::SeriesId> ids = head_->postings().select(matchers);
  if (ids.size() >= kPostingsLookupMin) {
    // A name counts when one of its postings is selected and in bounds.
    IdSet set(std::move(ids));
    for (const std::string& name : head_->postings().label_names()) {
      bool found = false;
      head_->postings().for_each_value(name, [&](std::string_view, auto list) {
        found = any_selected(list, set, [this](index::SeriesId id) { return in_bounds(id); });
        return !found;
      });
      if (found) out.push_back(name);
      if (hints.limit > 0 && out.size() >= hints.limit) break;
    }
    return out;
  }
  std::set<std::string, std::less<>> names;
  for (const Selected& s : matching(std::move(ids))) {
    for (const model::Label& l : s.series->labels()) {
      if (names.find(l.name) == names.end()) names.emplace(l.name);
    }
  }
  return limited({names.begin(), names.end()}, hints.limit);
}

Result<std::vector<std::string>> HeadQuerier::label_values(const std::string& name,
                                                           const model::Matchers& matchers,
                                                           const LabelHints& hints) {
  std::vector<std::string> out;
  if (mint_ > maxt_) return out;
  if (matchers.empty()) {
    head_->postings().for_each_value(name, [&](std::string_view v, auto ids) {
      if (any_in_bounds(ids)) out.emplace_back(v);
      return true;
    });
    std::sort(out.begin(), out.end());
    return limited(std::move(out), hints.limit);
  }
  std::vector<index::SeriesId> ids = head_->postings().select(matchers);
  if (ids.size() >= kPostingsLookupMin) {
    // A value counts when one of its postings is selected and in bounds.
    IdSet set(std::move(ids));
    head_->postings().for_each_value(name, [&](std::string_view v, auto list) {
      if (any_selected(list, set, [this](index::SeriesId id) { return in_bounds(id); }))
        out.emplace_back(v);
      return true;
    });
    std::sort(out.begin(), out.end());
    return limited(std::move(out), hints.limit);
  }
  std::set<std::string, std::less<>> values;
  for (const Selected& s : matching(std::move(ids))) {
    std::string_view v = s.series->labels().get(name);
    if (!v.empty() && values.find(v) == values.end()) values.emplace(v);
  }
  return limited({values.begin(), values.end()}, hints.limit);
}

}  // namespace promlite::tsdb::head
