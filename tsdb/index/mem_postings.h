// MemPostings: the head's inverted index, label pair -> sorted series ids, plus
// label name -> values, and matcher evaluation over it.
//
// Ids are added in (nearly) increasing order, so a list stays sorted with a
// push_back and, when concurrent creators race, a short insertion from the back.
// Removal is batched (head GC) so that dropping many series costs one pass per
// touched list.
//
// Matcher semantics (Prometheus's): a matcher on an absent label sees "".
// - A matcher that does not match "" selects the union of the lists of the
//   values it accepts: `=` and literal alternations (`=~"a|b"`) look the values
//   up directly, other regexes and `!=""`-like matchers scan the label's values.
// - A matcher that matches "" also selects series without the label, so it is
//   applied by subtracting the series whose value it rejects: `{a!="x"}` is
//   "all minus a=x"; `{a=""}` is "all minus every series with a"; `{a=~".*"}`
//   subtracts nothing.
// - When no matcher restricts positively, the result starts from all ids.
//
// Thread-safety: all methods may be called concurrently (a shared_mutex:
// readers share it, add/remove take it exclusively).
#pragma once

#include <cstdint>
#include <functional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/labels.h"
#include "model/matcher.h"
#include "tsdb/index/id_list.h"
#include "tsdb/index/postings.h"

namespace promlite::tsdb::index {

class MemPostings {
 public:
  MemPostings() = default;
  MemPostings(const MemPostings&) = delete;
  MemPostings& operator=(const MemPostings&) = delete;

  // Indexes series `id` under each of its label pairs.
  void add(SeriesId id, const model::Labels& labels);

  // Removes the given series (with the labels they were added with).
  void remove(std::span<const std::pair<SeriesId, const model::Labels*>> series);

  // Sorted ids of the series matching every matcher; all ids when `matchers`
  // is empty.
  std::vector<SeriesId> select(const model::Matchers& matchers) const;

  // Sorted ids of the series with label `name` = `value` (a copy).
  std::vector<SeriesId> get(std::string_view name, std::string_view value) const;
  // Sorted ids of every indexed series (a copy).
  std::vector<SeriesId> all() const;

  // Sorted label names / values present in the index.
  std::vector<std::string> label_names() const;
  std::vector<std::string> label_values(std::string_view name) const;

  // Calls fn(value, ids) for every value of `name`, under the read lock; `ids`
  // is valid only during the call. fn returns false to stop.
  void for_each_value(
      std::string_view name,
      const std::function<bool(std::string_view, std::span<const SeriesId>)>& fn) const;

  size_t num_series() const;
  // Approximate heap bytes held by the index.
  size_t memory_bytes() const;

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using ValueMap = std::unordered_map<std::string, IdList, StringHash, std::equal_to<>>;
  using NameMap = std::unordered_map<std::string, ValueMap, StringHash, std::equal_to<>>;

  // The union of the lists of m's label values for which m.matches(value) ==
  // `accept`. Caller holds mu_ (shared).
  PostingsPtr matching(const model::Matcher& m, bool accept) const;

  static void insert_sorted(std::vector<SeriesId>& ids, SeriesId id);

  mutable std::shared_mutex mu_;
  NameMap index_;              // guarded by mu_
  std::vector<SeriesId> all_;  // guarded by mu_
};

}  // namespace promlite::tsdb::index
