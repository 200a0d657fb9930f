#include "tsdb/index/mem_postings.h"

#include <algorithm>
#include <mutex>

namespace promlite::tsdb::index {

void MemPostings::insert_sorted(std::vector<SeriesId>& ids, SeriesId id) {
  ids.push_back(id);
  // Creators racing on different stripes may add slightly out of order.
  for (size_t i = ids.size() - 1; i > 0 && ids[i - 1] > ids[i]; --i) std::swap(ids[i - 1], ids[i]);
}

void MemPostings::add(SeriesId id, const model::Labels& labels) {
  std::unique_lock lock(mu_);
  for (const model::Label& l : labels) {
    auto name_it = index_.find(l.name);
    if (name_it == index_.end()) name_it = index_.emplace(std::string(l.name), ValueMap{}).first;
    ValueMap& values = name_it->second;
    auto value_it = values.find(l.value);
    if (value_it == values.end()) value_it = values.emplace(std::string(l.value), IdList{}).first;
    value_it->second.insert_sorted(id);
  }
  insert_sorted(all_, id);
}

void MemPostings::remove(std::span<const std::pair<SeriesId, const model::Labels*>> series) {
  if (series.empty()) return;
  // Group the ids per label pair, then drop them with one pass per list.
  std::unordered_map<std::string, std::vector<SeriesId>> per_pair;
  std::vector<SeriesId> ids;
  ids.reserve(series.size());
  for (const auto& [id, labels] : series) {
    ids.push_back(id);
    for (const model::Label& l : *labels) {
      std::string key;
      key.reserve(l.name.size() + l.value.size() + 1);
      key.append(l.name).push_back('\xff');  // 0xff never occurs in UTF-8 text
      key.append(l.value);
      per_pair[key].push_back(id);
    }
  }
  for (auto& [key, gone] : per_pair) std::sort(gone.begin(), gone.end());
  std::sort(ids.begin(), ids.end());

  std::unique_lock lock(mu_);
  for (auto& [key, gone] : per_pair) {
    size_t sep = key.find('\xff');
    std::string_view name(key.data(), sep);
    std::string_view value(key.data() + sep + 1, key.size() - sep - 1);
    auto name_it = index_.find(name);
    if (name_it == index_.end()) continue;
    auto value_it = name_it->second.find(value);
    if (value_it == name_it->second.end()) continue;
    value_it->second.remove_if(
        [&](SeriesId v) { return std::binary_search(gone.begin(), gone.end(), v); });
    if (value_it->second.empty()) {
      name_it->second.erase(value_it);
      if (name_it->second.empty()) index_.erase(name_it);
    }
  }
  all_.erase(
      std::remove_if(all_.begin(), all_.end(),
                     [&](SeriesId v) { return std::binary_search(ids.begin(), ids.end(), v); }),
      all_.end());
}

PostingsPtr MemPostings::matching(const model::Matcher& m, bool accept) const {
  auto name_it = index_.find(m.name());
  if (name_it == index_.end()) return empty_postings();
  const ValueMap& values = name_it->second;
  std::vector<PostingsPtr> lists;
  // A literal or literal alternation: look the values up instead of scanning.
  // set_values() holds the values the positive form (=, =~) accepts, so it
  // serves `accept` for =/=~ and `!accept` for !=/!~.
  bool positive = m.type() == model::MatchType::kEqual || m.type() == model::MatchType::kRegex;
  if (!m.set_values().empty() && positive == accept) {
    for (const std::string& v : m.set_values()) {
      auto it = values.find(v);
      if (it != values.end()) lists.push_back(std::make_unique<ListPostings>(it->second.span()));
    }
  } else {
    for (const auto& [v, ids] : values) {
      if (m.matches(v) == accept) lists.push_back(std::make_unique<ListPostings>(ids.span()));
    }
  }
  return merge(std::move(lists));
}

std::vector<SeriesId> MemPostings::select(const model::Matchers& matchers) const {
  std::shared_lock lock(mu_);
  std::vector<PostingsPtr> its;
  std::vector<PostingsPtr> nots;
  for (const model::Matcher& m : matchers) {
    if (m.type() == model::MatchType::kRegex && m.value() == ".*") continue;  // no restriction
    if (m.matches_empty()) {
      // Keeps series without the label: subtract those whose value is rejected.
      nots.push_back(matching(m, false));
    } else {
      its.push_back(matching(m, true));
    }
  }
  if (its.empty()) its.push_back(std::make_unique<ListPostings>(all_));
  PostingsPtr p = intersect(std::move(its));
  if (!nots.empty()) p = without(std::move(p), merge(std::move(nots)));
  return expand(*p);
}

std::vector<SeriesId> MemPostings::get(std::string_view name, std::string_view value) const {
  std::shared_lock lock(mu_);
  auto name_it = index_.find(name);
  if (name_it == index_.end()) return {};
  auto it = name_it->second.find(value);
  if (it == name_it->second.end()) return {};
  std::span<const SeriesId> ids = it->second;
  return {ids.begin(), ids.end()};
}

std::vector<SeriesId> MemPostings::all() const {
  std::shared_lock lock(mu_);
  return all_;
}

std::vector<std::string> MemPostings::label_names() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  out.reserve(index_.size());
  for (const auto& [name, values] : index_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> MemPostings::label_values(std::string_view name) const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  auto name_it = index_.find(name);
  if (name_it == index_.end()) return out;
  out.reserve(name_it->second.size());
  for (const auto& [v, ids] : name_it->second) out.push_back(v);
  std::sort(out.begin(), out.end());
  return out;
}

void MemPostings::for_each_value(
    std::string_view name,
    const std::function<bool(std::string_view, std::span<const SeriesId>)>& fn) const {
  std::shared_lock lock(mu_);
  auto name_it = index_.find(name);
  if (name_it == index_.end()) return;
  for (const auto& [v, ids] : name_it->second) {
    if (!fn(v, ids.span())) return;
  }
}

size_t MemPostings::num_series() const {
  std::shared_lock lock(mu_);
  return all_.size();
}

size_t MemPostings::memory_bytes() const {
  std::shared_lock lock(mu_);
  size_t n = all_.capacity() * sizeof(SeriesId);
  for (const auto& [name, values] : index_) {
    n += name.capacity() + sizeof(ValueMap) + values.bucket_count() * sizeof(void*);
    for (const auto& [v, ids] : values) {
      n += (v.capacity() > 15 ? v.capacity() + 1 : 0) + 80 + ids.heap_bytes();
    }
  }
  return n;
}

}  // namespace promlite::tsdb::index
