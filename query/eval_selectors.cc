// Evaluator: vector selectors, matrix selectors and subqueries.
#include "query/eval_context.h"
#include "query/range_windows.h"

namespace promlite::query {

Status Evaluator::scan_series(const model::Matchers& matchers, model::Timestamp mint,
                              model::Timestamp maxt, bool keep_stale, const std::string& func,
                              model::Duration range, const SeriesVisitor& visit) {
  if (mint > maxt) return Status::ok();
  tsdb::SelectHints hints;
  hints.start = mint;
  hints.end = maxt;
  hints.step = interval_;
  hints.range = range;
  hints.func = func;
  auto set = qs_->querier->select(false, &hints, matchers);
  std::unique_ptr<tsdb::SampleIterator> it;
  constexpr size_t kBatch = 256;
  // One series' samples, decoded straight into buffers reused across series
  // (their size only grows; `n` counts the samples of the current series).
  std::vector<model::Timestamp> ts;
  std::vector<double> vs;
  auto ensure = [&](size_t need) {
    if (ts.size() >= need) return;
    size_t size = std::max(need, ts.size() * 2);
    ts.resize(size);
    vs.resize(size);
  };
  while (set->next()) {
    if (tick(1)) return check_interrupt();
    const tsdb::Series& s = set->at();
    it = s.iterator(std::move(it));
    size_t n = 0;
    bool done = !it->seek(mint);
    if (!done) {
      model::Sample first = it->at();
      if (first.t > maxt) {
        done = true;
      } else if (keep_stale || !model::is_stale_nan(first.v)) {
        ensure(1);
        ts[0] = first.t;
        vs[0] = first.v;
        n = 1;
      }
    }
    while (!done) {
      ensure(n + kBatch);
      size_t got = it->next_batch(ts.data() + n, vs.data() + n, kBatch);
      if (got == 0) break;
      if (tick(static_cast<int64_t>(got))) return check_interrupt();
      // Keeps the samples up to maxt, without stale markers unless asked.
      const size_t end = n + got;
      for (size_t i = n; i < end; ++i) {
        if (ts[i] > maxt) {
          done = true;
          break;
        }
        if (!keep_stale && model::is_stale_nan(vs[i])) continue;
        ts[n] = ts[i];
        vs[n] = vs[i];
        ++n;
      }
    }
    if (Status st = it->status(); !st) return st;
    if (n == 0) continue;
    if (Status st = visit(s.labels(), ts.data(), vs.data(), n); !st) return st;
  }
  if (Status st = set->status(); !st) return st;
  for (auto& w : set->warnings()) warn(w);
  return Status::ok();
}

Result<std::vector<RangeSeries>> Evaluator::load_series(const model::Matchers& matchers,
                                                        model::Timestamp mint,
                                                        model::Timestamp maxt, bool keep_stale,
                                                        const std::string& func,
                                                        model::Duration range) {
  std::vector<RangeSeries> out;
  Status st = scan_series(
      matchers, mint, maxt, keep_stale, func, range,
      [&](const model::Labels& metric, const model::Timestamp* ts, const double* vs, size_t n) {
        RangeSeries& rs = out.emplace_back();
        rs.metric = metric;
        rs.ts.assign(ts, ts + n);
        rs.vs.assign(vs, vs + n);
        return Status::ok();
      });
  if (!st) return st;
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
    selector_values(vs.mods.offset, at, timestamp_values, rs.ts.data(), rs.vs.data(), rs.ts.size(),
                    [&](size_t, model::Timestamp t, double v) {
                      ss.points.push_back({t, v});
                    });
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
