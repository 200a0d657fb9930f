// query::new_engine(): parsing, per-query storage access, limits and the
// conversion of evaluator output into API values.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "query/eval_context.h"
#include "query/function_signatures.h"
#include "query/parser.h"
#include "query/promql_engine.h"

namespace promlite::query {

namespace {

// Widens [*mint, *maxt] to every sample time `e` may read when evaluated over
// [start, end] (Prometheus's getTimeRangesForSelector).
void needed_range(const Expr& e, model::Timestamp start, model::Timestamp end, const QueryState& qs,
                  model::Timestamp* mint, model::Timestamp* maxt) {
  auto at_of = [&](const TimeModifiers& m) -> std::optional<model::Timestamp> {
    if (m.at_modifier == AtModifier::kStart) return qs.query_start;
    if (m.at_modifier == AtModifier::kEnd) return qs.query_end;
    return m.at;
  };
  auto widen = [&](const TimeModifiers& m, model::Duration before) {
    auto at = at_of(m);
    model::Timestamp s = (at ? *at : start) - m.offset - before;
    model::Timestamp en = (at ? *at : end) - m.offset;
    *mint = std::min(*mint, s);
    *maxt = std::max(*maxt, en);
  };
  switch (e.kind) {
    case ExprKind::kVectorSelector:
      widen(e.as<VectorSelector>().mods, qs.lookback);
      return;
    case ExprKind::kMatrixSelector: {
      const auto& ms = e.as<MatrixSelector>();
      widen(ms.selector().mods, ms.range);
      return;
    }
    case ExprKind::kSubquery: {
      const auto& sq = e.as<SubqueryExpr>();
      auto at = at_of(sq.mods);
      model::Timestamp s = (at ? *at : start) - sq.mods.offset - sq.range;
      model::Timestamp en = (at ? *at : end) - sq.mods.offset;
      needed_range(*sq.expr, s, en, qs, mint, maxt);
      return;
    }
    case ExprKind::kCall:
      if (e.as<Call>().func->name == "info") {
        // info() reads info series up to a lookback delta before the times
        // its first argument reads; that may reach further back than a range.
        model::Timestamp arg_mint = *maxt;
        for (const Expr* c : children(e)) needed_range(*c, start, end, qs, &arg_mint, maxt);
        *mint = std::min(*mint, arg_mint - qs.lookback);
        return;
      }
      [[fallthrough]];
    default:
      for (const Expr* c : children(e)) needed_range(*c, start, end, qs, mint, maxt);
  }
}

class PromqlEngine : public Engine {
 public:
  explicit PromqlEngine(const EngineOptions& o) : opts_(o) {}

  Result<QueryResult> instant_query(tsdb::Queryable& storage, std::string_view expr,
                                    model::Timestamp t, const QueryOptions& opts) override {
    return run(storage, expr, t, t, 0, opts, false);
  }

  Result<QueryResult> range_query(tsdb::Queryable& storage, std::string_view expr,
                                  model::Timestamp start, model::Timestamp end,
                                  model::Duration step, const QueryOptions& opts) override {
    if (step <= 0) {
      return invalid_argument(
          "zero or negative query resolution step widths are not accepted. Try a positive "
          "integer");
    }
    if (end < start) return invalid_argument("end timestamp must not be before start time");
    return run(storage, expr, start, end, step, opts, true);
  }

 private:
  // Bounds the queries running at once; waiting gives up on cancellation.
  class Slot {
   public:
    explicit Slot(PromqlEngine* e) : e_(e) {}
    ~Slot() {
      if (held_) {
        std::lock_guard<std::mutex> l(e_->mu_);
        --e_->running_;
        e_->cv_.notify_one();
      }
    }
    Status acquire(const std::stop_token& stop, std::chrono::steady_clock::time_point deadline) {
      std::unique_lock<std::mutex> l(e_->mu_);
      while (e_->running_ >= std::max(1, e_->opts_.max_concurrency)) {
        if (stop.stop_requested()) {
          return Status(StatusCode::kCanceled, "query was canceled in queue");
        }
        if (std::chrono::steady_clock::now() > deadline) {
          return Status(StatusCode::kDeadlineExceeded, "query timed out in queue");
        }
        e_->cv_.wait_for(l, std::chrono::milliseconds(50));
      }
      ++e_->running_;
      held_ = true;
      return Status::ok();
    }

   private:
    PromqlEngine* e_;
    bool held_ = false;
  };

  Result<QueryResult> run(tsdb::Queryable& storage, std::string_view text, model::Timestamp start,
                          model::Timestamp end, model::Duration step, const QueryOptions& opts,
                          bool is_range) {
    auto began = std::chrono::steady_clock::now();
    ParseOptions po;
    po.experimental_functions = opts_.experimental_functions;
    po.duration_expressions = opts_.duration_expressions;
    auto parsed = parse_expr(text, po);
    if (!parsed) return parsed.status();
    const Expr& expr = *parsed.value();
    ValueType type = expr.type();
    if (is_range && type != ValueType::kScalar && type != ValueType::kVector) {
      return invalid_argument("invalid expression type \"" +
                              std::string(documented_type_name(type)) +
                              "\" for range query, must be Scalar or instant Vector");
    }
    QueryState qs;
    qs.lookback = opts.lookback_delta > 0 ? opts.lookback_delta : opts_.lookback_delta;
    qs.query_start = start;
    qs.query_end = end;
    qs.max_samples = opts_.max_samples;
    qs.stop = opts.stop;
    model::Duration timeout = opts.timeout > 0 ? opts.timeout : opts_.timeout;
    qs.deadline = began + std::chrono::milliseconds(timeout);

    Slot slot(this);
    if (Status st = slot.acquire(opts.stop, qs.deadline); !st) return st;
    // As Prometheus, before evaluation starts the stage is "query execution".
    if (opts.stop.stop_requested()) {
      return Status(StatusCode::kCanceled, "query was canceled in query execution");
    }
    if (std::chrono::steady_clock::now() > qs.deadline) {
      return Status(StatusCode::kDeadlineExceeded, "query timed out in query execution");
    }

    model::Timestamp mint = start, maxt = end;
    needed_range(expr, start, end, qs, &mint, &maxt);
    auto querier = storage.querier(mint, maxt);
    if (!querier) return querier.status();
    qs.querier = querier.value().get();

    Evaluator ev(&qs, start, end, is_range ? step : 1);
    QueryResult result;
    if (type == ValueType::kMatrix) {
      auto in = ev.eval_range(expr);
      if (!in) return in.status();
      Matrix m;
      model::Timestamp ref = ev.ref_time(start, in->offset, in->at);
      for (auto& s : in->series) {
        MatrixSeries ms;
        ms.metric = std::move(s.metric);
        for (size_t i = 0; i < s.ts.size(); ++i) {
          if (s.ts[i] > ref - in->range && s.ts[i] <= ref) ms.points.push_back({s.ts[i], s.vs[i]});
        }
        if (!ms.points.empty()) m.push_back(std::move(ms));
      }
      result.value = std::move(m);
    } else {
      auto v = ev.eval(expr);
      if (!v) return v.status();
      EvalValue& out = v.value();
      if (out.type == ValueType::kString) {
        result.value = String{start, out.str};
      } else if (!is_range && out.type == ValueType::kScalar) {
        result.value = Scalar{start, out.scalar[0]};
      } else if (!is_range) {
        Vector vec;
        vec.reserve(out.vec.size());
        for (auto& s : out.vec) {
          for (const auto& p : s.points) vec.push_back({std::move(s.metric), p.t, p.v});
        }
        result.value = std::move(vec);
      } else {
        Matrix m;
        if (out.type == ValueType::kScalar) {
          MatrixSeries ms;
          for (size_t i = 0; i < ev.steps(); ++i)
            ms.points.push_back({ev.step_time(i), out.scalar[i]});
          m.push_back(std::move(ms));
        } else {
          m.reserve(out.vec.size());
          for (auto& s : out.vec) {
            if (!s.points.empty()) m.push_back({std::move(s.metric), std::move(s.points)});
          }
          std::sort(m.begin(), m.end(), [](const MatrixSeries& a, const MatrixSeries& b) {
            return model::Labels::compare(a.metric, b.metric) < 0;
          });
        }
        result.value = std::move(m);
      }
    }
    result.warnings.assign(qs.warnings.begin(), qs.warnings.end());
    result.infos.assign(qs.infos.begin(), qs.infos.end());
    result.stats.total_samples = qs.total_samples;
    result.stats.peak_samples = qs.peak_samples;
    result.stats.exec_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    return result;
  }

  EngineOptions opts_;
  std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;
};

}  // namespace

std::unique_ptr<Engine> new_engine(const EngineOptions& options) {
  return std::make_unique<PromqlEngine>(options);
}

}  // namespace promlite::query
