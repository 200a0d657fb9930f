// Runs one script in a child process, so that an engine crash (or an ASan
// report) or a hang costs only the eval it happened in: the child streams each
// outcome to the parent, and after a crash or a timeout a new child resumes
// after the eval that was running. Not thread-safe (it forks).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "query/engine.h"
#include "tests/promql/eval_runner.h"

namespace promlite::promqltest {

using EngineFactory = std::function<std::unique_ptr<query::Engine>()>;

struct FileOutcome {
  std::map<int, EvalOutcome> by_line;  // every eval of the script, by line
  std::string load_error;              // set when a load failed
};

struct IsolationOptions {
  bool fork = true;          // false: run in this process (for debuggers)
  int eval_timeout_s = 120;  // a child silent this long is killed
};

// Runs every eval of `script`; evals that could not run are failures whose
// message says why (crash, timeout, failed load).
FileOutcome run_file(const testutil::Script& script, const EngineFactory& make_engine,
                     const RunOptions& opts, const IsolationOptions& iso);

}  // namespace promlite::promqltest
