// PromQL abstract syntax tree, as produced by query::parse_expr().
//
// Every node derives from Expr and carries its `kind`, so callers switch on
// kind and downcast with as<T>() (checked in debug builds). Children are owned
// through std::unique_ptr. The tree is immutable after parsing in spirit: the
// evaluator may annotate it but must not change its shape.
//
// Positions are byte offsets into the parsed input, [start, end).
//
// Time fields are in milliseconds. Offsets, ranges and steps given as duration
// expressions (experimental `[5m+1m]`, `offset (1h/2)`) are folded by the
// parser: `range`, `step` and `offset` always hold the final value, and the
// *_expr fields keep the expression only so the printer can show it again.
#pragma once

#include <cassert>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/duration.h"
#include "model/matcher.h"
#include "model/sample.h"
#include "query/value.h"

namespace promlite::query {

struct FunctionSignature;

struct PosRange {
  int start = 0;
  int end = 0;
};

enum class ExprKind {
  kNumberLiteral,
  kStringLiteral,
  kVectorSelector,
  kMatrixSelector,
  kSubquery,
  kParen,
  kUnary,
  kBinary,
  kAggregate,
  kCall,
  kDuration,  // arithmetic inside a range/step/offset (experimental syntax)
};

// Binary operators (also used by DurationExpr and, for + and -, UnaryExpr).
enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,
  kEql,  // ==
  kNeq,  // !=
  kGtr,  // >
  kLss,  // <
  kGte,  // >=
  kLte,  // <=
  kAnd,
  kOr,
  kUnless,
};

// "+", "==", "and", "atan2", ... as PromQL spells them.
std::string_view binary_op_string(BinaryOp op);
bool is_comparison_op(BinaryOp op);
bool is_set_op(BinaryOp op);

enum class AggregateOp {
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kQuantile,
  kCountValues,
  kLimitk,
  kLimitRatio,
};

std::string_view aggregate_op_string(AggregateOp op);
// topk, bottomk, quantile, count_values, limitk, limit_ratio.
bool aggregate_takes_param(AggregateOp op);

// Prometheus's user-facing type names: "scalar", "string", "instant vector",
// "range vector" (value_type_name() gives the API names "vector"/"matrix").
std::string_view documented_type_name(ValueType t);

// @ start() / @ end().
enum class AtModifier { kNone, kStart, kEnd };

struct Expr {
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;

  const ExprKind kind;
  PosRange pos;
  // Height of the subtree (a leaf is 1); the parser keeps it bounded so that
  // recursive walks over the tree cannot overflow the stack.
  int height = 1;

  // The type this expression evaluates to.
  ValueType type() const;

  template <typename T>
  T& as() {
    assert(kind == T::kKind);
    return static_cast<T&>(*this);
  }
  template <typename T>
  const T& as() const {
    assert(kind == T::kKind);
    return static_cast<const T&>(*this);
  }
  template <typename T>
  bool is() const {
    return kind == T::kKind;
  }
};

using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral : Expr {
  static constexpr ExprKind kKind = ExprKind::kNumberLiteral;
  NumberLiteral() : Expr(kKind) {}
  double value = 0;
  bool duration = false;  // written as a duration (`5m`): printed as one
};

struct StringLiteral : Expr {
  static constexpr ExprKind kKind = ExprKind::kStringLiteral;
  StringLiteral() : Expr(kKind) {}
  std::string value;  // unquoted
};

// + - * / % ^ over number literals and other DurationExprs; `lhs` is null for
// unary minus. `wrapped` records parentheses for printing.
struct DurationExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kDuration;
  DurationExpr() : Expr(kKind) {}
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool wrapped = false;
};

// Common to selectors and subqueries: `offset` and `@`.
struct TimeModifiers {
  model::Duration offset = 0;          // as written: may be negative
  ExprPtr offset_expr;                 // DurationExpr when given as one
  std::optional<model::Timestamp> at;  // @ <timestamp>, in ms
  AtModifier at_modifier = AtModifier::kNone;
};

struct VectorSelector : Expr {
  static constexpr ExprKind kKind = ExprKind::kVectorSelector;
  VectorSelector() : Expr(kKind) {}
  std::string name;  // metric name written before the braces; may be empty
  // All matchers; when `name` is set the last one is __name__="<name>".
  model::Matchers matchers;
  TimeModifiers mods;
  // Set for info()'s second argument, which may match the empty string.
  bool bypass_empty_matcher_check = false;
};

struct MatrixSelector : Expr {
  static constexpr ExprKind kKind = ExprKind::kMatrixSelector;
  MatrixSelector() : Expr(kKind) {}
  // A VectorSelector once parsing succeeded; it holds offset and @.
  ExprPtr vector_selector;
  model::Duration range = 0;
  ExprPtr range_expr;  // DurationExpr or null

  const VectorSelector& selector() const { return vector_selector->as<VectorSelector>(); }
};

struct SubqueryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kSubquery;
  SubqueryExpr() : Expr(kKind) {}
  ExprPtr expr;
  model::Duration range = 0;
  ExprPtr range_expr;
  model::Duration step = 0;  // 0: the evaluation's default step
  ExprPtr step_expr;
  TimeModifiers mods;
};

struct ParenExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kParen;
  ParenExpr() : Expr(kKind) {}
  ExprPtr expr;
};

struct UnaryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kUnary;
  UnaryExpr() : Expr(kKind) {}
  BinaryOp op = BinaryOp::kSub;  // kAdd or kSub
  ExprPtr expr;
};

enum class VectorMatchCardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

struct VectorMatching {
  VectorMatchCardinality card = VectorMatchCardinality::kOneToOne;
  // Labels of on(...) when `on`, else of ignoring(...).
  std::vector<std::string> matching_labels;
  bool on = false;
  // Extra labels of group_left(...)/group_right(...).
  std::vector<std::string> include;
};

struct BinaryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kBinary;
  BinaryExpr() : Expr(kKind) {}
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;
  // Set only when both operands are instant vectors (as in Prometheus).
  std::optional<VectorMatching> matching;
  int op_pos = 0;  // byte offset of the operator
  // Scalar when both operands are scalars, else vector; set by the parser so
  // that type() is O(1) on long operator chains.
  ValueType result_type = ValueType::kVector;
};

struct AggregateExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kAggregate;
  AggregateExpr() : Expr(kKind) {}
  AggregateOp op = AggregateOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // for aggregate_takes_param(op)
  std::vector<std::string> grouping;
  bool without = false;
};

struct Call : Expr {
  static constexpr ExprKind kKind = ExprKind::kCall;
  Call() : Expr(kKind) {}
  const FunctionSignature* func = nullptr;  // never null after a successful parse
  std::vector<ExprPtr> args;
};

// The direct sub-expressions of `e` in source order (parameters before the
// aggregated expression, time-modifier and range expressions excluded).
std::vector<const Expr*> children(const Expr& e);

}  // namespace promlite::query
