// Deleted time intervals of one series (the payload of a tombstone).
//
// An Intervals value is a sorted list of closed [mint, maxt] ranges that
// neither overlap nor touch (add() merges them), so "is t deleted" is a binary
// search and the next kept timestamp after a deleted one is maxt + 1.
// Header-only: the store library (tsdb/store) uses it without linking the
// rest of tsdb.
//
// Thread-safety: plain values; no internal synchronisation.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "model/sample.h"

namespace promlite::tsdb {

struct Interval {
  model::Timestamp mint = 0;
  model::Timestamp maxt = 0;  // inclusive
  bool operator==(const Interval&) const = default;
};

class Intervals {
 public:
  Intervals() = default;
  Intervals(std::initializer_list<Interval> l) {
    for (const Interval& i : l) add(i);
  }

  // Adds [i.mint, i.maxt], merging with overlapping or adjacent ranges.
  // Ranges with mint > maxt are ignored.
  void add(Interval i) {
    if (i.mint > i.maxt) return;
    auto first =
        std::lower_bound(v_.begin(), v_.end(), i, [](const Interval& a, const Interval& b) {
          // a ends before b starts, with a gap of at least one timestamp.
          return a.maxt < b.mint && a.maxt + 1 < b.mint;
        });
    auto last = first;
    while (last != v_.end() &&
           (last->mint <= i.maxt ||
            (i.maxt < std::numeric_limits<model::Timestamp>::max() && last->mint == i.maxt + 1))) {
      i.mint = std::min(i.mint, last->mint);
      i.maxt = std::max(i.maxt, last->maxt);
      ++last;
    }
    first = v_.erase(first, last);
    v_.insert(first, i);
  }
  void add(const Intervals& o) {
    for (const Interval& i : o.v_) add(i);
  }

  bool empty() const { return v_.empty(); }
  size_t size() const { return v_.size(); }
  const std::vector<Interval>& list() const { return v_; }
  std::vector<Interval>::const_iterator begin() const { return v_.begin(); }
  std::vector<Interval>::const_iterator end() const { return v_.end(); }
  bool operator==(const Intervals&) const = default;

  // The range holding t, or null when t is not deleted.
  const Interval* find(model::Timestamp t) const {
    auto it = std::lower_bound(v_.begin(), v_.end(), t,
                               [](const Interval& a, model::Timestamp x) { return a.maxt < x; });
    return it != v_.end() && it->mint <= t ? &*it : nullptr;
  }
  bool contains(model::Timestamp t) const { return find(t) != nullptr; }
  // Whether some deleted range meets [mint, maxt].
  bool overlaps(model::Timestamp mint, model::Timestamp maxt) const {
    auto it = std::lower_bound(v_.begin(), v_.end(), mint,
                               [](const Interval& a, model::Timestamp x) { return a.maxt < x; });
    return it != v_.end() && it->mint <= maxt;
  }
  // Whether [mint, maxt] is deleted entirely.
  bool covers(model::Timestamp mint, model::Timestamp maxt) const {
    const Interval* i = find(mint);
    return i != nullptr && i->maxt >= maxt;
  }

 private:
  std::vector<Interval> v_;
};

}  // namespace promlite::tsdb
