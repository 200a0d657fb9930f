#include "tests/promql/eval_runner.h"

#include <variant>

#include "query/value.h"
#include "tests/promql/at_variants.h"
#include "tests/promql/compare.h"

namespace promlite::promqltest {

namespace {

using testutil::EvalCmd;

constexpr model::Duration kRangeModeSpan = model::kMinute;

EvalOutcome fail(std::string msg) { return EvalOutcome{Verdict::kFail, std::move(msg)}; }

std::string at_time(model::Timestamp t) { return " at t=" + std::to_string(t) + "ms"; }

// The result checks shared by every successful query.
Problem check_success(const EvalCmd& cmd, const query::QueryResult& r, const Window& w) {
  if (cmd.fail()) return "expected an error but got none";
  if (Problem p = check_annotations(cmd, r.warnings, r.infos)) return p;
  return compare_result(cmd, w, r.value);
}

// One instant query (the original or an @-modifier case) and its range-mode
// twin. `label` names the case in messages.
Problem run_instant_case(query::Engine& engine, tsdb::Queryable& storage, const EvalCmd& cmd,
                         const InstantCase& iq, const RunOptions& opts) {
  auto r = engine.instant_query(storage, iq.expr, iq.t, opts.query);
  if (!r) {
    if (!cmd.fail()) return "error: " + r.status().message();
    return check_expected_failure(cmd, r.status().message());
  }
  if (Problem p = check_success(cmd, *r, window_of(cmd))) return p;
  // Prometheus leaves out range mode for range-vector and string expectations.
  if (!opts.range_mode_check || cmd.expect_range_vector || cmd.expected_string) {
    return std::nullopt;
  }

  auto rr = engine.range_query(storage, iq.expr, iq.t - kRangeModeSpan, iq.t + kRangeModeSpan,
                               kRangeModeSpan, opts.query);
  if (!rr) return "range mode: error: " + rr.status().message();
  // Range results are sorted by labels, so an ordered expectation cannot hold.
  if (cmd.ordered()) return std::nullopt;
  const auto* mat = std::get_if<query::Matrix>(&rr->value);
  if (mat == nullptr) {
    return std::string("range mode: result is a ") +
           query::value_type_name(query::value_type(rr->value)) + ", not a matrix";
  }
  if (Problem p = check_matrix_sorted(*mat)) return "range mode: " + *p;
  query::Vector at_t;
  for (const query::MatrixSeries& s : *mat) {
    for (const model::Sample& p : s.points) {
      if (p.t == iq.t) {
        at_t.push_back({s.metric, p.t, p.v});
        break;
      }
    }
  }
  Problem p;
  if (std::holds_alternative<query::Scalar>(r->value)) {
    if (at_t.empty()) return "range mode: no point at the evaluation time for a scalar result";
    p = compare_result(cmd, window_of(cmd), query::Value(query::Scalar{iq.t, at_t[0].v}));
  } else {
    p = compare_result(cmd, window_of(cmd), query::Value(std::move(at_t)));
  }
  if (p) return "range mode: " + *p;
  return std::nullopt;
}

EvalOutcome run_instant(query::Engine& engine, tsdb::Queryable& storage, const EvalCmd& cmd,
                        const RunOptions& opts) {
  // With `expect range vector from a to b`, the query is evaluated at b.
  model::Timestamp t = cmd.expect_range_vector ? cmd.end : cmd.start;
  std::vector<InstantCase> cases = {{cmd.expr, t}};
  if (opts.at_modifier_cases) {
    auto more = at_modifier_cases(cmd.expr, t, opts.parse);
    // Prometheus refuses to load a script whose expressions do not parse.
    if (!more) return fail("the expression does not parse: " + more.status().message());
    cases.insert(cases.end(), more->begin(), more->end());
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    if (Problem p = run_instant_case(engine, storage, cmd, cases[i], opts)) {
      if (i == 0) return fail(*p);
      return fail("@ case `" + cases[i].expr + "`" + at_time(cases[i].t) + ": " + *p);
    }
  }
  return EvalOutcome{};
}

EvalOutcome run_range(query::Engine& engine, tsdb::Queryable& storage, const EvalCmd& cmd,
                      const RunOptions& opts) {
  auto r = engine.range_query(storage, cmd.expr, cmd.start, cmd.end, cmd.step, opts.query);
  if (!r) {
    if (!cmd.fail()) return fail("error: " + r.status().message());
    if (Problem p = check_expected_failure(cmd, r.status().message())) return fail(*p);
    return EvalOutcome{};
  }
  if (Problem p = check_success(cmd, *r, window_of(cmd))) return fail(*p);
  return EvalOutcome{};
}

}  // namespace

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kFail:
      return "fail";
    case Verdict::kSkip:
      return "skip";
  }
  return "?";
}

EvalOutcome run_eval(query::Engine& engine, tsdb::Queryable& storage, const EvalCmd& cmd,
                     const RunOptions& opts) {
  if (cmd.native_histograms) {
    return EvalOutcome{Verdict::kSkip, "needs native histograms"};
  }
  return cmd.is_range ? run_range(engine, storage, cmd, opts)
                      : run_instant(engine, storage, cmd, opts);
}

Status run_script(const testutil::Script& script, query::Engine& engine, const RunOptions& opts,
                  int skip_through, const ScriptCallbacks& callbacks) {
  testutil::MemoryStorage storage;
  for (const testutil::Command& c : script.commands) {
    if (const auto* load = std::get_if<testutil::LoadCmd>(&c)) {
      Status s = testutil::apply_load(*load, storage);
      if (!s) {
        return Status(s.code(), script.name + ":" + std::to_string(load->line) +
                                    ": load failed: " + s.message());
      }
    } else if (std::holds_alternative<testutil::ClearCmd>(c)) {
      storage.clear();
    } else {
      const auto& eval = std::get<EvalCmd>(c);
      if (eval.line <= skip_through) continue;
      if (callbacks.on_begin) callbacks.on_begin(eval);
      EvalOutcome out = run_eval(engine, storage, eval, opts);
      if (callbacks.on_result) callbacks.on_result(eval, out);
    }
  }
  return Status::ok();
}

}  // namespace promlite::promqltest
