// query::Engine: the seam between callers of PromQL (HTTP API, rule evaluator,
// conformance runner, benchmarks) and the evaluator.
//
// The engine holds no storage: every call is handed the tsdb::Queryable to read,
// so the same engine serves the real database, a test store, or a snapshot.
//
// Errors come back as a Status whose code says which Prometheus error type the
// API reports (api/ does the mapping, in one place):
//   kInvalidArgument   -> bad_data  (400)   parse and type errors, bad parameters
//   kDeadlineExceeded  -> timeout   (503)   --query.timeout or the request timeout
//   kCanceled          -> canceled  (499)   the client went away
//   kExecution         -> execution (422)   evaluation errors (e.g. duplicate labelsets)
//   kResourceExhausted -> execution (422)   --query.max-samples and similar limits
//   kUnavailable       -> unavailable (500) too many queries queued
//   kInternal          -> internal  (500)
//   anything else      -> execution (422)
// The message is the text Prometheus would put in "error".
//
// Thread-safety: an Engine is safe to call from many threads at once; it bounds
// the number of queries running together (max_concurrency).
#pragma once

#include <cstdint>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "model/duration.h"
#include "model/sample.h"
#include "model/status.h"
#include "query/value.h"
#include "tsdb/querier.h"

namespace promlite::query {

struct EngineOptions {
  model::Duration timeout = 2 * model::kMinute;         // --query.timeout
  int64_t max_samples = 50'000'000;                     // --query.max-samples
  model::Duration lookback_delta = 5 * model::kMinute;  // --query.lookback-delta
  int max_concurrency = 20;                             // --query.max-concurrency
  // --enable-feature=promql-experimental-functions: without it the experimental
  // functions (info, mad_over_time, sort_by_label, ...) and limitk/limit_ratio
  // are parse errors, with Prometheus's messages.
  bool experimental_functions = false;
  // --enable-feature=promql-duration-expr: arithmetic in ranges, steps, offsets.
  bool duration_expressions = false;
};

// Per-query settings; zero values mean "the engine's default".
struct QueryOptions {
  model::Duration timeout = 0;
  model::Duration lookback_delta = 0;
  std::stop_token stop;  // cancellation, e.g. when the HTTP client disconnects
};

struct QueryStats {
  int64_t total_samples = 0;  // samples read, counted as Prometheus does
  int64_t peak_samples = 0;
  double exec_seconds = 0;
};

struct QueryResult {
  Value value;
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
  QueryStats stats;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Evaluates `expr` at time t (ms).
  virtual Result<QueryResult> instant_query(tsdb::Queryable& storage, std::string_view expr,
                                            model::Timestamp t, const QueryOptions& opts) = 0;

  // Evaluates `expr` at start, start+step, ... <= end (ms). The result is a
  // Matrix (or, for string expressions, an error as in Prometheus).
  virtual Result<QueryResult> range_query(tsdb::Queryable& storage, std::string_view expr,
                                          model::Timestamp start, model::Timestamp end,
                                          model::Duration step, const QueryOptions& opts) = 0;
};

}  // namespace promlite::query
