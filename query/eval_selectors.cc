// Evaluator: vector selectors, matrix selectors and subqueries.
#include "query/eval_context.h"

namespace promlite::query {

Result<std::vector<RangeSeries>> Evaluator::load_series(const model::Matchers& matchers,
                                                        model::Timestamp mint,
                                                        model::Timestamp maxt, bool keep_stale,
                                                        const std::string& func,
                                                        model::Duration range) {
  std::vector<RangeSeries> out;
  if (mint > maxt) return out;
  tsdb::SelectHints hints;
  hints.start = mint;
  hints.end = maxt;
  hints.step = interval_;
  hints.range = range;
  hints.func = func;
  auto set = qs_->querier->select(false, &hints, matchers);
  std::unique_ptr<tsdb::SampleIterator> it;
  constexpr size_t kBatch = 256;
  model::Timestamp tbuf[kBatch];
  double vbuf[kBatch];
  while (set->next()) {
    if (tick(1)) return check_interrupt();
    const tsdb::Series& s = set->at();
    it = s.iterator(std::move(it));
    RangeSeries rs;
    rs.metric = s.labels();
    bool done = !it->seek(mint);
    if (!done) {
      model::Sample first = it->at();
      if (first.t > maxt) {
        done = true;
      } else if (keep_stale || !model::is_stale_nan(first.v)) {
        rs.ts.push_back(first.t);
        rs.vs.push_back(first.v);
      }
    }
    while (!done) {
      size_t n = it->next_batch(tbuf, vbuf, kBatch);
      if (n == 0) break;
      if (tick(static_cast<int64_t>(n))) return check_interrupt();
      for (size_t i = 0; i < n; ++i) {
        if (tbuf[i] > maxt) {
          done = true;
          break;
        }
        if (!keep_stale && model::is_stale_nan(vbuf[i])) continue;
        rs.ts.push_back(tbuf[i]);
        rs.vs.push_back(vbuf[i]);
      }
    }
    if (Status st = it->status(); !st) return st;
    if (!rs.ts.empty()) out.push_back(std::move(rs));
  }
  if (Status st = set->status(); !st) return st;
  for (auto& w : set->warnings()) warn(w);
  return out;
}

Result<EvalValue> Evaluator::eval_vector_selector(const VectorSelector& vs, bool timestamp_values) {
  auto at = resolve_at(vs.mods);
  model::Timestamp first_ref = ref_time(start_, vs.mods.offset, at);
  model::Timestamp last_ref = ref_time(end_, vs.mods.offset, at);
  auto loaded = load_series(vs.matchers, first_ref - qs_->lookback + 1, last_ref, true, "", 0);
  if (!loaded) return loaded.status();
  EvalValue out;
  out.type = ValueType::kVector;
  out.vec.reserve(loaded->size());
  int64_t points = 0;
  for (auto& rs : loaded.value()) {
    if (tick(static_cast<int64_t>(steps_ + rs.ts.size()))) return check_interrupt();
    StepSeries ss;
    ss.metric = std::move(rs.metric);
    size_t n = rs.ts.size();
    size_t j = 0;  // first sample with t > ref
    for (size_t i = 0; i < steps_; ++i) {
      model::Timestamp t = step_time(i);
      model::Timestamp ref = ref_time(t, vs.mods.offset, at);
      while (j < n && rs.ts[j] <= ref) ++j;
      if (j == 0) continue;
      model::Timestamp st = rs.ts[j - 1];
      double v = rs.vs[j - 1];
      if (st <= ref - qs_->lookback || model::is_stale_nan(v)) continue;
      // timestamp() reports when the sample was taken, not the step time.
      ss.points.push_back({t, timestamp_values ? static_cast<double>(st) / 1000 : v});
    }
    if (!ss.points.empty()) {
      points += static_cast<int64_t>(ss.points.size());
      out.vec.push_back(std::move(ss));
    }
  }
  qs_->total_samples += points;
  if (Status st = add_samples(points); !st) return st;
  return out;
}

Result<RangeInput> Evaluator::eval_range(const Expr& e) {
  if (e.is<ParenExpr>()) return eval_range(*e.as<ParenExpr>().expr);
  if (e.is<SubqueryExpr>()) return eval_subquery(e.as<SubqueryExpr>());
  if (!e.is<MatrixSelector>()) return internal_error("expected a range vector expression");
  const auto& ms = e.as<MatrixSelector>();
  const auto& vs = ms.selector();
  RangeInput in;
  in.range = ms.range;
  in.offset = vs.mods.offset;
  in.at = resolve_at(vs.mods);
  in.selector = &vs;
  model::Timestamp first_ref = ref_time(start_, in.offset, in.at);
  model::Timestamp last_ref = ref_time(end_, in.offset, in.at);
  auto loaded = load_series(vs.matchers, first_ref - ms.range + 1, last_ref, false, "", ms.range);
  if (!loaded) return loaded.status();
  in.series = std::move(loaded.value());
  return in;
}

Result<RangeInput> Evaluator::eval_subquery(const SubqueryExpr& sq) {
  RangeInput in;
  in.range = sq.range;
  in.offset = sq.mods.offset;
  in.at = resolve_at(sq.mods);
  model::Duration step = sq.step > 0 ? sq.step : qs_->default_subquery_step;
  model::Timestamp outer_start = in.at ? *in.at : start_;
  model::Timestamp outer_end = in.at ? *in.at : end_;
  model::Timestamp lo = outer_start - in.offset - in.range;
  // First step-aligned timestamp at or after lo (Go's truncating division).
  model::Timestamp inner_start = step * (lo / step);
  if (inner_start < lo) inner_start += step;
  model::Timestamp inner_end = outer_end - in.offset;
  if (inner_start > inner_end) return in;
  Evaluator inner(qs_, inner_start, inner_end, step);
  auto res = inner.eval(*sq.expr);
  if (!res) return res.status();
  for (auto& s : res->vec) {
    RangeSeries rs;
    rs.metric = std::move(s.metric);
    rs.ts.reserve(s.points.size());
    rs.vs.reserve(s.points.size());
    for (const auto& p : s.points) {
      rs.ts.push_back(p.t);
      rs.vs.push_back(p.v);
    }
    in.series.push_back(std::move(rs));
  }
  return in;
}

}  // namespace promlite::query
