// Engine: --enable-feature switches (EngineOptions::experimental_functions,
// duration_expressions). Off by default, as in Prometheus 3.5.
#include "tests/query/engine_test_util.h"

namespace promlite::query::enginetest {
namespace {

struct FeatureCase {
  std::string query;
  std::string error_when_off;  // Prometheus's message
};

TEST(EngineFeaturesTest, ExperimentalSyntaxNeedsItsFlag) {
  testutil::MemoryStorage st;
  load(st, {{"__name__", "x"}, {"i", "1"}}, {1, 2, 3});
  const FeatureCase cases[] = {
      {"limitk(1, x)",
       "1:1: parse error: limitk() is experimental and must be enabled with "
       "--enable-feature=promql-experimental-functions"},
      {"limit_ratio(0.5, x)",
       "1:1: parse error: limit_ratio() is experimental and must be enabled with "
       "--enable-feature=promql-experimental-functions"},
      {"sort_by_label(x, \"i\")", "1:1: parse error: function \"sort_by_label\" is not enabled"},
      {"sort_by_label_desc(x, \"i\")",
       "1:1: parse error: function \"sort_by_label_desc\" is not enabled"},
      {"mad_over_time(x[5m])", "1:1: parse error: function \"mad_over_time\" is not enabled"},
      {"double_exponential_smoothing(x[5m], 0.5, 0.5)",
       "1:1: parse error: function \"double_exponential_smoothing\" is not enabled"},
      {"1 + info(x)", "1:5: parse error: function \"info\" is not enabled"},
      {"x[5m+1m]", "1:3: parse error: experimental duration expression is not enabled"},
      {"x offset (1m*2)", "1:11: parse error: experimental duration expression is not enabled"},
  };
  auto off = new_engine(EngineOptions{});
  auto on = new_engine(all_features());
  for (const auto& c : cases) {
    const std::string& q = c.query;
    EXPECT_EQ(instant(st, q, 120, off.get()), "error: " + c.error_when_off) << q;
    // Enabled, they parse (their results are checked by their own tests).
    std::string with = instant(st, q, 120, on.get());
    EXPECT_EQ(with.find("parse error"), std::string::npos) << q << ": " << with;
  }
  // Stable functions never need a flag.
  EXPECT_EQ(instant(st, "sum(rate(x[5m]))", 120, off.get()).rfind("error", 0), std::string::npos);
}

}  // namespace
}  // namespace promlite::query::enginetest
