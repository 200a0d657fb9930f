// Evaluator: dispatch over expression kinds, limits, literals and unary minus.
#include <cmath>

#include "query/eval_context.h"

namespace promlite::query {

// Prometheus names the stage: "expression evaluation" while evaluating.
Status Evaluator::check_interrupt() {
  if (qs_->stop.stop_requested()) {
    return Status(StatusCode::kCanceled, "query was canceled in expression evaluation");
  }
  if (std::chrono::steady_clock::now() > qs_->deadline) {
    return Status(StatusCode::kDeadlineExceeded, "query timed out in expression evaluation");
  }
  return Status::ok();
}

bool Evaluator::over_budget() {
  qs_->work_left = kWorkPerCheck;
  return qs_->stop.stop_requested() || std::chrono::steady_clock::now() > qs_->deadline;
}

Status Evaluator::add_samples(int64_t n) {
  qs_->current_samples += n;
  if (qs_->current_samples > qs_->peak_samples) qs_->peak_samples = qs_->current_samples;
  if (qs_->max_samples > 0 && qs_->current_samples > qs_->max_samples) {
    return Status(StatusCode::kResourceExhausted,
                  "query processing would load too many samples into memory in query execution");
  }
  if (tick(n + 1)) return check_interrupt();
  return Status::ok();
}

std::optional<model::Timestamp> Evaluator::resolve_at(const TimeModifiers& m) const {
  switch (m.at_modifier) {
    case AtModifier::kStart:
      return qs_->query_start;
    case AtModifier::kEnd:
      return qs_->query_end;
    case AtModifier::kNone:
      break;
  }
  return m.at;
}

Result<EvalValue> Evaluator::eval(const Expr& e) {
  if (tick(1)) return check_interrupt();
  // As Prometheus: once a node is done, the samples of its inputs are no
  // longer held; only its output counts towards the current total.
  int64_t before = qs_->current_samples;
  auto res = eval_node(e);
  if (res) {
    int64_t points = 0;
    for (const auto& s : res->vec) {
      points += static_cast<int64_t>(s.points.size());
      // Series merged by a SeriesCollector out of step order are sorted when
      // taken: two points at one step mean two input series ended up with
      // the same labels there (Prometheus checks this per step).
      for (size_t i = 1; i < s.points.size(); ++i) {
        if (s.points[i].t == s.points[i - 1].t) return exec_error(kDuplicateLabelset);
      }
    }
    qs_->current_samples = before;
    if (Status st = add_samples(points); !st) return st;
  }
  return res;
}

Result<EvalValue> Evaluator::eval_node(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kNumberLiteral:
      return scalar_value(steps_, e.as<NumberLiteral>().value);
    case ExprKind::kStringLiteral: {
      EvalValue out;
      out.type = ValueType::kString;
      out.str = e.as<StringLiteral>().value;
      return out;
    }
    case ExprKind::kParen:
      return eval(*e.as<ParenExpr>().expr);
    case ExprKind::kVectorSelector:
      return eval_vector_selector(e.as<VectorSelector>(), false);
    case ExprKind::kUnary:
      return eval_unary(e.as<UnaryExpr>());
    case ExprKind::kBinary:
      return eval_binary(e.as<BinaryExpr>());
    case ExprKind::kAggregate:
      return eval_aggregate(e.as<AggregateExpr>());
    case ExprKind::kCall:
      return eval_call(e.as<Call>());
    case ExprKind::kMatrixSelector:
    case ExprKind::kSubquery:
      return internal_error("range vector evaluated where an instant value was expected");
    case ExprKind::kDuration:
      break;
  }
  return internal_error("unexpected expression kind in evaluation");
}

Result<EvalValue> Evaluator::eval_unary(const UnaryExpr& u) {
  auto inner = eval(*u.expr);
  if (!inner) return inner;
  EvalValue v = std::move(inner.value());
  if (u.op != BinaryOp::kSub) return v;
  if (v.type == ValueType::kScalar) {
    for (double& x : v.scalar) x = -x;
    return v;
  }
  SeriesCollector col;
  for (auto& s : v.vec) {
    if (tick(static_cast<int64_t>(s.points.size()) + 1)) return check_interrupt();
    // As Prometheus: two series with the same labels once the name is gone
    // are an error, whether or not they have points at the same steps.
    size_t before = col.size();
    size_t idx = col.series_for(drop_metric_name(s.metric));
    if (col.size() == before && !s.points.empty()) return exec_error(kDuplicateLabelset);
    for (const auto& p : s.points) {
      if (!col.add(idx, p.t, -p.v)) return exec_error(kDuplicateLabelset);
    }
  }
  v.vec = col.take();
  return v;
}

}  // namespace promlite::query
