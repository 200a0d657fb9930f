// Internal to the PromQL evaluator: the values one series gives at every step
// of the grid, for a range function over a matrix selector and for an instant
// vector selector. Shared by the plain evaluation (which collects them into
// output series) and the fused aggregations (which add them straight into
// their groups, fused_aggregate.cc).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "query/eval_context.h"
#include "query/functions_range.h"

namespace promlite::query {

// A range function call over the step grid, and the scratch it reuses
// across series.
struct RangeCall {
  RangeFunc f = RangeFunc::kRate;
  model::Duration range = 0;
  model::Duration offset = 0;
  std::optional<model::Timestamp> at;
  const std::vector<double>* arg1 = nullptr;  // per step, or null/empty
  const std::vector<double>* arg2 = nullptr;
  // With @ the call is step-invariant: evaluated at the first step and
  // repeated.
  bool step_invariant = false;
  // For rate and increase: drops[k] counts the values below the one before
  // them among the first k + 1, so a window [lo, hi) holds a counter reset
  // only when drops[hi - 1] != drops[lo]. Windows overlap (a 5m range at a
  // 15 s step reads each sample 20 times): the reset scan runs once per
  // series instead of once per window. Only where windows overlap: one
  // window per series (an instant query, or a step-invariant call) is
  // cheaper to scan directly.
  bool track_drops = false;
  // Work per sample of a window: sorting functions cost more.
  int64_t sort_factor = 1;
  int64_t total = 0;  // samples in the windows evaluated (query statistics)
  std::vector<uint32_t> drops;
};

// Whether some vs[k] < vs[k - 1] (a counter reset), two pairs per SSE2
// compare.
inline bool has_drop(const double* vs, size_t n) {
  size_t k = 1;
#if defined(__SSE2__)
  __m128d any = _mm_setzero_pd();
  for (; k + 4 <= n; k += 4) {
    any = _mm_or_pd(any, _mm_cmplt_pd(_mm_loadu_pd(vs + k), _mm_loadu_pd(vs + k - 1)));
    any = _mm_or_pd(any, _mm_cmplt_pd(_mm_loadu_pd(vs + k + 2), _mm_loadu_pd(vs + k + 1)));
  }
  if (_mm_movemask_pd(any) != 0) return true;
#endif
  for (; k < n; ++k) {
    if (vs[k] < vs[k - 1]) return true;
  }
  return false;
}

// Calls emit(step, t, v) for every step where the function has a value over
// the series ts[0..n) / vs[0..n) (stale markers removed), in step order.
// emit returns false when the value cannot be taken: two series with one
// label set, reported as Prometheus's duplicate-labelset error.
template <typename Emit>
Status Evaluator::range_values(RangeCall& rc, const model::Timestamp* ts, const double* vs,
                               size_t n, Emit&& emit) {
  if (tick(static_cast<int64_t>(steps_))) return check_interrupt();
  // Most counters have no reset in the whole query range: one SSE2 pass
  // finds that, and the per-sample counts are built only when needed.
  bool series_drops = false;
  if (rc.track_drops) {
    series_drops = has_drop(vs, n);
    if (series_drops) {
      rc.drops.resize(n);
      uint32_t d = 0;
      for (size_t k = 0; k < n; ++k) {
        if (k > 0 && vs[k] < vs[k - 1]) ++d;
        rc.drops[k] = d;
      }
    }
  }
  auto no_drops = [&](size_t lo, size_t hi) {
    return rc.track_drops && (!series_drops || rc.drops[hi - 1] == rc.drops[lo]);
  };
  if (!rc.step_invariant &&
      (rc.f == RangeFunc::kRate || rc.f == RangeFunc::kIncrease || rc.f == RangeFunc::kDelta)) {
    // Most of a dashboard's range queries: the function called directly.
    const bool is_counter = rc.f != RangeFunc::kDelta;
    const bool is_rate = rc.f == RangeFunc::kRate;
    RateMemo memo;
    return walk_windows(
        rc, ts, n,
        [&](size_t lo, size_t hi, model::Timestamp ref, size_t, model::Timestamp,
            bool*) -> std::optional<double> {
          if (hi - lo < 2) return std::nullopt;
          const RateShape& shape = memo.get(ts[lo], ts[hi - 1], hi - lo, ref, rc.range, is_rate);
          return extrapolated_rate(shape, vs + lo, hi - lo, rc.range, is_counter, is_rate,
                                   no_drops(lo, hi));
        },
        emit);
  }
  const std::vector<double>* arg1 = rc.arg1 && !rc.arg1->empty() ? rc.arg1 : nullptr;
  const std::vector<double>* arg2 = rc.arg2 && !rc.arg2->empty() ? rc.arg2 : nullptr;
  bool have_first = false;
  double first_value = 0;
  Window w;
  w.range = rc.range;
  return walk_windows(
      rc, ts, n,
      [&](size_t lo, size_t hi, model::Timestamp ref, size_t i, model::Timestamp t,
          bool* stop) -> std::optional<double> {
        if (rc.step_invariant && i > 0) {
          *stop = !have_first;  // no value at the first step: none at all
          if (have_first) return first_value;
          return std::nullopt;
        }
        w.ts = ts + lo;
        w.vs = vs + lo;
        w.n = hi - lo;
        w.no_drops = no_drops(lo, hi);
        w.range_end = ref;
        w.step_t = t;
        if (arg1) w.arg1 = (*arg1)[i];
        if (arg2) w.arg2 = (*arg2)[i];
        std::optional<double> v = apply_range_func(rc.f, w);
        if (rc.step_invariant) {
          *stop = !v;
          have_first = v.has_value();
          if (v) first_value = *v;
        }
        return v;
      },
      emit);
}

// The window walk of range_values(): for each step with samples in its
// window (ref - range, ref], counts them, checks the limits, and calls
// value(lo, hi, ref, step, t, &stop) for the window ts[lo..hi); emits what it
// returns. `stop` set ends the walk (after emitting nothing for that step).
template <typename Value, typename Emit>
Status Evaluator::walk_windows(RangeCall& rc, const model::Timestamp* ts, size_t n, Value&& value,
                               Emit& emit) {
  // The window's samples are held while the function runs: no window may
  // take the query past max_samples.
  const int64_t room = qs_->max_samples > 0 ? qs_->max_samples - qs_->current_samples
                                            : std::numeric_limits<int64_t>::max();
  int64_t work = 0;
  size_t lo = 0, hi = 0;
  for (size_t i = 0; i < steps_; ++i) {
    const model::Timestamp t = step_time(i);
    const model::Timestamp ref = ref_time(t, rc.offset, rc.at);
    while (hi < n && ts[hi] <= ref) ++hi;
    while (lo < hi && ts[lo] <= ref - rc.range) ++lo;
    const size_t w = hi - lo;
    if (w == 0) continue;
    rc.total += static_cast<int64_t>(w);
    work += static_cast<int64_t>(w) * rc.sort_factor;
    if (work >= kWorkPerCheck) {
      if (tick(work)) return check_interrupt();
      work = 0;
    }
    if (static_cast<int64_t>(w) > room) {
      return Status(StatusCode::kResourceExhausted,
                    "query processing would load too many samples into memory in query "
                    "execution");
    }
    bool stop = false;
    std::optional<double> v = value(lo, hi, ref, i, t, &stop);
    if (stop) break;
    if (v && !emit(i, t, *v)) return exec_error(kDuplicateLabelset);
  }
  if (tick(work)) return check_interrupt();
  return Status::ok();
}

// Calls emit(step, t, v) for every step where the instant vector selector
// with these modifiers has a sample within the lookback delta of the series
// ts[0..n) / vs[0..n) (stale markers kept: one ends the series). With
// `timestamp_values` v is the sample's timestamp in seconds (timestamp()).
template <typename Emit>
void Evaluator::selector_values(model::Duration offset, const std::optional<model::Timestamp>& at,
                                bool timestamp_values, const model::Timestamp* ts, const double* vs,
                                size_t n, Emit&& emit) {
  size_t j = 0;  // first sample with t > ref
  for (size_t i = 0; i < steps_; ++i) {
    model::Timestamp t = step_time(i);
    model::Timestamp ref = ref_time(t, offset, at);
    while (j < n && ts[j] <= ref) ++j;
    if (j == 0) continue;
    model::Timestamp st = ts[j - 1];
    double v = vs[j - 1];
    if (st <= ref - qs_->lookback || model::is_stale_nan(v)) continue;
    // timestamp() reports when the sample was taken, not the step time.
    emit(i, t, timestamp_values ? static_cast<double>(st) / 1000 : v);
  }
}

}  // namespace promlite::query
