#include "tsdb/head/head_stats.h"

#include <algorithm>
#include <mutex>
#include <queue>
#include <string>
#include <string_view>

namespace promlite::tsdb::head {

namespace {

// Keeps the `limit` largest (value, then smallest name) rows seen. The name is
// built lazily: most candidates of the pair table never make the cut.
class TopK {
 public:
  explicit TopK(size_t limit) : limit_(limit) {}

  // Whether a row with `value` and `name` would be kept.
  bool wants(uint64_t value, std::string_view name) const {
    if (heap_.size() < limit_) return true;
    const CardinalityStat& worst = heap_.top();
    return value > worst.value || (value == worst.value && name < worst.name);
  }
  void push(uint64_t value, std::string name) {
    if (!wants(value, name)) return;
    if (heap_.size() >= limit_) heap_.pop();
    heap_.push(CardinalityStat{std::move(name), value});
  }
  // Largest first, ties by name.
  std::vector<CardinalityStat> take() {
    std::vector<CardinalityStat> out;
    out.reserve(heap_.size());
    while (!heap_.empty()) {
      out.push_back(heap_.top());
      heap_.pop();
    }
    std::reverse(out.begin(), out.end());
    return out;
  }

 private:
  // The top of the heap is the row to drop first: the smallest value, and
  // among equal values the largest name.
  struct WorstFirst {
    bool operator()(const CardinalityStat& a, const CardinalityStat& b) const {
      if (a.value != b.value) return a.value > b.value;
      return a.name < b.name;
    }
  };
  size_t limit_;
  std::priority_queue<CardinalityStat, std::vector<CardinalityStat>, WorstFirst> heap_;
};

// Prometheus's labels.SizeOfLabels (stringlabels): each string with its
// length prefix (1 byte below 255, else 4), times the number of series.
uint64_t label_bytes(std::string_view name, std::string_view value, uint64_t series) {
  auto prefixed = [](size_t n) { return n + (n < 255 ? 1 : 4); };
  return static_cast<uint64_t>(prefixed(name.size()) + prefixed(value.size())) * series;
}

}  // namespace

TsdbStatus head_tsdb_status(const Head& head, size_t limit) {
  limit = std::max<size_t>(limit, 1);
  TsdbStatus out;
  TopK metrics(limit), names(limit), bytes(limit), pairs(limit);
  const index::MemPostings& postings = head.postings();
  for (const std::string& name : postings.label_names()) {
    if (name.empty()) continue;
    uint64_t values = 0;
    uint64_t size = 0;
    const bool is_metric_name = name == model::kMetricName;
    postings.for_each_value(name,
                            [&](std::string_view value, std::span<const index::SeriesId> ids) {
                              if (ids.empty()) return true;
                              ++values;
                              const uint64_t n = ids.size();
                              size += label_bytes(name, value, n);
                              if (is_metric_name && metrics.wants(n, value))
                                metrics.push(n, std::string(value));
                              // "name=value" only compares correctly by name when built; check the
                              // count first, which rejects almost every pair cheaply.
                              if (pairs.wants(n, {})) {
                                std::string pair;
                                pair.reserve(name.size() + 1 + value.size());
                                pair.append(name).append("=").append(value);
                                pairs.push(n, std::move(pair));
                              }
                              return true;
                            });
    if (values == 0) continue;
    out.head.num_label_pairs += static_cast<int64_t>(values);
    names.push(values, name);
    bytes.push(size, name);
  }
  out.series_count_by_metric_name = metrics.take();
  out.label_value_count_by_label_name = names.take();
  out.memory_in_bytes_by_label_name = bytes.take();
  out.series_count_by_label_value_pair = pairs.take();

  uint64_t series = 0;
  head.for_each_series([&](const SeriesPtr& s) {
    std::lock_guard<SpinLock> lock(s->lock);
    if (s->deleted) return;
    ++series;
    if (!s->in_memory()) return;
    out.head.chunk_count += static_cast<int64_t>(s->sealed().size()) + (s->open_count() > 0);
    out.head.min_time = std::min(out.head.min_time, s->first_t());
    out.head.max_time = std::max(out.head.max_time, s->mem_last_t());
  });
  out.head.num_series = series;
  return out;
}

Result<TsdbStatus> HeadStatsProvider::tsdb_status(size_t limit) const {
  return head_tsdb_status(head_, limit);
}

}  // namespace promlite::tsdb::head
