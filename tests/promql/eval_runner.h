// Runs PromQL test scripts (testutil::Script) against a query::Engine the way
// Prometheus's promqltest harness does (promql/promqltest/test.go, 3.5).
//
// - `load` appends the expanded samples (the i-th value at i*interval ms),
//   `clear` empties the storage.
// - A range eval runs one range query and compares the matrix.
// - An instant eval runs the query at its time, then, unless it is ordered or
//   expects a range vector, the same query as a range query from t-1m to t+1m
//   step 1m, whose points at t must give the same result. It then does both
//   again for every @-modifier case of at_variants.h. (`expect range vector
//   from a to b step s` evaluates at b and compares the matrix over that
//   window, without range mode; `expect string` has no range mode either.)
// - An eval that needs native histograms (see EvalCmd::native_histograms) is
//   skipped, never run.
//
// Thread-safety: none; one runner per thread.
#pragma once

#include <functional>
#include <string>

#include "model/status.h"
#include "query/engine.h"
#include "query/parser.h"
#include "tests/testutil/memory_storage.h"
#include "tests/testutil/promql_script.h"

namespace promlite::promqltest {

struct RunOptions {
  // For the runner's own parse (the @-modifier cases). The harness enables
  // the experimental functions and duration expressions.
  query::ParseOptions parse{.experimental_functions = true, .duration_expressions = true};
  query::QueryOptions query;
  bool at_modifier_cases = true;
  bool range_mode_check = true;
};

enum class Verdict { kPass, kFail, kSkip };
std::string_view verdict_name(Verdict v);  // "pass", "fail", "skip"

struct EvalOutcome {
  Verdict verdict = Verdict::kPass;
  std::string message;  // why it failed or was skipped; empty on pass
};

// Runs one eval against `storage`.
EvalOutcome run_eval(query::Engine& engine, tsdb::Queryable& storage, const testutil::EvalCmd& cmd,
                     const RunOptions& opts);

struct ScriptCallbacks {
  std::function<void(const testutil::EvalCmd&)> on_begin;  // before an eval runs (may be empty)
  std::function<void(const testutil::EvalCmd&, const EvalOutcome&)> on_result;
};

// Runs every command of `script` in order on a fresh MemoryStorage. Evals on
// lines <= skip_through are not run and not reported (their loads are still
// applied), so that a run can resume after a crash. Fails when a load fails;
// the evals after it are then not run.
Status run_script(const testutil::Script& script, query::Engine& engine, const RunOptions& opts,
                  int skip_through, const ScriptCallbacks& callbacks);

}  // namespace promlite::promqltest
