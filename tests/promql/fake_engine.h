// FakeEngine: a tiny query::Engine for the runner's unit tests only (never
// linked into promql_conformance). It evaluates number literals, parentheses
// and plain vector selectors (matchers, offset, @, 5m lookback, staleness)
// straight from storage; anything else fails with kUnsupported. Tests can
// replace the result of an exact expression text with `canned`, and inject
// engine bugs to prove that the runner notices them.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "query/ast.h"
#include "query/engine.h"
#include "query/parser.h"
#include "tsdb/querier.h"

namespace promlite::promqltest {

class FakeEngine : public query::Engine {
 public:
  static constexpr std::string_view kUnsupported = "fake engine: unsupported expression";

  // Results (or errors) returned for an exact expression text, at any time.
  // A range query over a canned vector or scalar repeats it at every step.
  std::map<std::string, Result<query::QueryResult>, std::less<>> canned;
  bool ignore_at = false;       // bug: evaluate `@ t` selectors at the query time
  bool range_shift = false;     // bug: range queries read one step too early
  bool unsorted_range = false;  // bug: range results in reverse label order
  int instant_calls = 0;
  int range_calls = 0;

  Result<query::QueryResult> instant_query(tsdb::Queryable& storage, std::string_view expr,
                                           model::Timestamp t,
                                           const query::QueryOptions& opts) override {
    ++instant_calls;
    if (auto it = canned.find(expr); it != canned.end()) return it->second;
    auto parsed = parse(expr);
    if (!parsed) return parsed.status();
    auto v = eval(storage, **parsed, t);
    if (!v) return v.status();
    return query::QueryResult{std::move(*v), {}, {}, {}};
  }

  Result<query::QueryResult> range_query(tsdb::Queryable& storage, std::string_view expr,
                                         model::Timestamp start, model::Timestamp end,
                                         model::Duration step,
                                         const query::QueryOptions& opts) override {
    ++range_calls;
    if (auto it = canned.find(expr); it != canned.end())
      return canned_range(it->second, start, end, step);
    auto parsed = parse(expr);
    if (!parsed) return parsed.status();
    std::map<model::Labels, std::vector<model::Sample>> series;
    for (model::Timestamp t = start; t <= end; t += step) {
      auto v = eval(storage, **parsed, range_shift ? t - step : t);
      if (!v) return v.status();
      if (const auto* s = std::get_if<query::Scalar>(&*v)) {
        series[model::Labels()].push_back({t, s->v});
      } else {
        for (const auto& smp : std::get<query::Vector>(*v))
          series[smp.metric].push_back({t, smp.v});
      }
    }
    query::Matrix m;
    for (auto& [labels, points] : series) m.push_back({labels, std::move(points)});
    if (unsorted_range) std::reverse(m.begin(), m.end());
    return query::QueryResult{std::move(m), {}, {}, {}};
  }

 private:
  static Result<query::QueryResult> canned_range(const Result<query::QueryResult>& r,
                                                 model::Timestamp start, model::Timestamp end,
                                                 model::Duration step) {
    if (!r) return r.status();
    query::Vector v;
    if (const auto* s = std::get_if<query::Scalar>(&r->value)) {
      v.push_back({model::Labels(), 0, s->v});
    } else if (const auto* vec = std::get_if<query::Vector>(&r->value)) {
      v = *vec;
    }
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.metric < b.metric; });
    query::Matrix m;
    for (const auto& smp : v) {
      query::MatrixSeries s{smp.metric, {}};
      for (model::Timestamp t = start; t <= end; t += step) s.points.push_back({t, smp.v});
      m.push_back(std::move(s));
    }
    return query::QueryResult{std::move(m), r->warnings, r->infos, {}};
  }

  static Result<std::unique_ptr<query::Expr>> parse(std::string_view expr) {
    return query::parse_expr(expr, {.experimental_functions = true, .duration_expressions = true});
  }

  Result<query::Value> eval(tsdb::Queryable& storage, const query::Expr& e, model::Timestamp t) {
    switch (e.kind) {
      case query::ExprKind::kNumberLiteral:
        return query::Value(query::Scalar{t, e.as<query::NumberLiteral>().value});
      case query::ExprKind::kParen:
        return eval(storage, *e.as<query::ParenExpr>().expr, t);
      case query::ExprKind::kVectorSelector:
        return select(storage, e.as<query::VectorSelector>(), t);
      default:
        return Status(StatusCode::kInvalidArgument, std::string(kUnsupported));
    }
  }

  Result<query::Value> select(tsdb::Queryable& storage, const query::VectorSelector& vs,
                              model::Timestamp t) {
    model::Timestamp ref = (vs.mods.at && !ignore_at) ? *vs.mods.at : t;
    ref -= vs.mods.offset;
    const model::Duration kLookback = 5 * model::kMinute;
    auto q = storage.querier(ref - kLookback + 1, ref);
    if (!q) return q.status();
    auto set = (*q)->select(true, nullptr, vs.matchers);
    query::Vector out;
    while (set->next()) {
      auto it = set->at().iterator();
      bool found = false;
      model::Sample last;
      while (it->next()) {
        if (it->at().t > ref) break;
        last = it->at();
        found = true;
      }
      if (found && !model::is_stale_nan(last.v)) out.push_back({set->at().labels(), t, last.v});
    }
    return query::Value(std::move(out));
  }
};

}  // namespace promlite::promqltest
