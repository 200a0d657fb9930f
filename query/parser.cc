// Recursive-descent (precedence-climbing) PromQL parser. The grammar and the
// error texts follow Prometheus 3.5; see parser.h for the contract.
//
// Error reporting mirrors Prometheus, which reports only the first error:
//  - syntax and construction errors stop the parse at once;
//  - type checks run afterwards over the finished tree (parse_check.cc), in
//    the order Prometheus's checkAST visits nodes;
//  - a syntax error names the innermost construct that has an error rule in
//    Prometheus's grammar ("in aggregation", "in offset", "in @", ...), kept
//    here as a stack of contexts.
#include "query/parser.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "model/labels.h"
#include "query/function_signatures.h"
#include "query/parser_impl.h"

namespace promlite::query {
namespace parse_internal {

bool binary_op_of(TokenKind k, BinaryOp* op, int* prec) {
  switch (k) {
    case TokenKind::kLor:
      *op = BinaryOp::kOr, *prec = kPrecOr;
      return true;
    case TokenKind::kLand:
      *op = BinaryOp::kAnd, *prec = kPrecAnd;
      return true;
    case TokenKind::kLunless:
      *op = BinaryOp::kUnless, *prec = kPrecAnd;
      return true;
    case TokenKind::kEqlc:
      *op = BinaryOp::kEql, *prec = kPrecCmp;
      return true;
    case TokenKind::kNeq:
      *op = BinaryOp::kNeq, *prec = kPrecCmp;
      return true;
    case TokenKind::kGtr:
      *op = BinaryOp::kGtr, *prec = kPrecCmp;
      return true;
    case TokenKind::kLss:
      *op = BinaryOp::kLss, *prec = kPrecCmp;
      return true;
    case TokenKind::kGte:
      *op = BinaryOp::kGte, *prec = kPrecCmp;
      return true;
    case TokenKind::kLte:
      *op = BinaryOp::kLte, *prec = kPrecCmp;
      return true;
    case TokenKind::kAdd:
      *op = BinaryOp::kAdd, *prec = kPrecAdd;
      return true;
    case TokenKind::kSub:
      *op = BinaryOp::kSub, *prec = kPrecAdd;
      return true;
    case TokenKind::kMul:
      *op = BinaryOp::kMul, *prec = kPrecMul;
      return true;
    case TokenKind::kDiv:
      *op = BinaryOp::kDiv, *prec = kPrecMul;
      return true;
    case TokenKind::kMod:
      *op = BinaryOp::kMod, *prec = kPrecMul;
      return true;
    case TokenKind::kAtan2:
      *op = BinaryOp::kAtan2, *prec = kPrecMul;
      return true;
    case TokenKind::kPow:
      *op = BinaryOp::kPow, *prec = kPrecPow;
      return true;
    default:
      return false;
  }
}

bool aggregate_op_of(TokenKind k, AggregateOp* op) {
  switch (k) {
    case TokenKind::kSum:
      *op = AggregateOp::kSum;
      return true;
    case TokenKind::kAvg:
      *op = AggregateOp::kAvg;
      return true;
    case TokenKind::kCount:
      *op = AggregateOp::kCount;
      return true;
    case TokenKind::kMin:
      *op = AggregateOp::kMin;
      return true;
    case TokenKind::kMax:
      *op = AggregateOp::kMax;
      return true;
    case TokenKind::kGroup:
      *op = AggregateOp::kGroup;
      return true;
    case TokenKind::kStddev:
      *op = AggregateOp::kStddev;
      return true;
    case TokenKind::kStdvar:
      *op = AggregateOp::kStdvar;
      return true;
    case TokenKind::kTopk:
      *op = AggregateOp::kTopk;
      return true;
    case TokenKind::kBottomk:
      *op = AggregateOp::kBottomk;
      return true;
    case TokenKind::kQuantile:
      *op = AggregateOp::kQuantile;
      return true;
    case TokenKind::kCountValues:
      *op = AggregateOp::kCountValues;
      return true;
    case TokenKind::kLimitk:
      *op = AggregateOp::kLimitk;
      return true;
    case TokenKind::kLimitRatio:
      *op = AggregateOp::kLimitRatio;
      return true;
    default:
      return false;
  }
}

// Tokens that may name a metric in expression position (Prometheus's
// metric_identifier): identifiers plus most keywords.
bool is_metric_identifier(TokenKind k) {
  switch (k) {
    case TokenKind::kIdentifier:
    case TokenKind::kMetricIdentifier:
    case TokenKind::kBy:
    case TokenKind::kLand:
    case TokenKind::kLor:
    case TokenKind::kLunless:
    case TokenKind::kOffset:
    case TokenKind::kWithout:
    case TokenKind::kStart:
    case TokenKind::kEnd:
      return true;
    default:
      return is_aggregator(k);
  }
}

// Tokens that may name a label inside by(...), on(...), group_left(...).
bool is_grouping_label(TokenKind k) {
  switch (k) {
    case TokenKind::kWithout:
      return false;
    case TokenKind::kIdentifier:
    case TokenKind::kMetricIdentifier:
    case TokenKind::kBool:
    case TokenKind::kBy:
    case TokenKind::kGroupLeft:
    case TokenKind::kGroupRight:
    case TokenKind::kIgnoring:
    case TokenKind::kLand:
    case TokenKind::kLor:
    case TokenKind::kLunless:
    case TokenKind::kOffset:
    case TokenKind::kOn:
    case TokenKind::kStart:
    case TokenKind::kEnd:
    case TokenKind::kAtan2:
      return true;
    default:
      return is_aggregator(k);
  }
}

bool is_match_op(TokenKind k, model::MatchType* t) {
  switch (k) {
    case TokenKind::kAssign:
      *t = model::MatchType::kEqual;
      return true;
    case TokenKind::kNeq:
      *t = model::MatchType::kNotEqual;
      return true;
    case TokenKind::kEqlRegex:
      *t = model::MatchType::kRegex;
      return true;
    case TokenKind::kNeqRegex:
      *t = model::MatchType::kNotRegex;
      return true;
    default:
      return false;
  }
}

bool valid_grouping_label(std::string_view s) { return !s.empty() && model::valid_utf8(s); }

bool is_number_token(TokenKind k) { return k == TokenKind::kNumber || k == TokenKind::kDuration; }

void Parser::error_at(int pos, std::string msg) {
  if (failed_) return;
  failed_ = true;
  err_ = invalid_argument(format_position(in_, pos) + ": parse error: " + msg);
}

std::nullptr_t Parser::unexpected_in(const Token& t, std::string_view context,
                                     std::string_view expected) {
  if (t.kind == TokenKind::kError) return fail_at(t.pos, t.error);
  std::string msg = "unexpected " + describe_token(t);
  if (!context.empty()) {
    msg += " in ";
    msg += context;
  }
  if (!expected.empty()) {
    msg += ", expected ";
    msg += expected;
  }
  return fail_at(t.pos, std::move(msg));
}

std::nullptr_t Parser::unexpected(const Token& t) {
  if (ctx_.empty()) return unexpected_in(t, "", "");
  return unexpected_in(t, ctx_.back().context, ctx_.back().expected);
}

bool Parser::unquote(const Token& t, std::string* out) {
  if (unquote_string(t.text, out)) return true;
  error_at(t.pos, "error unquoting string " + go_quote(t.text));
  return false;
}

bool Parser::number_value(const Token& t, double* v, bool* duration) {
  *duration = t.kind == TokenKind::kDuration;
  if (*duration) {
    int64_t ns = 0;
    std::string err;
    if (!parse_prom_duration(t.text, &ns, &err)) {
      error_at(t.pos, err);
      return false;
    }
    *v = static_cast<double>(ns) / 1e9;
    return true;
  }
  if (parse_go_int(t.text, v)) return true;
  std::string err;
  if (parse_go_float(t.text, v, &err)) return true;
  error_at(t.pos, "error parsing number: " + err);
  return false;
}

Result<ExprPtr> Parser::parse_query() {
  if (peek().kind == TokenKind::kEof) {
    error_at(0, "no expression found in input");
    return err_;
  }
  ExprPtr e = parse_expr(0);
  if (e && peek().kind != TokenKind::kEof) unexpected(peek());
  if (failed_) return err_;
  return e;
}

Result<model::Matchers> Parser::parse_selector_only() {
  const Token& t = peek();
  ExprPtr e;
  if (t.kind == TokenKind::kLeftBrace) {
    e = parse_vector_selector(nullptr);
  } else if (is_metric_identifier(t.kind)) {
    const Token& name = advance();
    e = parse_vector_selector(&name);
  } else {
    unexpected(t);
  }
  if (e && peek().kind != TokenKind::kEof) unexpected(peek());
  if (failed_) return err_;
  return std::move(e->as<VectorSelector>().matchers);
}

ExprPtr Parser::parse_expr(int min_prec) {
  DepthScope depth(this);
  if (too_deep(peek().pos)) return nullptr;
  ExprPtr lhs = parse_unary();
  if (!lhs) return nullptr;
  for (;;) {
    const Token& t = peek();
    BinaryOp op;
    int prec;
    if (!binary_op_of(t.kind, &op, &prec) || prec < min_prec) break;
    auto bin = std::make_unique<BinaryExpr>();
    bin->op = op;
    bin->op_pos = t.pos;
    advance();
    if (peek().kind == TokenKind::kBool) {
      advance();
      bin->return_bool = true;
    }
    VectorMatching vm;
    if (peek().kind == TokenKind::kOn || peek().kind == TokenKind::kIgnoring) {
      vm.on = advance().kind == TokenKind::kOn;
      if (!parse_grouping_labels(&vm.matching_labels)) return nullptr;
      TokenKind g = peek().kind;
      if (g == TokenKind::kGroupLeft || g == TokenKind::kGroupRight) {
        advance();
        vm.card = g == TokenKind::kGroupLeft ? VectorMatchCardinality::kManyToOne
                                             : VectorMatchCardinality::kOneToMany;
        if (peek().kind == TokenKind::kLeftParen && !parse_grouping_labels(&vm.include)) {
          return nullptr;
        }
      }
    }
    bin->matching = std::move(vm);
    ExprPtr rhs = parse_expr(op == BinaryOp::kPow ? prec : prec + 1);
    if (!rhs) return nullptr;
    bin->pos = {lhs->pos.start, rhs->pos.end};
    bin->result_type = lhs->type() == ValueType::kScalar && rhs->type() == ValueType::kScalar
                           ? ValueType::kScalar
                           : ValueType::kVector;
    bin->lhs = std::move(lhs);
    bin->rhs = std::move(rhs);
    if (!set_height(bin.get(), {bin->lhs.get(), bin->rhs.get()})) return nullptr;
    lhs = std::move(bin);
  }
  return lhs;
}

ExprPtr Parser::parse_unary() {
  const Token& t = peek();
  if (t.kind != TokenKind::kAdd && t.kind != TokenKind::kSub) {
    ExprPtr e = parse_primary();
    if (!e) return nullptr;
    return parse_postfix(std::move(e));
  }
  int pos = t.pos;
  bool neg = t.kind == TokenKind::kSub;
  advance();
  // Unary operators bind like '*': only '^' binds tighter.
  ExprPtr operand = parse_expr(kPrecPow);
  if (!operand) return nullptr;
  if (operand->is<NumberLiteral>()) {
    auto& nl = operand->as<NumberLiteral>();
    if (neg) nl.value = -nl.value;
    nl.pos.start = pos;
    return operand;
  }
  auto u = std::make_unique<UnaryExpr>();
  u->op = neg ? BinaryOp::kSub : BinaryOp::kAdd;
  u->pos = {pos, operand->pos.end};
  u->expr = std::move(operand);
  if (!set_height(u.get(), {u->expr.get()})) return nullptr;
  return u;
}

ExprPtr Parser::parse_number_literal() {
  const Token& t = advance();
  auto nl = std::make_unique<NumberLiteral>();
  nl->pos = {t.pos, t.end()};
  if (!number_value(t, &nl->value, &nl->duration)) return nullptr;
  return nl;
}

ExprPtr Parser::parse_primary() {
  const Token& t = peek();
  switch (t.kind) {
    case TokenKind::kNumber:
    case TokenKind::kDuration:
      return parse_number_literal();
    case TokenKind::kString: {
      advance();
      auto s = std::make_unique<StringLiteral>();
      s->pos = {t.pos, t.end()};
      if (!unquote(t, &s->value)) return nullptr;
      return s;
    }
    case TokenKind::kLeftParen: {
      DepthScope depth(this);
      if (too_deep(t.pos)) return nullptr;
      int start = t.pos;
      advance();
      ExprPtr inner = parse_expr(0);
      if (!inner) return nullptr;
      if (peek().kind != TokenKind::kRightParen) return unexpected(peek());
      auto p = std::make_unique<ParenExpr>();
      p->pos = {start, advance().end()};
      p->expr = std::move(inner);
      if (!set_height(p.get(), {p->expr.get()})) return nullptr;
      return p;
    }
    case TokenKind::kLeftBrace:
      return parse_vector_selector(nullptr);
    default:
      break;
  }
  if (t.kind == TokenKind::kIdentifier && peek(1).kind == TokenKind::kLeftParen) {
    return parse_call();
  }
  if (is_aggregator(t.kind)) {
    TokenKind next = peek(1).kind;
    if (next == TokenKind::kLeftParen || next == TokenKind::kBy || next == TokenKind::kWithout) {
      return parse_aggregate();
    }
  }
  if (is_metric_identifier(t.kind)) {
    const Token& name = advance();
    return parse_vector_selector(&name);
  }
  return unexpected(t);
}

bool Parser::parse_call_args(std::vector<ExprPtr>* args) {
  advance();  // '('
  if (peek().kind == TokenKind::kRightParen) {
    advance();
    return true;
  }
  for (;;) {
    ExprPtr e = parse_expr(0);
    if (!e) return false;
    args->push_back(std::move(e));
    const Token& t = peek();
    if (t.kind == TokenKind::kComma) {
      int comma = t.pos;
      advance();
      if (peek().kind == TokenKind::kRightParen) {
        error_at(comma, "trailing commas not allowed in function call args");
        return false;
      }
      continue;
    }
    if (t.kind == TokenKind::kRightParen) {
      advance();
      return true;
    }
    unexpected(t);
    return false;
  }
}

ExprPtr Parser::parse_call() {
  DepthScope depth(this);
  const Token& name = advance();
  if (too_deep(name.pos)) return nullptr;
  auto call = std::make_unique<Call>();
  if (!parse_call_args(&call->args)) return nullptr;
  call->pos = {name.pos, last_end_};
  call->func = find_function(name.text);
  if (!call->func) return fail_at(name.pos, "unknown function with name " + go_quote(name.text));
  if (call->func->experimental && !opts_.experimental_functions) {
    return fail_at(name.pos, "function " + go_quote(name.text) + " is not enabled");
  }
  int h = 0;
  for (const auto& a : call->args) h = std::max(h, a->height);
  call->height = h + 1;
  if (call->height > kMaxParseDepth) return fail_at(call->pos.start, "expression nesting too deep");
  return call;
}

ExprPtr Parser::parse_aggregate() {
  DepthScope depth(this);
  const Token& op_tok = advance();
  if (too_deep(op_tok.pos)) return nullptr;
  ContextScope ctx(this, "aggregation", "");
  auto agg = std::make_unique<AggregateExpr>();
  aggregate_op_of(op_tok.kind, &agg->op);
  bool have_modifier = false;
  auto parse_modifier = [&]() {
    agg->without = advance().kind == TokenKind::kWithout;
    have_modifier = true;
    return parse_grouping_labels(&agg->grouping);
  };
  if (peek().kind == TokenKind::kBy || peek().kind == TokenKind::kWithout) {
    if (!parse_modifier()) return nullptr;
  }
  if (peek().kind != TokenKind::kLeftParen) return unexpected(peek());
  std::vector<ExprPtr> args;
  if (!parse_call_args(&args)) return nullptr;
  if (!have_modifier && (peek().kind == TokenKind::kBy || peek().kind == TokenKind::kWithout)) {
    if (!parse_modifier()) return nullptr;
  }
  agg->pos = {op_tok.pos, last_end_};
  if (args.empty())
    return fail_at(agg->pos.start, "no arguments for aggregate expression provided");
  size_t want = 1;
  if (aggregate_takes_param(agg->op)) {
    if (!opts_.experimental_functions &&
        (agg->op == AggregateOp::kLimitk || agg->op == AggregateOp::kLimitRatio)) {
      return fail_at(agg->pos.start, std::string(aggregate_op_string(agg->op)) +
                                         "() is experimental and must be enabled with "
                                         "--enable-feature=promql-experimental-functions");
    }
    want = 2;
  }
  if (args.size() != want) {
    return fail_at(agg->pos.start,
                   "wrong number of arguments for aggregate expression provided, expected " +
                       std::to_string(want) + ", got " + std::to_string(args.size()));
  }
  if (want == 2) agg->param = std::move(args[0]);
  agg->expr = std::move(args[want - 1]);
  if (!set_height(agg.get(), {agg->param.get(), agg->expr.get()})) return nullptr;
  return agg;
}

}  // namespace parse_internal

using parse_internal::check_types;
using parse_internal::fold_durations;
using parse_internal::kMaxDurationSeconds;
using parse_internal::parse_go_float;
using parse_internal::parse_go_int;
using parse_internal::parse_prom_duration;
using parse_internal::Parser;
using parse_internal::seconds_to_ms;

Result<std::unique_ptr<Expr>> parse_expr(std::string_view input, const ParseOptions& opts) {
  Parser p(input, opts);
  auto r = p.parse_query();
  if (!r) return r.status();
  ExprPtr e = std::move(r.value());
  Status s = check_types(input, *e);
  if (!s) return s;
  s = fold_durations(*e);
  if (!s) return s;
  return e;
}

Result<model::Matchers> parse_metric_selector(std::string_view input) {
  Parser p(input, ParseOptions{});
  return p.parse_selector_only();
}

Result<model::Duration> parse_duration_literal(std::string_view input) {
  auto bad = [&] {
    return invalid_argument("cannot parse " + go_quote(input) + " to a valid duration");
  };
  std::string err;
  double secs = 0;
  if (!input.empty() && (parse_go_int(input, &secs) || parse_go_float(input, &secs, &err))) {
    if (!std::isfinite(secs) || std::fabs(secs) > kMaxDurationSeconds) return bad();
    return seconds_to_ms(secs);
  }
  int64_t ns = 0;
  if (!parse_prom_duration(input, &ns, &err)) return bad();
  return ns / 1000000;
}

}  // namespace promlite::query
