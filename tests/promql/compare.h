// Result checks of the PromQL conformance runner, with the semantics of
// Prometheus's promqltest harness (promql/promqltest/test.go, 3.5):
//
// - Floats are equal when both are NaN (any NaN, the staleness marker
//   included), bitwise equal, or within a relative error of 1e-6 (an absolute
//   one of 1e-6 * the smallest normal double when either is 0).
// - Instant vectors: every result sample must be expected and every expected
//   series present; positions matter only for ordered evals.
// - Matrices: never ordered evals; series must be sorted by labels; the i-th
//   expected value belongs at start + i*step and must lie within [start, end];
//   `_` values are points that must be absent.
// - Expected failures: the old expected_fail_message (exact) and
//   expected_fail_regexp, and `expect fail [msg:|regex:]`.
// - Annotations: legacy eval_warn/eval_info need at least one; `expect warn` /
//   `expect info` lines must each match some annotation of their kind and
//   every annotation of that kind must match some line; no_warn / no_info
//   forbid any.
//
// Every check returns std::nullopt when it passes, else a one-line message.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/value.h"
#include "tests/testutil/promql_script.h"

namespace promlite::promqltest {

using Problem = std::optional<std::string>;

inline constexpr double kDefaultEpsilon = 1e-6;

// Prometheus's almost.Equal.
bool almost_equal(double a, double b, double epsilon = kDefaultEpsilon);

// The evaluation window a matrix result is checked against. For an instant
// eval (no `expect range vector`) `end` is before every time, as in
// Prometheus, so a matrix result can only match an empty expectation.
struct Window {
  model::Timestamp start = 0;
  model::Timestamp end = 0;
  model::Duration step = 0;
  bool unbounded_before = false;  // true: no time is within the window
};

// The window of `cmd` for checking the value its own query returns.
Window window_of(const testutil::EvalCmd& cmd);

// Compares a query result with the expectation of `cmd`.
Problem compare_result(const testutil::EvalCmd& cmd, const Window& window,
                       const query::Value& value);

// A matrix must be sorted by labels (Labels::compare).
Problem check_matrix_sorted(const query::Matrix& m);

// `cmd` expects a failure and the query failed with `error`: is it the right one?
Problem check_expected_failure(const testutil::EvalCmd& cmd, std::string_view error);

// Checks warnings and infos against the expectations of `cmd`.
Problem check_annotations(const testutil::EvalCmd& cmd, const std::vector<std::string>& warnings,
                          const std::vector<std::string>& infos);

// Short renderings used in messages.
std::string format_value(double v);
std::string format_points(const std::vector<model::Sample>& points);

}  // namespace promlite::promqltest
