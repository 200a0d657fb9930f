#include "query/ast.h"

#include "query/function_signatures.h"

namespace promlite::query {

std::string_view binary_op_string(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "^";
    case BinaryOp::kAtan2:
      return "atan2";
    case BinaryOp::kEql:
      return "==";
    case BinaryOp::kNeq:
      return "!=";
    case BinaryOp::kGtr:
      return ">";
    case BinaryOp::kLss:
      return "<";
    case BinaryOp::kGte:
      return ">=";
    case BinaryOp::kLte:
      return "<=";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kUnless:
      return "unless";
  }
  return "?";
}

bool is_comparison_op(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEql:
    case BinaryOp::kNeq:
    case BinaryOp::kGtr:
    case BinaryOp::kLss:
    case BinaryOp::kGte:
    case BinaryOp::kLte:
      return true;
    default:
      return false;
  }
}

bool is_set_op(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

std::string_view aggregate_op_string(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum:
      return "sum";
    case AggregateOp::kAvg:
      return "avg";
    case AggregateOp::kCount:
      return "count";
    case AggregateOp::kMin:
      return "min";
    case AggregateOp::kMax:
      return "max";
    case AggregateOp::kGroup:
      return "group";
    case AggregateOp::kStddev:
      return "stddev";
    case AggregateOp::kStdvar:
      return "stdvar";
    case AggregateOp::kTopk:
      return "topk";
    case AggregateOp::kBottomk:
      return "bottomk";
    case AggregateOp::kQuantile:
      return "quantile";
    case AggregateOp::kCountValues:
      return "count_values";
    case AggregateOp::kLimitk:
      return "limitk";
    case AggregateOp::kLimitRatio:
      return "limit_ratio";
  }
  return "?";
}

bool aggregate_takes_param(AggregateOp op) {
  switch (op) {
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk:
    case AggregateOp::kQuantile:
    case AggregateOp::kCountValues:
    case AggregateOp::kLimitk:
    case AggregateOp::kLimitRatio:
      return true;
    default:
      return false;
  }
}

std::string_view documented_type_name(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kString:
      return "string";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
  }
  return "unknown";
}

ValueType Expr::type() const {
  switch (kind) {
    case ExprKind::kNumberLiteral:
    case ExprKind::kDuration:
      return ValueType::kScalar;
    case ExprKind::kStringLiteral:
      return ValueType::kString;
    case ExprKind::kVectorSelector:
    case ExprKind::kAggregate:
      return ValueType::kVector;
    case ExprKind::kMatrixSelector:
    case ExprKind::kSubquery:
      return ValueType::kMatrix;
    case ExprKind::kParen:
      return as<ParenExpr>().expr->type();
    case ExprKind::kUnary:
      return as<UnaryExpr>().expr->type();
    case ExprKind::kBinary:
      return as<BinaryExpr>().result_type;
    case ExprKind::kCall: {
      const auto& c = as<Call>();
      return c.func ? c.func->return_type : ValueType::kVector;
    }
  }
  return ValueType::kScalar;
}

std::vector<const Expr*> children(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kMatrixSelector:
      return {e.as<MatrixSelector>().vector_selector.get()};
    case ExprKind::kSubquery:
      return {e.as<SubqueryExpr>().expr.get()};
    case ExprKind::kParen:
      return {e.as<ParenExpr>().expr.get()};
    case ExprKind::kUnary:
      return {e.as<UnaryExpr>().expr.get()};
    case ExprKind::kBinary:
      return {e.as<BinaryExpr>().lhs.get(), e.as<BinaryExpr>().rhs.get()};
    case ExprKind::kAggregate: {
      const auto& a = e.as<AggregateExpr>();
      if (a.param) return {a.param.get(), a.expr.get()};
      return {a.expr.get()};
    }
    case ExprKind::kCall: {
      std::vector<const Expr*> out;
      for (const auto& arg : e.as<Call>().args) out.push_back(arg.get());
      return out;
    }
    default:
      return {};
  }
}

}  // namespace promlite::query
