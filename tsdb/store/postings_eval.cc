#include "tsdb/store/postings_eval.h"

#include <rocksdb/iterator.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <string_view>

#include "tsdb/store/keys.h"
#include "tsdb/store/partition.h"

namespace promlite::tsdb::store {

namespace {

std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

Status iter_status(const rocksdb::Iterator& it) {
  return it.status().ok() ? Status::ok() : from_rocks(it.status(), "reading postings");
}

// The literal prefix of a regex of the form `<plain>.*`, or "" (no prefix
// known). Only an optimisation: the matcher is still applied to every value.
std::string plain_prefix(const std::string& re) {
  if (re.size() <= 2 || !re.ends_with(".*")) return "";
  std::string_view p(re.data(), re.size() - 2);
  if (p.find_first_of("\\.+*?()|[]{}^$") != std::string_view::npos) return "";
  return std::string(p);
}

// Ids of series whose value of `name` is one of `values`: one seek each.
Result<IdList> ids_for_values(rocksdb::Iterator& it, const std::string& name,
                              const std::vector<std::string>& values) {
  IdList out;
  bool sorted = true;
  for (const std::string& v : values) {
    if (v.empty()) continue;  // absent labels have no postings
    std::string prefix = postings_value_prefix(name, v);
    for (it.Seek(prefix); it.Valid(); it.Next()) {
      std::string_view k = view(it.key());
      if (!k.starts_with(prefix)) break;
      if (k.size() != prefix.size() + 8) continue;
      uint64_t id = read_be64(k.data() + prefix.size());
      if (!out.empty() && id <= out.back()) sorted = false;
      out.push_back(id);
    }
    if (Status s = iter_status(it); !s) return s;
  }
  if (!sorted) {
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  return out;
}

// Ids of series with a value of `name` for which `pred` holds: visits every
// distinct value once (the predicate runs once per value) and skips the ids of
// values it rejects with one seek. `value_prefix` narrows the scan to values
// starting with it.
Result<IdList> ids_for_predicate(rocksdb::Iterator& it, const std::string& name,
                                 const std::string& value_prefix,
                                 const std::function<bool(std::string_view)>& pred) {
  IdList out;
  const std::string name_prefix = postings_name_prefix(name);
  std::string scan_prefix = name_prefix;
  if (!value_prefix.empty()) {
    append_escaped(scan_prefix, value_prefix);
    scan_prefix.resize(scan_prefix.size() - 2);  // without the terminator
  }
  std::string value;
  uint64_t id;
  bool sorted = true;
  it.Seek(scan_prefix);
  while (it.Valid()) {
    std::string_view k = view(it.key());
    if (!k.starts_with(scan_prefix)) break;
    if (!parse_postings_tail(k, name_prefix.size(), &value, &id)) {
      return Status(StatusCode::kCorruption, "malformed postings key");
    }
    std::string vprefix(k.substr(0, k.size() - 8));
    if (!pred(value)) {
      it.Seek(skip_terminated(vprefix));
      continue;
    }
    for (; it.Valid(); it.Next()) {
      std::string_view k2 = view(it.key());
      if (!k2.starts_with(vprefix) || k2.size() != vprefix.size() + 8) break;
      id = read_be64(k2.data() + vprefix.size());
      if (!out.empty() && id <= out.back()) sorted = false;
      out.push_back(id);
    }
  }
  if (Status s = iter_status(it); !s) return s;
  if (!sorted) {
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  return out;
}

// For a matcher: the ids of the series that carry the label with a value the
// matcher accepts (`*negative` false), or, when the matcher accepts "" (and so
// also series without the label), the ids it rejects (`*negative` true).
Result<IdList> matcher_ids(rocksdb::Iterator& it, const model::Matcher& m, bool* negative) {
  const bool accepts_empty = m.matches_empty();
  *negative = accepts_empty;
  const bool positive_type =
      m.type() == model::MatchType::kEqual || m.type() == model::MatchType::kRegex;
  // The ids wanted are those whose value v has m.matches(v) == !accepts_empty,
  // i.e. the matcher's positive form when positive_type != accepts_empty.
  const bool want_positive_form = positive_type != accepts_empty;
  if (want_positive_form && !m.set_values().empty()) {
    return ids_for_values(it, m.name(), m.set_values());
  }
  std::string prefix;
  if (want_positive_form && m.type() != model::MatchType::kEqual &&
      m.type() != model::MatchType::kNotEqual) {
    prefix = plain_prefix(m.value());
  }
  return ids_for_predicate(it, m.name(), prefix, [&m, accepts_empty](std::string_view v) {
    return m.matches(v) != accepts_empty;
  });
}

}  // namespace

IdList intersect_ids(const IdList& a, const IdList& b) {
  IdList out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

IdList unite_ids(const IdList& a, const IdList& b) {
  IdList out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

IdList subtract_ids(const IdList& a, const IdList& b) {
  IdList out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Result<IdList> all_series_ids(rocksdb::Iterator& it) {
  IdList out;
  const std::string start(1, kSeriesTag);
  for (it.Seek(start); it.Valid(); it.Next()) {
    uint64_t id;
    std::string_view k = view(it.key());
    if (k.empty() || k[0] != kSeriesTag) break;
    if (parse_series_key(k, &id)) out.push_back(id);
  }
  if (Status s = iter_status(it); !s) return s;
  return out;
}

Result<IdList> select_ids(rocksdb::Iterator& it, const model::Matchers& matchers) {
  // Matchers that reject "" select ids and are intersected (an empty result
  // ends it); the others then remove the ids they reject.
  bool have_positive = false;
  IdList pos, neg;
  std::vector<const model::Matcher*> negatives;
  for (const model::Matcher& m : matchers) {
    if (m.matches_empty()) {
      negatives.push_back(&m);
      continue;
    }
    bool negative;
    auto ids = matcher_ids(it, m, &negative);
    if (!ids) return ids.status();
    pos = have_positive ? intersect_ids(pos, *ids) : std::move(*ids);
    have_positive = true;
    if (pos.empty()) return pos;
  }
  if (!have_positive) {
    auto all = all_series_ids(it);
    if (!all) return all.status();
    pos = std::move(*all);
  }
  for (const model::Matcher* m : negatives) {
    if (pos.empty()) break;
    bool negative;
    auto ids = matcher_ids(it, *m, &negative);
    if (!ids) return ids.status();
    pos = subtract_ids(pos, *ids);
  }
  return pos;
}

void seek_forward(rocksdb::Iterator& it, std::string_view target) {
  constexpr int kMaxSteps = 8;
  if (it.Valid() && it.status().ok()) {
    int c = view(it.key()).compare(target);
    if (c == 0) return;
    if (c < 0) {
      for (int i = 0; i < kMaxSteps; ++i) {
        it.Next();
        if (!it.Valid()) break;
        if (view(it.key()).compare(target) >= 0) return;
      }
    }
  }
  it.Seek(rocksdb::Slice(target.data(), target.size()));
}

Result<bool> read_series_labels(rocksdb::Iterator& it, uint64_t id, std::string* out) {
  std::string key = series_key(id);
  seek_forward(it, key);
  if (!it.Valid()) {
    if (Status s = iter_status(it); !s) return s;
    return false;
  }
  if (view(it.key()) != key) return false;
  out->assign(it.value().data(), it.value().size());
  return true;
}

Status scan_label_names(rocksdb::Iterator& it, std::vector<std::string>* out) {
  std::string name;
  size_t prefix_len;
  it.Seek(std::string(1, kPostingsTag));
  while (it.Valid()) {
    std::string_view k = view(it.key());
    if (k.empty() || k[0] != kPostingsTag) break;
    if (!parse_postings_name(k, &name, &prefix_len)) {
      return Status(StatusCode::kCorruption, "malformed postings key");
    }
    out->push_back(name);
    it.Seek(skip_terminated(k.substr(0, prefix_len)));
  }
  return iter_status(it);
}

Status scan_label_values(rocksdb::Iterator& it, const std::string& name,
                         std::vector<std::string>* out) {
  const std::string prefix = postings_name_prefix(name);
  std::string value;
  uint64_t id;
  it.Seek(prefix);
  while (it.Valid()) {
    std::string_view k = view(it.key());
    if (!k.starts_with(prefix)) break;
    if (!parse_postings_tail(k, prefix.size(), &value, &id)) {
      return Status(StatusCode::kCorruption, "malformed postings key");
    }
    out->push_back(value);
    it.Seek(skip_terminated(k.substr(0, k.size() - 8)));
  }
  return iter_status(it);
}

namespace {

// With `it` at the first postings key of one value (`value_prefix` is the key
// without its id): true when a posting of that value is in `ids`. On return
// `it` is at the first key of the next value (or past the name) when false,
// and anywhere within the value when true.
Result<bool> value_has_id(rocksdb::Iterator& it, std::string_view value_prefix, const IdList& ids) {
  std::string target(value_prefix);
  auto from = ids.begin();
  while (it.Valid()) {
    std::string_view k = view(it.key());
    if (!k.starts_with(value_prefix) || k.size() != value_prefix.size() + 8) return false;
    const uint64_t id = read_be64(k.data() + value_prefix.size());
    from = std::lower_bound(from, ids.end(), id);
    if (from == ids.end()) {
      it.Seek(skip_terminated(value_prefix));
      break;
    }
    if (*from == id) return true;
    target.resize(value_prefix.size());
    append_be64(target, *from);
    seek_forward(it, target);
  }
  if (Status s = iter_status(it); !s) return s;
  return false;
}

// Visits the values of the name whose postings start at `name_prefix`
// (`it` anywhere), calling `found(value)` for each with a posting in `ids`;
// `found` returns false to stop.
template <typename Found>
Status for_values_with_ids(rocksdb::Iterator& it, std::string_view name_prefix, const IdList& ids,
                           Found&& found) {
  std::string value;
  uint64_t id;
  it.Seek(rocksdb::Slice(name_prefix.data(), name_prefix.size()));
  while (it.Valid()) {
    std::string_view k = view(it.key());
    if (!k.starts_with(name_prefix)) break;
    if (!parse_postings_tail(k, name_prefix.size(), &value, &id)) {
      return Status(StatusCode::kCorruption, "malformed postings key");
    }
    const std::string value_prefix(k.substr(0, k.size() - 8));
    auto hit = value_has_id(it, value_prefix, ids);
    if (!hit) return hit.status();
    if (*hit) {
      if (!found(value)) return Status::ok();
      it.Seek(skip_terminated(value_prefix));
    }
  }
  return iter_status(it);
}

}  // namespace

Status scan_label_names_for(rocksdb::Iterator& it, const IdList& ids,
                            std::vector<std::string>* out) {
  if (ids.empty()) return Status::ok();
  std::vector<std::string> names;
  if (Status s = scan_label_names(it, &names); !s) return s;
  for (const std::string& name : names) {
    bool any = false;
    Status s = for_values_with_ids(it, postings_name_prefix(name), ids, [&](const std::string&) {
      any = true;
      return false;
    });
    if (!s) return s;
    if (any) out->push_back(name);
  }
  return Status::ok();
}

Status scan_label_values_for(rocksdb::Iterator& it, const std::string& name, const IdList& ids,
                             std::vector<std::string>* out) {
  if (ids.empty()) return Status::ok();
  return for_values_with_ids(it, postings_name_prefix(name), ids, [&](const std::string& v) {
    out->push_back(v);
    return true;
  });
}

}  // namespace promlite::tsdb::store
