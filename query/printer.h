// PromQL printer: the canonical single-line form of an expression, as
// Prometheus's Expr.String() writes it, and the multi-line form of its
// Pretty(0) (used by /api/v1/format_query).
//
//   to_string(*parse_expr("sum(rate(x[5m]))by(job)"))
//     == "sum by (job) (rate(x[5m]))"
//
// Printing round-trips: parse_expr(to_string(e)) gives a tree equal to e.
#pragma once

#include <string>

#include "query/ast.h"

namespace promlite::query {

std::string to_string(const Expr& e);

// Splits expressions longer than `max_line` characters over several lines,
// two spaces of indentation per level, like Prometheus's parser.Prettify.
std::string prettify(const Expr& e, size_t max_line = 100);

// A float as Go's strconv.FormatFloat(v, 'f', -1, 64): shortest digits that
// round-trip, never an exponent; "+Inf", "-Inf", "NaN".
std::string format_float(double v);

}  // namespace promlite::query
