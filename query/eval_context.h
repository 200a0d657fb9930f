// Internal to the PromQL evaluator: the per-query state and the Evaluator,
// whose methods are spread over eval_*.cc, binary_ops.cc, aggregations.cc and
// functions_*.cc by concern.
//
// Evaluation model (as Prometheus's range evaluation): every node is evaluated
// once over the whole step grid [start, end] and yields, for instant vectors,
// a list of series whose points sit at step timestamps; scalars yield one value
// per step. Range vectors are never materialised per step: selectors load each
// series' samples once into flat arrays and consumers walk windows over them
// with moving indices.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/labels.h"
#include "model/status.h"
#include "query/ast.h"
#include "query/engine.h"
#include "tsdb/querier.h"

namespace promlite::query {

// Shared by the evaluators of one query (the main one and subquery ones).
struct QueryState {
  tsdb::Querier* querier = nullptr;
  model::Duration lookback = 5 * model::kMinute;
  model::Timestamp query_start = 0;  // for @ start()
  model::Timestamp query_end = 0;    // for @ end()
  model::Duration default_subquery_step = model::kMinute;
  int64_t max_samples = 0;
  int64_t current_samples = 0;
  int64_t peak_samples = 0;
  int64_t total_samples = 0;
  std::chrono::steady_clock::time_point deadline;
  std::stop_token stop;
  // Units of work (samples read, points produced, comparisons) left before
  // the next look at the clock and the stop token; see Evaluator::tick().
  int64_t work_left = 0;
  std::set<std::string> warnings;
  std::set<std::string> infos;
};

// One series of an instant-vector result: points at step timestamps, in order.
struct StepSeries {
  model::Labels metric;
  std::vector<model::Sample> points;
};
using StepMatrix = std::vector<StepSeries>;

// Samples of one series for range-vector consumers (stale markers removed).
struct RangeSeries {
  model::Labels metric;
  std::vector<model::Timestamp> ts;
  std::vector<double> vs;
};

// A range-vector argument: series plus how to place windows on them.
struct RangeInput {
  std::vector<RangeSeries> series;
  model::Duration range = 0;
  model::Duration offset = 0;
  std::optional<model::Timestamp> at;
  const VectorSelector* selector = nullptr;  // null for subqueries
};

struct EvalValue {
  ValueType type = ValueType::kVector;
  std::vector<double> scalar;  // kScalar: one value per step
  std::string str;             // kString
  StepMatrix vec;              // kVector
};

// Collects output points into series keyed by label set, detecting two
// points for the same label set at one step.
class SeriesCollector {
 public:
  // Index of the series for `metric`, creating it.
  size_t series_for(const model::Labels& metric);
  // Appends a point; false when the series already has a point at `t`.
  bool add(size_t idx, model::Timestamp t, double v);
  StepMatrix take();
  size_t size() const { return out_.size(); }

 private:
  std::unordered_map<std::string, size_t> index_;
  StepMatrix out_;
};

// An evaluation error Prometheus reports as "execution" (HTTP 422).
inline Status exec_error(std::string msg) { return Status(StatusCode::kExecution, std::move(msg)); }

inline constexpr const char* kDuplicateLabelset =
    "vector cannot contain metrics with the same labelset";

struct RangeCall;  // range_windows.h

// Called for each selected series with its samples in time order, stale
// markers removed unless kept; the arrays are reused after the call.
using SeriesVisitor = std::function<Status(const model::Labels& metric, const model::Timestamp* ts,
                                           const double* vs, size_t n)>;

class Evaluator {
 public:
  Evaluator(QueryState* qs, model::Timestamp start, model::Timestamp end, model::Duration interval)
      : qs_(qs), start_(start), end_(end), interval_(interval > 0 ? interval : 1) {
    steps_ = static_cast<size_t>((end_ - start_) / interval_) + 1;
  }

  Result<EvalValue> eval(const Expr& e);
  // A range-vector expression (matrix selector, subquery, parenthesised).
  Result<RangeInput> eval_range(const Expr& e);

  size_t steps() const { return steps_; }
  model::Timestamp step_time(size_t i) const {
    return start_ + static_cast<int64_t>(i) * interval_;
  }
  size_t step_index(model::Timestamp t) const {
    return static_cast<size_t>((t - start_) / interval_);
  }
  // End of the window (inclusive) for a selector evaluated at step time t.
  model::Timestamp ref_time(model::Timestamp t, model::Duration offset,
                            const std::optional<model::Timestamp>& at) const {
    return (at ? *at : t) - offset;
  }
  QueryState& state() { return *qs_; }

  // Units of work between two looks at the clock: about 0.1 ms of work, so a
  // query stops within a fraction of a millisecond of its deadline wherever
  // it spends its time, at a negligible cost per unit.
  static constexpr int64_t kWorkPerCheck = 16 * 1024;

  // Counts `work` units done (or about to be done); every kWorkPerCheck
  // units looks at the deadline and the stop token. True when the query must
  // stop: then check_interrupt() returns the error to report.
  bool tick(int64_t work) { return (qs_->work_left -= work) <= 0 && over_budget(); }

  // Limits: returns an error when cancelled, timed out or over max_samples.
  Status check_interrupt();
  Status add_samples(int64_t n);

  // topk (top) / bottomk: the k members of `m` (series indices, in series
  // order) Prometheus keeps, by the same min-heap (max-heap for bottomk)
  // insertions and root replacements, so ties at the k-th place resolve as
  // in Prometheus. False when interrupted.
  template <typename Val>
  bool select_k(const std::vector<size_t>& m, size_t k, bool top, Val val,
                std::vector<size_t>* heap);

  // std::stable_sort that looks at the clock while it works: sorts runs of a
  // few thousand elements, then merges them pairwise. False when interrupted
  // (the range is then left partly sorted).
  template <typename It, typename Less>
  bool interruptible_stable_sort(It first, It last, Less less);
  void release_samples(int64_t n) { qs_->current_samples -= n; }

  void warn(std::string msg) { qs_->warnings.insert(std::move(msg)); }
  // rate()/increase()'s info when the metric name does not look like a counter's.
  void counter_name_info(const model::Labels& metric);
  void info(std::string msg) { qs_->infos.insert(std::move(msg)); }

 private:
  Result<EvalValue> eval_node(const Expr& e);

  // eval_selectors.cc
  // With `timestamp_values` each point's value is its sample's timestamp in
  // seconds (for timestamp()).
  Result<EvalValue> eval_vector_selector(const VectorSelector& vs, bool timestamp_values);
  // Selects the series and decodes each one's samples in [mint, maxt] into
  // reused buffers, calling `visit` for each series with at least one.
  Status scan_series(const model::Matchers& matchers, model::Timestamp mint, model::Timestamp maxt,
                     bool keep_stale, const std::string& func, model::Duration range,
                     const SeriesVisitor& visit);
  // scan_series into one RangeSeries per series.
  Result<std::vector<RangeSeries>> load_series(const model::Matchers& matchers,
                                               model::Timestamp mint, model::Timestamp maxt,
                                               bool keep_stale, const std::string& func,
                                               model::Duration range);
  Result<RangeInput> eval_subquery(const SubqueryExpr& sq);
  std::optional<model::Timestamp> resolve_at(const TimeModifiers& m) const;
  Result<EvalValue> eval_unary(const UnaryExpr& u);

  // binary_ops.cc
  Result<EvalValue> eval_binary(const BinaryExpr& b);
  Result<EvalValue> vector_vector(const BinaryExpr& b, StepMatrix lhs, StepMatrix rhs);
  Result<EvalValue> set_operation(const BinaryExpr& b, StepMatrix lhs, StepMatrix rhs);

  // range_windows.h: one series' values at every step.
  template <typename Emit>
  Status range_values(RangeCall& rc, const model::Timestamp* ts, const double* vs, size_t n,
                      Emit&& emit);
  template <typename Value, typename Emit>
  Status walk_windows(RangeCall& rc, const model::Timestamp* ts, size_t n, Value&& value,
                      Emit& emit);
  template <typename Emit>
  void selector_values(model::Duration offset, const std::optional<model::Timestamp>& at,
                       bool timestamp_values, const model::Timestamp* ts, const double* vs,
                       size_t n, Emit&& emit);

  // aggregations.cc
  Result<EvalValue> eval_aggregate(const AggregateExpr& a);
  // fused_aggregate.cc: sum/avg/count/min/max/group/stddev/stdvar straight
  // over a range function of a selector, or over a selector, without
  // materialising the inner result; nullopt where it does not apply.
  std::optional<Result<EvalValue>> eval_fused_aggregate(const AggregateExpr& a);
  Result<EvalValue> aggregate_selective(const AggregateExpr& a, StepMatrix in,
                                        const std::vector<double>& param,
                                        const std::vector<size_t>& group_of, size_t groups);

  // functions_*.cc
  Result<EvalValue> eval_call(const Call& c);
  Result<EvalValue> eval_range_function(const Call& c, size_t matrix_arg);
  Result<EvalValue> eval_instant_function(const Call& c);
  Result<EvalValue> eval_label_function(const Call& c);
  Result<EvalValue> eval_absent(const Call& c);
  Result<EvalValue> eval_histogram_quantile(const Call& c);
  Result<EvalValue> eval_histogram_fraction(const Call& c);
  Result<EvalValue> eval_info(const Call& c);  // functions_info.cc
  Result<std::vector<double>> eval_scalar_arg(const Expr& e);

  // Slow path of tick(): refills the budget and checks the clock.
  bool over_budget();

  QueryState* qs_;
  model::Timestamp start_;
  model::Timestamp end_;
  model::Duration interval_;
  size_t steps_ = 1;
};

template <typename It, typename Less>
bool Evaluator::interruptible_stable_sort(It first, It last, Less less) {
  constexpr size_t kRun = 4096;
  const size_t n = static_cast<size_t>(last - first);
  for (size_t i = 0; i < n; i += kRun) {
    size_t e = std::min(n, i + kRun);
    std::stable_sort(first + i, first + e, less);
    if (tick(static_cast<int64_t>(e - i) * 12)) return false;
  }
  for (size_t width = kRun; width < n; width *= 2) {
    for (size_t i = 0; i + width < n; i += 2 * width) {
      size_t e = std::min(n, i + 2 * width);
      std::inplace_merge(first + i, first + i + width, first + e, less);
      if (tick(static_cast<int64_t>(e - i))) return false;
    }
  }
  return true;
}

template <typename Val>
bool Evaluator::select_k(const std::vector<size_t>& m, size_t k, bool top, Val val,
                         std::vector<size_t>* heap) {
  std::vector<size_t>& h = *heap;
  h.clear();
  // The heap's order: NaN below everything (and below another NaN), then by
  // value, smallest (topk) or largest (bottomk) at the root.
  auto less = [&](size_t i, size_t j) {
    double vi = val(h[i]), vj = val(h[j]);
    if (std::isnan(vi)) return true;
    return top ? vi < vj : vi > vj;
  };
  auto up = [&](size_t j) {
    while (j > 0) {
      size_t parent = (j - 1) / 2;
      if (!less(j, parent)) break;
      std::swap(h[parent], h[j]);
      j = parent;
    }
  };
  auto down = [&](size_t i) {
    const size_t n = h.size();
    for (;;) {
      size_t j = 2 * i + 1;
      if (j >= n) break;
      if (j + 1 < n && less(j + 1, j)) ++j;
      if (!less(j, i)) break;
      std::swap(h[i], h[j]);
      i = j;
    }
  };
  for (size_t n = 0; n < m.size(); ++n) {
    if ((n & 4095) == 4095 && tick(4096 * 4)) return false;
    size_t s = m[n];
    double v = val(s);
    if (h.size() < k) {
      h.push_back(s);
      up(h.size() - 1);
      continue;
    }
    double root = val(h[0]);
    bool replace = (top ? root < v : root > v) || (std::isnan(root) && !std::isnan(v));
    if (replace) {
      h[0] = s;
      if (k > 1) down(0);
    }
  }
  return true;
}

// Helpers shared by the evaluator files (eval_util.cc).
model::Labels drop_metric_name(const model::Labels& l);
// Prometheus's kahanSumInc (Neumaier variant).
inline void kahan_add(double inc, double& sum, double& c) {
  double t = sum + inc;
  if (std::isinf(t)) {
    c = 0;
  } else if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}
// Go's math.Max / math.Min: NaN wins, +0 > -0.
double go_max(double a, double b);
double go_min(double a, double b);
// Prometheus's quantile over values (sorted in place).
double quantile_of(double q, std::vector<double>& values);
// strconv.FormatFloat(v, 'f', -1, 64) and Go's %g-ish rendering for messages.
std::string format_go_float(double v);
bool is_valid_label_name(std::string_view name);
// Scalar value repeated over every step.
EvalValue scalar_value(size_t steps, double v);

}  // namespace promlite::query
