// Semantic checks of a parsed PromQL tree and folding of duration
// expressions; both run after a successful parse (see parser.cc).
#include <cmath>
#include <string>

#include "model/labels.h"
#include "query/function_signatures.h"
#include "query/lexer.h"
#include "query/parse_internal.h"

namespace promlite::query::parse_internal {
namespace {

// Type checks over a finished tree, in the order of Prometheus's checkAST.
class Checker {
 public:
  explicit Checker(std::string_view input) : input_(input) {}

  ValueType check(Expr& e);
  const Status& status() const { return err_; }

 private:
  // Keeps the first error only, as Prometheus reports only that one.
  void err(int pos, std::string msg) {
    if (!err_.is_ok()) return;
    err_ = invalid_argument(format_position(input_, pos) + ": parse error: " + msg);
  }
  void expect_type(Expr& e, ValueType want, const std::string& context) {
    ValueType t = check(e);
    if (t != want) {
      err(e.pos.start, "expected type " + std::string(documented_type_name(want)) + " in " +
                           context + ", got " + std::string(documented_type_name(t)));
    }
  }
  void check_binary(BinaryExpr& b);
  void check_call(Call& c);
  void check_selector(VectorSelector& vs);

  std::string_view input_;
  Status err_;
};

ValueType Checker::check(Expr& e) {
  switch (e.kind) {
    case ExprKind::kAggregate: {
      auto& a = e.as<AggregateExpr>();
      expect_type(*a.expr, ValueType::kVector, "aggregation expression");
      switch (a.op) {
        case AggregateOp::kTopk:
        case AggregateOp::kBottomk:
        case AggregateOp::kQuantile:
        case AggregateOp::kLimitk:
        case AggregateOp::kLimitRatio:
          expect_type(*a.param, ValueType::kScalar, "aggregation parameter");
          break;
        case AggregateOp::kCountValues:
          expect_type(*a.param, ValueType::kString, "aggregation parameter");
          break;
        default:
          break;
      }
      break;
    }
    case ExprKind::kBinary:
      check_binary(e.as<BinaryExpr>());
      break;
    case ExprKind::kCall:
      check_call(e.as<Call>());
      break;
    case ExprKind::kParen:
      check(*e.as<ParenExpr>().expr);
      break;
    case ExprKind::kUnary: {
      ValueType t = check(*e.as<UnaryExpr>().expr);
      if (t != ValueType::kScalar && t != ValueType::kVector) {
        err(e.pos.start,
            "unary expression only allowed on expressions of type scalar or instant vector, got " +
                go_quote(documented_type_name(t)));
      }
      break;
    }
    case ExprKind::kSubquery: {
      ValueType t = check(*e.as<SubqueryExpr>().expr);
      if (t != ValueType::kVector) {
        err(e.pos.start, "subquery is only allowed on instant vector, got " +
                             std::string(value_type_name(t)) + " instead");
      }
      break;
    }
    case ExprKind::kMatrixSelector:
      check(*e.as<MatrixSelector>().vector_selector);
      break;
    case ExprKind::kVectorSelector:
      check_selector(e.as<VectorSelector>());
      break;
    case ExprKind::kNumberLiteral:
    case ExprKind::kStringLiteral:
    case ExprKind::kDuration:
      break;
  }
  return e.type();
}

void Checker::check_binary(BinaryExpr& b) {
  ValueType lt = check(*b.lhs);
  ValueType rt = check(*b.rhs);
  const std::string op = go_quote(binary_op_string(b.op));
  if (b.return_bool && !is_comparison_op(b.op)) {
    err(b.op_pos, "bool modifier can only be used on comparison operators");
  }
  if (is_comparison_op(b.op) && !b.return_bool && lt == ValueType::kScalar &&
      rt == ValueType::kScalar) {
    err(b.op_pos, "comparisons between scalars must use BOOL modifier");
  }
  if (b.matching) {
    VectorMatching& vm = *b.matching;
    if (is_set_op(b.op) && vm.card == VectorMatchCardinality::kOneToOne) {
      vm.card = VectorMatchCardinality::kManyToMany;
    }
    if (vm.on) {
      for (const auto& l1 : vm.matching_labels) {
        for (const auto& l2 : vm.include) {
          if (l1 == l2) {
            err(b.op_pos,
                "label " + go_quote(l1) + " must not occur in ON and GROUP clause at once");
          }
        }
      }
    }
  }
  if (lt != ValueType::kScalar && lt != ValueType::kVector) {
    err(b.lhs->pos.start, "binary expression must contain only scalar and instant vector types");
  }
  if (rt != ValueType::kScalar && rt != ValueType::kVector) {
    err(b.rhs->pos.start, "binary expression must contain only scalar and instant vector types");
  }
  if ((lt != ValueType::kVector || rt != ValueType::kVector) && b.matching) {
    if (!b.matching->matching_labels.empty()) {
      err(b.pos.start, "vector matching only allowed between instant vectors");
    }
    b.matching.reset();
  } else if (is_set_op(b.op) && b.matching) {
    auto card = b.matching->card;
    if (card == VectorMatchCardinality::kOneToMany || card == VectorMatchCardinality::kManyToOne) {
      err(b.pos.start, "no grouping allowed for " + op + " operation");
    }
    if (card != VectorMatchCardinality::kManyToMany) {
      err(b.pos.start, "set operations must always be many-to-many");
    }
  }
  if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && is_set_op(b.op)) {
    err(b.pos.start, "set operator " + op + " not allowed in binary scalar expression");
  }
}

void Checker::check_call(Call& c) {
  const FunctionSignature& f = *c.func;
  const std::string name = go_quote(f.name);
  const size_t nargs = f.arg_types.size();
  const size_t got = c.args.size();
  if (f.variadic == 0) {
    if (nargs != got) {
      err(c.pos.start, "expected " + std::to_string(nargs) + " argument(s) in call to " + name +
                           ", got " + std::to_string(got));
    }
  } else {
    size_t na = nargs - 1;
    if (na > got) {
      err(c.pos.start, "expected at least " + std::to_string(na) + " argument(s) in call to " +
                           name + ", got " + std::to_string(got));
    } else if (f.variadic > 0 && na + static_cast<size_t>(f.variadic) < got) {
      err(c.pos.start, "expected at most " + std::to_string(na + static_cast<size_t>(f.variadic)) +
                           " argument(s) in call to " + name + ", got " + std::to_string(got));
    }
  }
  const std::string context = "call to function " + name;
  if (f.name == "info" && got > 1) {
    Expr& sel = *c.args[1];
    if (sel.type() != ValueType::kVector) {
      err(c.pos.start, "expected type instant vector in " + context + ", got " +
                           std::string(documented_type_name(sel.type())));
    }
    if (sel.is<VectorSelector>()) {
      auto& vs = sel.as<VectorSelector>();
      if (!vs.name.empty()) {
        err(sel.pos.start, "expected label selectors only, got vector selector instead");
      }
      vs.bypass_empty_matcher_check = true;
    }
  }
  for (size_t i = 0; i < got; ++i) {
    size_t k = i;
    if (k >= nargs) {
      if (f.variadic == 0) break;
      k = nargs - 1;
    }
    expect_type(*c.args[i], f.arg_types[k], context);
  }
}

void Checker::check_selector(VectorSelector& vs) {
  if (!vs.name.empty()) {
    for (size_t i = 0; i + 1 < vs.matchers.size(); ++i) {
      if (vs.matchers[i].name() == model::kMetricName) {
        err(vs.pos.start, "metric name must not be set twice: " + go_quote(vs.name) + " or " +
                              go_quote(vs.matchers[i].value()));
      }
    }
    return;
  }
  if (vs.bypass_empty_matcher_check) return;
  for (const auto& m : vs.matchers) {
    if (!m.matches_empty()) return;
  }
  err(vs.pos.start, "vector selector must contain at least one non-empty matcher");
}

// Folds duration expressions into the time fields, as Prometheus's engine
// does before evaluation (with its error texts, which carry byte offsets).
class DurationFolder {
 public:
  Status fold(Expr& e) {
    switch (e.kind) {
      case ExprKind::kVectorSelector:
        return fold_into(e.as<VectorSelector>().mods.offset_expr,
                         &e.as<VectorSelector>().mods.offset, true);
      case ExprKind::kMatrixSelector: {
        auto& m = e.as<MatrixSelector>();
        Status s = fold(*m.vector_selector);
        if (!s) return s;
        return fold_into(m.range_expr, &m.range, false);
      }
      case ExprKind::kSubquery: {
        auto& sq = e.as<SubqueryExpr>();
        Status s = fold_into(sq.mods.offset_expr, &sq.mods.offset, true);
        if (s) s = fold_into(sq.step_expr, &sq.step, false);
        if (s) s = fold_into(sq.range_expr, &sq.range, false);
        if (s) s = fold(*sq.expr);
        return s;
      }
      case ExprKind::kParen:
        return fold(*e.as<ParenExpr>().expr);
      case ExprKind::kUnary:
        return fold(*e.as<UnaryExpr>().expr);
      case ExprKind::kBinary: {
        Status s = fold(*e.as<BinaryExpr>().lhs);
        return s ? fold(*e.as<BinaryExpr>().rhs) : s;
      }
      case ExprKind::kAggregate: {
        auto& a = e.as<AggregateExpr>();
        if (a.param) {
          Status s = fold(*a.param);
          if (!s) return s;
        }
        return fold(*a.expr);
      }
      case ExprKind::kCall:
        for (auto& arg : e.as<Call>().args) {
          Status s = fold(*arg);
          if (!s) return s;
        }
        return Status::ok();
      default:
        return Status::ok();
    }
  }

 private:
  static std::string where(const Expr& e) {
    return std::to_string(e.pos.start) + ":" + std::to_string(e.pos.end) + ": ";
  }

  Status eval(const Expr& e, double* out) {
    if (e.is<NumberLiteral>()) {
      *out = e.as<NumberLiteral>().value;
      return Status::ok();
    }
    const auto& d = e.as<DurationExpr>();
    double lhs = 0;
    double rhs = 0;
    if (d.lhs) {
      Status s = eval(*d.lhs, &lhs);
      if (!s) return s;
    }
    Status s = eval(*d.rhs, &rhs);
    if (!s) return s;
    switch (d.op) {
      case BinaryOp::kAdd:
        *out = lhs + rhs;
        break;
      case BinaryOp::kSub:
        *out = d.lhs ? lhs - rhs : -rhs;
        break;
      case BinaryOp::kMul:
        *out = lhs * rhs;
        break;
      case BinaryOp::kDiv:
        if (rhs == 0) return invalid_argument(where(e) + "division by zero");
        *out = lhs / rhs;
        break;
      case BinaryOp::kMod:
        if (rhs == 0) return invalid_argument(where(e) + "modulo by zero");
        *out = std::fmod(lhs, rhs);
        break;
      case BinaryOp::kPow:
        *out = std::pow(lhs, rhs);
        break;
      default:
        return internal_error("unexpected duration expression operator");
    }
    return Status::ok();
  }

  Status fold_into(const ExprPtr& expr, model::Duration* value, bool allow_negative) {
    if (!expr) return Status::ok();
    double secs = 0;
    Status s = eval(*expr, &secs);
    if (!s) return s;
    if (secs <= 0 && !allow_negative) {
      return invalid_argument(where(*expr) + "duration must be greater than 0");
    }
    double ms = secs * 1000;
    if (!(ms < 9.2233720368547758e18 && ms > -9.2233720368547758e18)) {
      return invalid_argument(where(*expr) + "duration is out of range");
    }
    *value = static_cast<int64_t>(ms);
    return Status::ok();
  }
};

}  // namespace

Status check_types(std::string_view input, Expr& e) {
  Checker c(input);
  c.check(e);
  return c.status();
}

Status fold_durations(Expr& e) { return DurationFolder().fold(e); }

}  // namespace promlite::query::parse_internal
