// Relabeling: applies relabel_configs / metric_relabel_configs to a label set
// with Prometheus 3's semantics (model/relabel in Prometheus).
//
// Semantics worth knowing (all as Prometheus):
// - source values are joined with `separator`; an absent label reads as "".
// - the regex is fully anchored and `.` matches newline (RelabelConfig::compiled).
// - replace: no match leaves the labels alone; `target_label` and `replacement`
//   are expanded like Go's regexp.Expand ($1, ${1}, $name, ${name}, $$; "$1x"
//   names the group "1x"; unknown or unmatched groups expand to ""); a target
//   that expands to an invalid name is skipped; an empty result deletes the target.
// - hashmod: MD5 of the joined value, the last 8 bytes read big-endian, mod modulus.
// - labelmap / labeldrop / labelkeep look at a snapshot of the labels taken when
//   the rule starts: the labels no earlier rule touched (sorted), then the ones
//   set by earlier rules in the order they were set (this order decides which
//   source wins when two labels map to the same name, as in Prometheus).
// - lowercase / uppercase map Unicode letters (simple case mapping); invalid
//   UTF-8 bytes become U+FFFD, as Go's strings.ToLower does.
//
// Deliberate difference: a labelmap whose replacement expands to an empty name
// sets nothing (Prometheus would create a label with an empty name).
//
// Performance: Relabeler::process() allocates nothing when the rule list is empty
// and, once warmed up, nothing when the rules keep or drop without changing a
// label; the output Labels is built only when a label actually changed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/relabel_config.h"
#include "model/labels.h"

namespace promlite::scraper {

// The working label set of one relabeling run: an immutable base set plus
// ordered overrides, like Prometheus's labels.Builder. Reuse one instance to
// keep its buffers. Not thread-safe.
class RelabelBuilder {
 public:
  RelabelBuilder() = default;
  RelabelBuilder(const RelabelBuilder&) = delete;
  RelabelBuilder& operator=(const RelabelBuilder&) = delete;
  RelabelBuilder(RelabelBuilder&&) = default;
  RelabelBuilder& operator=(RelabelBuilder&&) = default;

  // Starts over from `base`, which must stay alive and unchanged until the next
  // reset() (the builder keeps views into it).
  void reset(const model::Labels& base);

  // Value of `name`, or "" when absent. The view is valid until the next set/del.
  std::string_view get(std::string_view name) const;
  // Sets a label; an empty value deletes it. `name` must not be empty.
  void set(std::string_view name, std::string_view value);
  void del(std::string_view name);

  // Calls f(model::Label) for a snapshot of the current labels (see the file
  // comment for the order). f may call set() and del().
  template <typename F>
  void range(F&& f);

  // True when the current labels differ from the base set.
  bool changed() const;
  // The current labels.
  model::Labels labels();

 private:
  friend struct RelabelAccess;  // the rule implementations in relabel.cc

  int find_base(std::string_view name) const;  // index in base_, or -1
  int find_add(std::string_view name) const;   // index in add_, or -1
  void erase_add(int i);

  const model::Labels* base_labels_ = nullptr;
  std::vector<model::Label> base_;                        // views into *base_labels_, sorted
  std::vector<uint8_t> hidden_;                           // base_[i] deleted or overridden
  std::vector<std::pair<std::string, std::string>> add_;  // overrides, in set order
  size_t add_n_ = 0;  // live entries of add_; the rest keep their capacity

  // Scratch buffers, reused across calls.
  std::vector<uint8_t> hidden_snap_;
  std::string arena_;
  std::vector<std::pair<size_t, size_t>> arena_pairs_;  // name/value offsets into arena_
  std::vector<uint32_t> order_;
  std::string join_, target_buf_, value_buf_;

  // Rule regexes that are plain literal alternations ("tm_id|host") are matched
  // by a sorted-list lookup instead of RE2, which costs far less per label. Each
  // entry holds a reference on its RE2, so the address used as key cannot be
  // reused by another regex while cached.
  struct LiteralRegex {
    std::shared_ptr<const re2::RE2> re;
    bool literal = false;
    std::vector<std::string> alternatives;  // sorted
  };
  std::vector<LiteralRegex> literal_cache_;
};

// Applies `cfgs` in order. Returns false as soon as a rule drops the set (the
// builder then holds the labels as they were at that point).
bool relabel(const config::RelabelConfigs& cfgs, RelabelBuilder& b);

// The per-sample entry point for metric_relabel_configs: keeps one builder's
// buffers between calls. One per scrape loop; not thread-safe.
class Relabeler {
 public:
  enum class Outcome {
    kUnchanged,  // kept, labels equal to the input; *out not written
    kChanged,    // kept, *out holds the new labels
    kDropped,    // dropped by a rule; *out not written
  };
  Outcome process(const config::RelabelConfigs& cfgs, const model::Labels& in, model::Labels* out);

 private:
  RelabelBuilder builder_;
};

// Convenience form: the relabeled labels, or false in *keep when dropped.
model::Labels relabel(const model::Labels& in, const config::RelabelConfigs& cfgs, bool* keep);

// ---- implementation of the template ----

template <typename F>
void RelabelBuilder::range(F&& f) {
  // Snapshot first: f may change add_ (moving its strings) and hidden_.
  hidden_snap_.assign(hidden_.begin(), hidden_.end());
  arena_.clear();
  arena_pairs_.clear();
  for (size_t i = 0; i < add_n_; ++i) {
    arena_pairs_.emplace_back(arena_.size(), add_[i].first.size());
    arena_.append(add_[i].first);
    arena_pairs_.emplace_back(arena_.size(), add_[i].second.size());
    arena_.append(add_[i].second);
  }
  for (size_t i = 0; i < base_.size(); ++i) {
    if (!hidden_snap_[i]) f(base_[i]);
  }
  std::string_view arena = arena_;
  for (size_t i = 0; i + 1 < arena_pairs_.size(); i += 2) {
    f(model::Label{arena.substr(arena_pairs_[i].first, arena_pairs_[i].second),
                   arena.substr(arena_pairs_[i + 1].first, arena_pairs_[i + 1].second)});
  }
}

}  // namespace promlite::scraper
