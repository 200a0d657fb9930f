// Unit tests of the conformance runner's checks, run against FakeEngine.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <string>
#include <thread>

#include "tests/promql/at_variants.h"
#include "tests/promql/compare.h"
#include "tests/promql/eval_runner.h"
#include "tests/promql/fake_engine.h"
#include "tests/promql/isolated_run.h"
#include "tests/promql/known_failures.h"

namespace promlite::promqltest {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(AlmostEqual, Table) {
  struct Case {
    double a, b;
    bool want;
  } cases[] = {
      {1, 1, true},        {kNaN, kNaN, true},  {model::stale_nan(), kNaN, true},
      {kNaN, 1, false},    {kInf, kInf, true},  {kInf, -kInf, false},
      {1, 1 + 1e-7, true}, {1, 1.00001, false}, {1e20, 1e20 * (1 + 1e-7), true},
      {0, 0, true},        {0, 1e-300, false},  {0, -0.0, true},
      {-2, 2, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(almost_equal(c.a, c.b), c.want) << c.a << " vs " << c.b;
  }
}

// Runs a script with `engine` and returns the verdict of each eval by line.
std::map<int, EvalOutcome> run(const std::string& text, FakeEngine& engine) {
  auto script = testutil::parse_promql_script(text, "t.test");
  EXPECT_TRUE(script.is_ok()) << script.status().message();
  std::map<int, EvalOutcome> out;
  if (!script) return out;
  ScriptCallbacks cb;
  cb.on_result = [&](const testutil::EvalCmd& e, const EvalOutcome& o) { out[e.line] = o; };
  Status s = run_script(*script, engine, RunOptions{}, 0, cb);
  EXPECT_TRUE(s.is_ok()) << s.message();
  return out;
}

constexpr const char* kLoad = R"(
load 1m
  m{a="1"} 1 2 3
  m{a="2"} 10 20 30
  n 1 stale
  z NaN NaN
)";

struct ScriptCase {
  const char* name;
  const char* evals;  // appended after kLoad; the first eval's verdict is checked
  Verdict want;
};

class ScriptVerdicts : public ::testing::TestWithParam<ScriptCase> {};

TEST_P(ScriptVerdicts, FirstEval) {
  const ScriptCase& c = GetParam();
  FakeEngine engine;
  auto out = run(std::string(kLoad) + "\n" + c.evals, engine);
  ASSERT_FALSE(out.empty());
  const EvalOutcome& o = out.begin()->second;
  EXPECT_EQ(verdict_name(o.verdict), verdict_name(c.want)) << o.message;
}

const ScriptCase kScriptCases[] = {
    {"vector_match", "eval instant at 2m m\n  m{a=\"1\"} 3\n  m{a=\"2\"} 30\n", Verdict::kPass},
    {"vector_within_epsilon", "eval instant at 2m m\n  m{a=\"1\"} 3.0000001\n  m{a=\"2\"} 30\n",
     Verdict::kPass},
    {"vector_wrong_value", "eval instant at 2m m\n  m{a=\"1\"} 4\n  m{a=\"2\"} 30\n",
     Verdict::kFail},
    {"vector_wrong_labels", "eval instant at 2m m\n  m{a=\"1\"} 3\n  m{a=\"3\"} 30\n",
     Verdict::kFail},
    {"vector_missing_series", "eval instant at 2m m\n  m{a=\"1\"} 3\n", Verdict::kFail},
    {"vector_extra_expected",
     "eval instant at 2m m\n  m{a=\"1\"} 3\n  m{a=\"2\"} 30\n  m{a=\"9\"} 1\n", Verdict::kFail},
    {"unordered_any_order", "eval instant at 2m m\n  m{a=\"2\"} 30\n  m{a=\"1\"} 3\n",
     Verdict::kPass},
    {"ordered_right_order",
     "eval instant at 2m m\n  expect ordered\n  m{a=\"1\"} 3\n  m{a=\"2\"} 30\n", Verdict::kPass},
    {"ordered_wrong_order",
     "eval instant at 2m m\n  expect ordered\n  m{a=\"2\"} 30\n  m{a=\"1\"} 3\n", Verdict::kFail},
    {"legacy_ordered_wrong_order",
     "eval_ordered instant at 2m m\n  m{a=\"2\"} 30\n  m{a=\"1\"} 3\n", Verdict::kFail},
    {"empty_expected_empty", "eval instant at 2m nothing_here\n", Verdict::kPass},
    {"empty_expected_but_series", "eval instant at 2m m\n", Verdict::kFail},
    {"stale_ends_series", "eval instant at 1m n\n", Verdict::kPass},
    {"before_stale", "eval instant at 30s n\n  n 1\n", Verdict::kPass},
    {"nan_equals_nan", "eval instant at 1m z\n  z NaN\n", Verdict::kPass},
    {"nan_is_not_a_number", "eval instant at 1m z\n  z 1\n", Verdict::kFail},
    {"scalar_match", "eval instant at 1m 5\n  5\n", Verdict::kPass},
    {"scalar_mismatch", "eval instant at 1m 5\n  6\n", Verdict::kFail},
    {"scalar_for_vector", "eval instant at 1m 5\n  m{a=\"1\"} 5\n", Verdict::kFail},
    {"range_match", "eval range from 0 to 2m step 1m m\n  m{a=\"1\"} 1 2 3\n  m{a=\"2\"} 10+10x2\n",
     Verdict::kPass},
    {"range_wrong_point",
     "eval range from 0 to 2m step 1m m\n  m{a=\"1\"} 1 2 4\n  m{a=\"2\"} 10+10x2\n",
     Verdict::kFail},
    {"range_gap_expected",
     "eval range from 0 to 2m step 1m m\n  m{a=\"1\"} 1 _ 3\n  m{a=\"2\"} 10+10x2\n",
     Verdict::kFail},
    {"range_too_many_points",
     "eval range from 0 to 2m step 1m m\n  m{a=\"1\"} 1 2 3 4\n  m{a=\"2\"} 10+10x2\n",
     Verdict::kFail},
    {"range_stale_gap", "eval range from 0 to 2m step 1m n\n  n 1 _ _\n", Verdict::kPass},
    {"expect_fail_any", "eval instant at 1m rate(m[5m])\n  expect fail\n", Verdict::kPass},
    {"expect_fail_msg",
     "eval instant at 1m rate(m[5m])\n  expect fail msg: fake engine: unsupported expression\n",
     Verdict::kPass},
    {"expect_fail_wrong_msg", "eval instant at 1m rate(m[5m])\n  expect fail msg: something else\n",
     Verdict::kFail},
    {"expect_fail_regex", "eval instant at 1m rate(m[5m])\n  expect fail regex: unsupp.rted\n",
     Verdict::kPass},
    {"expect_fail_wrong_regex",
     "eval instant at 1m rate(m[5m])\n  expect fail regex: ^unsupported\n", Verdict::kFail},
    {"legacy_fail_message",
     "eval_fail instant at 1m rate(m[5m])\n  expected_fail_message fake engine: unsupported "
     "expression\n",
     Verdict::kPass},
    {"legacy_fail_wrong_message",
     "eval_fail instant at 1m rate(m[5m])\n  expected_fail_message nope\n", Verdict::kFail},
    {"legacy_fail_regexp",
     "eval_fail instant at 1m rate(m[5m])\n  expected_fail_regexp fake.*unsupported\n",
     Verdict::kPass},
    {"expected_fail_but_ok", "eval instant at 1m m\n  expect fail\n", Verdict::kFail},
    {"unexpected_error", "eval instant at 1m rate(m[5m])\n", Verdict::kFail},
    {"range_expect_fail", "eval range from 0 to 1m step 1m rate(m[5m])\n  expect fail\n",
     Verdict::kPass},
    {"unparsable_expression", "eval instant at 1m sum(\n", Verdict::kFail},
    {"native_histogram_skipped",
     "clear\nload 1m\n  h {{schema:0 sum:1 count:1}}\n\neval instant at 0 h\n  h 1\n",
     Verdict::kSkip},
    {"expected_histogram_skipped",
     "eval instant at 1m m\n  m{a=\"1\"} {{schema:0 sum:1 count:1}}\n", Verdict::kSkip},
};

INSTANTIATE_TEST_SUITE_P(Runner, ScriptVerdicts, ::testing::ValuesIn(kScriptCases),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(Runner, InstantEvalAlsoRunsAtCasesAndRangeMode) {
  FakeEngine engine;
  auto out =
      run(std::string(kLoad) + "\neval instant at 2m m\n  m{a=\"1\"} 3\n  m{a=\"2\"} 30\n", engine);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.begin()->second.verdict, Verdict::kPass) << out.begin()->second.message;
  // The query and its five @ cases, each as an instant and a range query.
  EXPECT_EQ(engine.instant_calls, 6);
  EXPECT_EQ(engine.range_calls, 6);
}

TEST(Runner, DetectsEngineIgnoringAt) {
  FakeEngine engine;
  engine.ignore_at = true;
  auto out =
      run(std::string(kLoad) + "\neval instant at 2m m\n  m{a=\"1\"} 3\n  m{a=\"2\"} 30\n", engine);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.begin()->second.verdict, Verdict::kFail);
  EXPECT_NE(out.begin()->second.message.find("@ case"), std::string::npos)
      << out.begin()->second.message;
}

TEST(Runner, DetectsRangeModeDifference) {
  FakeEngine engine;
  engine.range_shift = true;
  auto out =
      run(std::string(kLoad) + "\neval instant at 2m m\n  m{a=\"1\"} 3\n  m{a=\"2\"} 30\n", engine);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.begin()->second.verdict, Verdict::kFail);
  EXPECT_NE(out.begin()->second.message.find("range mode"), std::string::npos)
      << out.begin()->second.message;
}

TEST(Runner, DetectsUnsortedMatrix) {
  FakeEngine engine;
  engine.unsorted_range = true;
  auto out =
      run(std::string(kLoad) +
              "\neval range from 0 to 2m step 1m m\n  m{a=\"1\"} 1 2 3\n  m{a=\"2\"} 10 20 30\n",
          engine);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.begin()->second.verdict, Verdict::kFail);
  EXPECT_NE(out.begin()->second.message.find("sorted"), std::string::npos);
}

TEST(Runner, OrderedEvalsCheckPositions) {
  query::Vector v = {{model::Labels{{"__name__", "x"}, {"b", "2"}}, 0, 2},
                     {model::Labels{{"__name__", "x"}, {"b", "1"}}, 0, 1}};
  struct Case {
    const char* expected;
    Verdict want;
  } cases[] = {
      {"  x{b=\"2\"} 2\n  x{b=\"1\"} 1\n", Verdict::kPass},
      {"  x{b=\"1\"} 1\n  x{b=\"2\"} 2\n", Verdict::kFail},
  };
  for (const Case& c : cases) {
    FakeEngine engine;
    engine.canned.emplace("sort_desc(x)", query::QueryResult{query::Value(v), {}, {}, {}});
    // The @ cases (at 0: three of them) use the pinned text.
    engine.canned.emplace("sort_desc(x @ 0.000)", query::QueryResult{query::Value(v), {}, {}, {}});
    auto out =
        run(std::string("eval instant at 0 sort_desc(x)\n  expect ordered\n") + c.expected, engine);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out.begin()->second.verdict, c.want) << c.expected << out.begin()->second.message;
    // Range mode still runs (its result order is not checked).
    EXPECT_EQ(engine.range_calls, c.want == Verdict::kPass ? 4 : 0);
  }
}

TEST(Runner, ExpectRangeVector) {
  query::Matrix m = {
      {model::Labels{{"__name__", "m"}, {"a", "1"}}, {{0, 1}, {60000, 2}, {120000, 3}}}};
  struct Case {
    const char* expected;
    Verdict want;
  } cases[] = {
      {"  m{a=\"1\"} 1 2 3\n", Verdict::kPass},
      {"  m{a=\"1\"} 1 2 4\n", Verdict::kFail},
      {"  m{a=\"1\"} 1 2 3 4\n", Verdict::kFail},
  };
  for (const Case& c : cases) {
    FakeEngine engine;
    engine.canned.emplace("m[2m]", query::QueryResult{query::Value(m), {}, {}, {}});
    engine.canned.emplace("m[2m] @ 120.000", query::QueryResult{query::Value(m), {}, {}, {}});
    auto out =
        run(std::string("eval instant at 2m m[2m]\n  expect range vector from 0 to 2m step 1m\n") +
                c.expected,
            engine);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out.begin()->second.verdict, c.want) << c.expected << out.begin()->second.message;
    EXPECT_EQ(engine.range_calls, 0);
    EXPECT_EQ(engine.instant_calls, c.want == Verdict::kPass ? 6 : 1);
  }
}

TEST(Runner, Annotations) {
  struct Case {
    const char* expects;
    std::vector<std::string> warnings, infos;
    Verdict want;
  } cases[] = {
      {"  expect warn\n", {"PromQL warning: w (1:1)"}, {}, Verdict::kPass},
      {"  expect warn\n", {}, {}, Verdict::kFail},
      {"  expect warn msg: PromQL warning: w (1:1)\n",
       {"PromQL warning: w (1:1)"},
       {},
       Verdict::kPass},
      {"  expect warn msg: PromQL warning: other\n",
       {"PromQL warning: w (1:1)"},
       {},
       Verdict::kFail},
      {"  expect warn regex: w \\(1\n",
       {"PromQL warning: w (1:1)", "PromQL warning: v"},
       {},
       Verdict::kFail},
      {"  expect warn regex: w\n",
       {"PromQL warning: w (1:1)", "PromQL warning: w2"},
       {},
       Verdict::kPass},
      {"  expect no_warn\n", {"PromQL warning: w"}, {}, Verdict::kFail},
      {"  expect no_warn\n", {}, {"PromQL info: i"}, Verdict::kPass},
      {"  expect info\n", {}, {"PromQL info: i"}, Verdict::kPass},
      {"  expect info\n", {"PromQL warning: w"}, {}, Verdict::kFail},
      {"  expect no_info\n", {}, {"PromQL info: i"}, Verdict::kFail},
      {"", {"PromQL warning: w"}, {"PromQL info: i"}, Verdict::kPass},
  };
  for (const Case& c : cases) {
    FakeEngine engine;
    engine.canned.emplace(
        "vector(1)",
        query::QueryResult{query::Value(query::Vector{{{}, 0, 1}}), c.warnings, c.infos, {}});
    auto out = run(std::string("eval instant at 0 vector(1)\n") + c.expects + "  {} 1\n", engine);
    ASSERT_EQ(out.size(), 1u);
    const EvalOutcome& o = out.begin()->second;
    EXPECT_EQ(o.verdict, c.want) << c.expects << o.message;
  }
  // The legacy eval_warn / eval_info forms need at least one annotation.
  FakeEngine engine;
  engine.canned.emplace("vector(1)",
                        query::QueryResult{query::Value(query::Vector{{{}, 0, 1}}), {}, {}, {}});
  auto out =
      run("eval_warn instant at 0 vector(1)\n  {} 1\n\neval_info instant at 0 vector(1)\n  {} 1\n",
          engine);
  ASSERT_EQ(out.size(), 2u);
  for (const auto& [line, o] : out) EXPECT_EQ(o.verdict, Verdict::kFail) << line;
}

// A FakeEngine that aborts on `boom` and hangs on `hang` (instant queries).
class MisbehavingEngine : public FakeEngine {
 public:
  Result<query::QueryResult> instant_query(tsdb::Queryable& storage, std::string_view expr,
                                           model::Timestamp t,
                                           const query::QueryOptions& opts) override {
    if (expr.find("boom") != std::string_view::npos) std::abort();
    if (expr.find("hang") != std::string_view::npos) {
      std::this_thread::sleep_for(std::chrono::seconds(30));
    }
    return FakeEngine::instant_query(storage, expr, t, opts);
  }
};

TEST(IsolatedRun, CrashesAndHangsCostOneEval) {
  auto script =
      testutil::parse_promql_script(std::string(kLoad) +
                                        "\neval instant at 1m boom\n"
                                        "\neval instant at 1m m{a=\"1\"}\n  m{a=\"1\"} 2\n"
                                        "\neval instant at 1m hang\n"
                                        "\neval instant at 1m z\n  z NaN\n",
                                    "t.test");
  ASSERT_TRUE(script.is_ok()) << script.status().message();
  EngineFactory factory = [] { return std::make_unique<MisbehavingEngine>(); };
  FileOutcome out = run_file(*script, factory, RunOptions{}, IsolationOptions{true, 1});
  ASSERT_EQ(out.by_line.size(), 4u);
  std::vector<EvalOutcome> v;
  for (const auto& [line, o] : out.by_line) v.push_back(o);
  EXPECT_EQ(v[0].verdict, Verdict::kFail);
  EXPECT_NE(v[0].message.find("crashed"), std::string::npos) << v[0].message;
  EXPECT_EQ(v[1].verdict, Verdict::kPass) << v[1].message;
  EXPECT_EQ(v[2].verdict, Verdict::kFail);
  EXPECT_NE(v[2].message.find("timed out"), std::string::npos) << v[2].message;
  EXPECT_EQ(v[3].verdict, Verdict::kPass) << v[3].message;
  EXPECT_TRUE(out.load_error.empty()) << out.load_error;
}

TEST(IsolatedRun, InProcessGivesTheSameVerdicts) {
  auto script = testutil::parse_promql_script(
      std::string(kLoad) + "\neval instant at 1m z\n  z NaN\n\neval instant at 1m z\n  z 2\n",
      "t.test");
  ASSERT_TRUE(script.is_ok());
  EngineFactory factory = [] { return std::make_unique<FakeEngine>(); };
  for (bool fork : {true, false}) {
    FileOutcome out = run_file(*script, factory, RunOptions{}, IsolationOptions{fork, 60});
    ASSERT_EQ(out.by_line.size(), 2u);
    EXPECT_EQ(out.by_line.begin()->second.verdict, Verdict::kPass) << fork;
    EXPECT_EQ(out.by_line.rbegin()->second.verdict, Verdict::kFail) << fork;
    EXPECT_NE(out.by_line.rbegin()->second.message.find("expected 2 for z"), std::string::npos)
        << out.by_line.rbegin()->second.message;
  }
}

TEST(AtModifierCases, Table) {
  const query::ParseOptions opts{.experimental_functions = true, .duration_expressions = true};
  struct Case {
    const char* expr;
    model::Timestamp t;
    const char* want_expr;  // nullptr: no cases
    size_t want_count;
  } cases[] = {
      {"m", 100000, "m @ 100.000", 5},
      {"m", 0, "m @ 0.000", 3},
      {"rate(m[5m])", 60000, "rate(m[5m] @ 60.000)", 5},
      {"max_over_time(m[5m:1m])", 60000, "max_over_time(m[5m:1m] @ 60.000)", 5},
      {"m @ 10 + n", 60000, "m @ 10.000 + n @ 60.000", 5},
      {"m @ start()", 60000, "m @ 60.000", 5},
      {"time()", 60000, nullptr, 0},
      {"timestamp(m)", 60000, nullptr, 0},
      {"max_over_time(timestamp(m)[5m:1m])", 60000, "max_over_time(timestamp(m)[5m:1m] @ 60.000)",
       5},
      {"1 + 2", 60000, "1 + 2", 5},
  };
  for (const Case& c : cases) {
    auto got = at_modifier_cases(c.expr, c.t, opts);
    ASSERT_TRUE(got.is_ok()) << c.expr << ": " << got.status().message();
    ASSERT_EQ(got->size(), c.want_count) << c.expr;
    if (c.want_expr != nullptr) {
      EXPECT_EQ((*got)[0].expr, c.want_expr) << c.expr;
    }
  }
  auto five = at_modifier_cases("m", 100000, opts);
  ASSERT_TRUE(five.is_ok());
  std::vector<model::Timestamp> times;
  for (const auto& c : *five) times.push_back(c.t);
  EXPECT_EQ(times, (std::vector<model::Timestamp>{-1000000, 0, 20000, 100000, 1000000}));
  EXPECT_FALSE(at_modifier_cases("sum(", 0, opts).is_ok());
}

TEST(KnownFailures, RoundTrip) {
  KnownFailures keys = {"b.test:10", "a.test:200", "a.test:30"};
  std::string text = format_known_failures(keys);
  EXPECT_EQ(text.find("a.test:30\na.test:200\nb.test:10\n") != std::string::npos, true) << text;
  EXPECT_NE(text.find("ratchet"), std::string::npos);
  auto back = parse_known_failures(text);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(*back, keys);
  EXPECT_FALSE(parse_known_failures("a.test\n").is_ok());
  EXPECT_FALSE(parse_known_failures("a.test:x\n").is_ok());
  EXPECT_TRUE(parse_known_failures("# only a comment\n\n").is_ok());
}

TEST(CompareResult, MatrixSorted) {
  query::Matrix m = {{model::Labels{{"a", "2"}}, {{0, 1}}}, {model::Labels{{"a", "1"}}, {{0, 1}}}};
  EXPECT_TRUE(check_matrix_sorted(m).has_value());
  std::swap(m[0], m[1]);
  EXPECT_FALSE(check_matrix_sorted(m).has_value());
}

}  // namespace
}  // namespace promlite::promqltest
