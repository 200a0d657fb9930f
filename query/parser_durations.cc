// The PromQL parser: what follows an expression (ranges, subqueries,
// offset, @) and duration expressions (see parser_impl.h).
#include <cmath>
#include <string>

#include "query/parser_impl.h"

namespace promlite::query::parse_internal {

ExprPtr Parser::parse_postfix(ExprPtr e) {
  for (;;) {
    switch (peek().kind) {
      case TokenKind::kLeftBracket:
        e = parse_bracket(std::move(e));
        break;
      case TokenKind::kOffset:
        e = parse_offset(std::move(e));
        break;
      case TokenKind::kAt:
        e = parse_at(std::move(e));
        break;
      default:
        return e;
    }
    if (!e) return nullptr;
  }
}

bool Parser::experimental_duration(const Expr& e) {
  if (opts_.duration_expressions) return true;
  error_at(e.pos.start, "experimental duration expression is not enabled");
  return false;
}

ExprPtr Parser::parse_duration_expr(int min_prec) {
  DepthScope depth(this);
  if (too_deep(peek().pos)) return nullptr;
  ExprPtr lhs = parse_duration_unary();
  if (!lhs) return nullptr;
  for (;;) {
    const Token& t = peek();
    BinaryOp op;
    int prec;
    if (!binary_op_of(t.kind, &op, &prec) || prec < min_prec) break;
    if (prec < kPrecAdd || op == BinaryOp::kAtan2) break;  // only + - * / % ^
    int op_pos = t.pos;
    advance();
    ExprPtr rhs = parse_duration_expr(op == BinaryOp::kPow ? prec : prec + 1);
    if (!rhs) return nullptr;
    if (!experimental_duration(*lhs)) return nullptr;
    if ((op == BinaryOp::kDiv || op == BinaryOp::kMod) && rhs->is<NumberLiteral>() &&
        rhs->as<NumberLiteral>().value == 0) {
      return fail_at(op_pos, op == BinaryOp::kDiv ? "division by zero" : "modulo by zero");
    }
    auto d = std::make_unique<DurationExpr>();
    d->op = op;
    d->pos = {lhs->pos.start, rhs->pos.end};
    d->lhs = std::move(lhs);
    d->rhs = std::move(rhs);
    if (!set_height(d.get(), {d->lhs.get(), d->rhs.get()})) return nullptr;
    lhs = std::move(d);
  }
  return lhs;
}

ExprPtr Parser::parse_duration_unary() {
  const Token& t = peek();
  if (t.kind == TokenKind::kAdd || t.kind == TokenKind::kSub) {
    int pos = t.pos;
    bool neg = t.kind == TokenKind::kSub;
    advance();
    ExprPtr operand = parse_duration_expr(kPrecPow);
    if (!operand) return nullptr;
    if (operand->is<NumberLiteral>()) {
      auto& nl = operand->as<NumberLiteral>();
      if (neg) nl.value = -nl.value;
      if (std::fabs(nl.value) > kMaxDurationSeconds) return fail_at(pos, "duration out of range");
      nl.pos.start = pos;
      return operand;
    }
    if (!neg) return operand;
    auto d = std::make_unique<DurationExpr>();
    d->op = BinaryOp::kSub;
    d->pos = {pos, operand->pos.end};
    d->rhs = std::move(operand);
    if (!set_height(d.get(), {d->rhs.get()})) return nullptr;
    return d;
  }
  if (t.kind == TokenKind::kLeftParen) {
    DepthScope depth(this);
    if (too_deep(t.pos)) return nullptr;
    advance();
    ExprPtr inner = parse_duration_expr(0);
    if (!inner) return nullptr;
    if (peek().kind != TokenKind::kRightParen) return unexpected(peek());
    advance();
    if (!experimental_duration(*inner)) return nullptr;
    if (inner->is<DurationExpr>()) inner->as<DurationExpr>().wrapped = true;
    return inner;
  }
  if (is_number_token(t.kind)) {
    ExprPtr nl = parse_number_literal();
    if (!nl) return nullptr;
    if (std::fabs(nl->as<NumberLiteral>().value) > kMaxDurationSeconds) {
      return fail_at(nl->pos.start, "duration out of range");
    }
    return nl;
  }
  return unexpected(t);
}

ExprPtr Parser::parse_positive_duration() {
  ExprPtr d = parse_duration_expr(0);
  if (!d) return nullptr;
  if (d->is<NumberLiteral>() && d->as<NumberLiteral>().value <= 0) {
    return fail_at(d->pos.start, "duration must be greater than 0");
  }
  return d;
}

ExprPtr Parser::parse_bracket(ExprPtr e) {
  const Token& lb = advance();
  int lb_pos = lb.pos;
  ContextScope ctx(this, "subquery selector", "number or duration");
  ExprPtr range = parse_positive_duration();
  if (!range) return nullptr;
  auto take = [](ExprPtr d, model::Duration* value, ExprPtr* expr) {
    if (d->is<NumberLiteral>()) {
      *value = seconds_to_ms(d->as<NumberLiteral>().value);
    } else {
      *expr = std::move(d);
    }
  };
  const Token& t = peek();
  if (t.kind == TokenKind::kRightBracket) {
    advance();
    const char* err = nullptr;
    if (!e->is<VectorSelector>()) {
      err = "ranges only allowed for vector selectors";
    } else if (e->as<VectorSelector>().mods.offset != 0) {
      err = "no offset modifiers allowed before range";
    } else if (e->as<VectorSelector>().mods.at.has_value()) {
      err = "no @ modifiers allowed before range";
    }
    if (err) return fail_at(lb_pos, err);
    auto ms = std::make_unique<MatrixSelector>();
    ms->pos = {e->pos.start, last_end_};
    ms->vector_selector = std::move(e);
    take(std::move(range), &ms->range, &ms->range_expr);
    if (!set_height(ms.get(), {ms->vector_selector.get()})) return nullptr;
    return ms;
  }
  if (t.kind != TokenKind::kColon) return unexpected_in(t, "subquery or range", "\":\" or \"]\"");
  advance();
  auto sq = std::make_unique<SubqueryExpr>();
  take(std::move(range), &sq->range, &sq->range_expr);
  if (peek().kind != TokenKind::kRightBracket) {
    ctx.set("subquery selector", "number or duration or \"]\"");
    ExprPtr step = parse_positive_duration();
    if (!step) return nullptr;
    take(std::move(step), &sq->step, &sq->step_expr);
    if (peek().kind != TokenKind::kRightBracket) {
      return unexpected_in(peek(), "subquery selector", "\"]\"");
    }
  }
  advance();
  sq->pos = {e->pos.start, last_end_};
  sq->expr = std::move(e);
  if (!set_height(sq.get(), {sq->expr.get()})) return nullptr;
  return sq;
}

TimeModifiers* Parser::modifiers_of(Expr* e) {
  switch (e->kind) {
    case ExprKind::kVectorSelector:
      return &e->as<VectorSelector>().mods;
    case ExprKind::kMatrixSelector:
      return &e->as<MatrixSelector>().vector_selector->as<VectorSelector>().mods;
    case ExprKind::kSubquery:
      return &e->as<SubqueryExpr>().mods;
    default:
      return nullptr;
  }
}

ExprPtr Parser::parse_offset(ExprPtr e) {
  advance();  // offset
  ContextScope ctx(this, "offset", "number or duration");
  const Token& t = peek();
  ExprPtr d;
  // `offset [+-]<literal>` ends at the literal (`x offset 5m + 1` adds 1 to
  // the selector); anything else is a duration expression.
  bool signed_literal =
      (t.kind == TokenKind::kAdd || t.kind == TokenKind::kSub) && is_number_token(peek(1).kind);
  if (signed_literal || is_number_token(t.kind)) {
    int start = t.pos;
    bool neg = t.kind == TokenKind::kSub;
    if (signed_literal) advance();
    d = parse_number_literal();
    if (!d) return nullptr;
    auto& nl = d->as<NumberLiteral>();
    if (neg) nl.value = -nl.value;
    nl.pos.start = start;
    if (std::fabs(nl.value) > kMaxDurationSeconds) return fail_at(start, "duration out of range");
  } else if (t.kind == TokenKind::kAdd || t.kind == TokenKind::kSub ||
             t.kind == TokenKind::kLeftParen) {
    d = parse_duration_expr(0);
    if (!d) return nullptr;
  } else {
    return unexpected(t);
  }
  TimeModifiers* mods = modifiers_of(e.get());
  if (!mods) {
    return fail_at(e->pos.start,
                   "offset modifier must be preceded by an instant vector selector or range "
                   "vector selector or a subquery");
  }
  if (mods->offset != 0 || mods->offset_expr) {
    return fail_at(e->pos.start, "offset may not be set multiple times");
  }
  if (d->is<NumberLiteral>()) {
    mods->offset = seconds_to_ms(d->as<NumberLiteral>().value);
  } else {
    mods->offset_expr = std::move(d);
  }
  e->pos.end = last_end_;
  return e;
}

ExprPtr Parser::parse_at(ExprPtr e) {
  advance();  // @
  ContextScope ctx(this, "@", "timestamp");
  const Token& t = peek();
  AtModifier pre = AtModifier::kNone;
  double ts = 0;
  if (t.kind == TokenKind::kStart || t.kind == TokenKind::kEnd) {
    pre = t.kind == TokenKind::kStart ? AtModifier::kStart : AtModifier::kEnd;
    advance();
    if (peek().kind != TokenKind::kLeftParen) return unexpected(peek());
    advance();
    if (peek().kind != TokenKind::kRightParen) return unexpected(peek());
    advance();
  } else {
    bool neg = false;
    if (t.kind == TokenKind::kAdd || t.kind == TokenKind::kSub) {
      neg = t.kind == TokenKind::kSub;
      advance();
    }
    if (!is_number_token(peek().kind)) return unexpected(peek());
    bool dur;
    if (!number_value(advance(), &ts, &dur)) return nullptr;
    if (neg) ts = -ts;
    if (std::isinf(ts) || std::isnan(ts) || ts >= 9223372036854775807.0 ||
        ts <= -9223372036854775808.0) {
      return fail_at(e->pos.start, "timestamp out of bounds for @ modifier: " + format_go_f(ts));
    }
  }
  TimeModifiers* mods = modifiers_of(e.get());
  if (!mods) {
    return fail_at(e->pos.start,
                   "@ modifier must be preceded by an instant vector selector or range vector "
                   "selector or a subquery");
  }
  if (mods->at.has_value() || mods->at_modifier != AtModifier::kNone) {
    return fail_at(e->pos.start, "@ <timestamp> may not be set multiple times");
  }
  if (pre != AtModifier::kNone) {
    mods->at_modifier = pre;
  } else {
    double ms = std::round(ts * 1000);
    if (ms >= 9.2233720368547758e18) {
      mods->at = INT64_MAX;
    } else if (ms <= -9.2233720368547758e18) {
      mods->at = INT64_MIN;
    } else {
      mods->at = static_cast<int64_t>(ms);
    }
  }
  e->pos.end = last_end_;
  return e;
}

}  // namespace promlite::query::parse_internal
