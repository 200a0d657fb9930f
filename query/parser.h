// PromQL parser: text -> AST (query/ast.h), with Prometheus 3.5's syntax,
// type checks and error messages.
//
//   auto expr = query::parse_expr("sum by (job) (rate(x[5m]))");
//   if (!expr) return expr.status();   // "1:14: parse error: ..."
//
// Errors are kInvalidArgument Statuses whose message is the text Prometheus
// returns: "<line>:<col>: parse error: <message>" for the first error found,
// with 1-based line and column (in bytes) of where the error starts.
//
// Nesting deeper than kMaxParseDepth (parentheses, unary operators, operator
// chains, subqueries...) is an error, so that nothing that walks the tree
// recursively can overflow the stack.
//
// Thread-safety: the functions are reentrant; the function table is constant.
#pragma once

#include <memory>
#include <string_view>

#include "model/duration.h"
#include "model/matcher.h"
#include "model/status.h"
#include "query/ast.h"

namespace promlite::query {

inline constexpr int kMaxParseDepth = 1000;

struct ParseOptions {
  // --enable-feature=promql-experimental-functions: limitk, limit_ratio and
  // the functions marked experimental (info, mad_over_time, ...).
  bool experimental_functions = false;
  // --enable-feature=promql-duration-expr: arithmetic in ranges, steps and
  // offsets (`x[5m+1m]`, `offset (1h/2)`).
  bool duration_expressions = false;
};

Result<std::unique_ptr<Expr>> parse_expr(std::string_view input, const ParseOptions& opts = {});

// A bare vector selector (`up{job="x"}`, `{__name__=~"a.*"}`), as the HTTP
// API's match[] takes it. Unlike parse_expr() an all-empty selector such as
// `{}` is accepted: callers apply their own rule.
Result<model::Matchers> parse_metric_selector(std::string_view input);

// A duration as PromQL writes it in ranges (`5m`, `1h30m`) or as a number of
// seconds (`300`, `1.5`); used for API parameters such as step.
Result<model::Duration> parse_duration_literal(std::string_view input);

}  // namespace promlite::query
