// Internals shared by the PromQL parser's source files; not an API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/duration.h"
#include "model/status.h"
#include "query/ast.h"

namespace promlite::query::parse_internal {

// Largest duration Prometheus accepts, in seconds (time.Duration's range).
inline constexpr double kMaxDurationSeconds = 9223372036.854775808;

// strconv.ParseInt(s, 0, 64) for the digits the lexer accepts (0x1f, 017,
// 1_000). False when it does not parse as an int64 (syntax or range).
bool parse_go_int(std::string_view s, double* out);
// strconv.ParseFloat for the lexer's number tokens; `err` gets Go's text.
bool parse_go_float(std::string_view s, double* out, std::string* err);
// Prometheus's model.ParseDuration ("1h30m"), in nanoseconds, with its
// error texts.
bool parse_prom_duration(std::string_view s, int64_t* ns, std::string* err);
// Seconds (as a literal holds them) to milliseconds, as Prometheus does:
// round to nanoseconds, then truncate to milliseconds. Saturates.
model::Duration seconds_to_ms(double secs);
// Go's %f: "1.500000", "+Inf", "NaN".
std::string format_go_f(double v);
// "line:col" of byte offset `pos` in `query`, as Prometheus prints it.
std::string format_position(std::string_view query, int pos);

// Type checks over a parsed tree, in the order of Prometheus's checkAST;
// returns the first error as "<line>:<col>: parse error: <msg>".
Status check_types(std::string_view input, Expr& e);

// Folds duration expressions (offset_expr, range_expr, step_expr) into the
// time fields, as Prometheus's engine does before evaluation.
Status fold_durations(Expr& e);

}  // namespace promlite::query::parse_internal
