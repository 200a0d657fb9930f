// The extra instant queries Prometheus's promqltest harness derives from every
// instant eval to exercise the @ modifier (atModifierTestCases in test.go).
//
// Every vector selector, matrix selector and subquery that has no `@ <time>`
// yet and is not inside a subquery gets `@ <eval time>` (an `@ start()` /
// `@ end()` is replaced); the rewritten expression is then evaluated at other
// times, where it must give the same result: -10t, 0, t/5, t and 10t, or
// -1s, 0 and 1s when t is 0. Nothing is derived when the expression calls a
// function whose result depends on the evaluation time even with fixed inputs
// (time, timestamp, predict_linear, the calendar functions) outside subqueries.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/sample.h"
#include "model/status.h"
#include "query/parser.h"

namespace promlite::promqltest {

struct InstantCase {
  std::string expr;
  model::Timestamp t = 0;
};

// The derived cases (not including the original query). Fails when `expr`
// does not parse with `opts`.
Result<std::vector<InstantCase>> at_modifier_cases(std::string_view expr, model::Timestamp t,
                                                   const query::ParseOptions& opts);

}  // namespace promlite::promqltest
