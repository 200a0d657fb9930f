// Per-target scrape cache, the reason steady-state scrapes are cheap: maps the
// raw bytes of each exposed series (`foo{a="1"}`) to its storage ref (and its
// final label set until storage has it), so a repeated series costs one
// fingerprint and compare, no label building, no relabeling. Series dropped by
// relabeling are remembered too.
//
// Entries are keyed by a 128-bit fingerprint of the raw bytes
// (model/fingerprint.h), not the bytes: Flink's series are ~600 bytes each,
// which the cache held a second time besides the storage's label set. Two
// series of one target would share an entry with odds of ~n^2/2^129 (about
// 1e-29 for 100k series).
//
// The same cache tracks staleness: it knows which series the previous scrape
// had, so the loop can write staleness markers for those that vanished.
//
// Not thread-safe: owned by one scrape loop.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/fingerprint.h"
#include "model/labels.h"
#include "tsdb/appender.h"

namespace promlite::scraper {

class ScrapeCache {
 public:
  struct Entry {
    // Final labels until storage returned a ref; then empty (storage holds
    // them, and appends by ref do not read them). Empty when dropped.
    model::Labels labels;
    tsdb::SeriesRef ref = 0;      // 0 until the first successful append
    bool dropped = false;         // metric_relabel_configs dropped it
    bool track_staleness = true;  // false for samples with explicit timestamps
    uint64_t last_iter = 0;       // scrape iteration it was last seen in
    // The exposition format whose parser checked the raw bytes: the loop
    // skips parsing labels it has seen, which holds only within one format.
    uint8_t format = 0;
    model::Fingerprint128 key;  // of the raw bytes (the map's own key)
    uint32_t order_pos = 0;     // index in the last scrape's order
  };

  // Starts a scrape; returns its iteration number.
  uint64_t begin_scrape();
  // The entry for raw series bytes, or nullptr. Targets expose their series in
  // the same order scrape after scrape, so the entry after the last one found
  // is tried first: one comparison instead of hashing the bytes and probing.
  Entry* find(std::string_view series);
  Entry* add(std::string_view series, Entry e);
  // Marks an entry as present in the current scrape.
  void mark_seen(Entry* e);
  // True if mark_seen(e) was called in the current scrape (a repeated series).
  bool seen_in_current(const Entry* e) const { return e->last_iter == iter_; }

  // Entries seen in the previous successful scrape but not in the current one
  // (their series need a staleness marker). Call after the scrape's appends.
  std::vector<Entry*> vanished() const;
  // Every entry seen in the last successful scrape (for staleness markers when
  // a scrape fails or the target goes away).
  const std::vector<Entry*>& last_seen() const { return prev_seen_; }

  // Ends a scrape: `success` makes the current scrape's series the reference
  // for the next; forgets entries unseen for several scrapes. After a failed
  // scrape, a cache grown past twice the size of the last successful scrape
  // (failing scrapes of ever-new series) is flushed down to the series of that
  // scrape, as Prometheus does; returns true when that forced flush happened.
  bool end_scrape(bool success);
  // Forgets which series were last seen (after their staleness markers).
  void clear_seen() { prev_seen_.clear(); }

  size_t size() const { return map_.size(); }

 private:
  struct Hash {
    size_t operator()(const model::Fingerprint128& f) const { return static_cast<size_t>(f.lo); }
  };
  std::unordered_map<model::Fingerprint128, Entry, Hash> map_;
  std::vector<Entry*> prev_seen_;
  std::vector<Entry*> cur_seen_;
  std::vector<Entry*> order_;      // entries of the last successful scrape, in order
  std::vector<Entry*> cur_order_;  // the current scrape's, so far
  size_t next_pos_ = 0;            // where in order_ the next series likely is
  uint64_t iter_ = 0;
  size_t success_size_ = 0;  // cache size after the last successful scrape
};

}  // namespace promlite::scraper
