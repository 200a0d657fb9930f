#include "tests/promql/at_variants.h"

#include <array>
#include <string_view>

#include "query/ast.h"
#include "query/function_signatures.h"
#include "query/printer.h"

namespace promlite::promqltest {

namespace {

using query::Expr;
using query::ExprKind;

// Prometheus's AtModifierUnsafeFunctions.
bool at_unsafe_function(std::string_view name) {
  static constexpr std::array<std::string_view, 11> kNames = {
      "days_in_month", "day_of_month", "day_of_week",    "day_of_year", "hour",     "minute",
      "month",         "year",         "predict_linear", "time",        "timestamp"};
  for (std::string_view n : kNames) {
    if (n == name) return true;
  }
  return false;
}

void pin(query::TimeModifiers& mods, model::Timestamp t) {
  if (mods.at.has_value()) return;
  mods.at = t;
  mods.at_modifier = query::AtModifier::kNone;
}

// Pins every selector and subquery outside subqueries to `t`; sets *unsafe
// when an at-unsafe function is called there.
void rewrite(Expr& e, model::Timestamp t, bool* unsafe) {
  switch (e.kind) {
    case ExprKind::kVectorSelector:
      pin(e.as<query::VectorSelector>().mods, t);
      return;
    case ExprKind::kMatrixSelector:
      pin(e.as<query::MatrixSelector>().vector_selector->as<query::VectorSelector>().mods, t);
      return;
    case ExprKind::kSubquery:
      // Whether it had an @ already or gets one now, its inside is left alone.
      pin(e.as<query::SubqueryExpr>().mods, t);
      return;
    case ExprKind::kCall: {
      auto& call = e.as<query::Call>();
      if (call.func != nullptr && at_unsafe_function(call.func->name)) *unsafe = true;
      for (auto& arg : call.args) rewrite(*arg, t, unsafe);
      return;
    }
    case ExprKind::kParen:
      rewrite(*e.as<query::ParenExpr>().expr, t, unsafe);
      return;
    case ExprKind::kUnary:
      rewrite(*e.as<query::UnaryExpr>().expr, t, unsafe);
      return;
    case ExprKind::kBinary: {
      auto& b = e.as<query::BinaryExpr>();
      rewrite(*b.lhs, t, unsafe);
      rewrite(*b.rhs, t, unsafe);
      return;
    }
    case ExprKind::kAggregate: {
      auto& a = e.as<query::AggregateExpr>();
      if (a.param) rewrite(*a.param, t, unsafe);
      rewrite(*a.expr, t, unsafe);
      return;
    }
    case ExprKind::kNumberLiteral:
    case ExprKind::kStringLiteral:
    case ExprKind::kDuration:
      return;
  }
}

}  // namespace

Result<std::vector<InstantCase>> at_modifier_cases(std::string_view expr, model::Timestamp t,
                                                   const query::ParseOptions& opts) {
  auto parsed = query::parse_expr(expr, opts);
  if (!parsed) return parsed.status();
  bool unsafe = false;
  rewrite(**parsed, t, &unsafe);
  if (unsafe) return std::vector<InstantCase>{};
  std::string pinned = query::to_string(**parsed);
  std::vector<model::Timestamp> times;
  if (t == 0) {
    times = {-1000, 0, 1000};
  } else {
    times = {-10 * t, 0, t / 5, t, 10 * t};
  }
  std::vector<InstantCase> out;
  for (model::Timestamp et : times) out.push_back({pinned, et});
  return out;
}

}  // namespace promlite::promqltest
