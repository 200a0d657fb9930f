// Element-wise semantics of PromQL's binary operators on floats.
#pragma once

#include "query/ast.h"

namespace promlite::query {

// Applies `op` to (lhs, rhs). For comparisons *keep tells whether the pair
// passes and the result is lhs; for arithmetic *keep is always true.
double apply_binary_op(BinaryOp op, double lhs, double rhs, bool* keep);

// Arithmetic operators drop the metric name from their result.
inline bool drops_metric_name(BinaryOp op) { return !is_comparison_op(op) && !is_set_op(op); }

}  // namespace promlite::query
