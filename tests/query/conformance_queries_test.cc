// Every query in the PromQL conformance scripts (Prometheus 3.5's own test
// data) must parse with all features on, and print to a form that parses back
// to the same printed form. Queries expected to fail may fail at parse time.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "query/parser.h"
#include "query/printer.h"

namespace promlite::query {
namespace {

struct ScriptQuery {
  std::string where;
  std::string query;
  bool expect_fail;
};

std::vector<ScriptQuery> load_queries(const std::filesystem::path& dir) {
  static const RE2 kEval(
      R"(\s*(eval(?:_fail|_warn|_info|_ordered)?)\s+(?:instant\s+at\s+\S+|range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+)\s+(.*))");
  std::vector<ScriptQuery> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".test") continue;
    std::ifstream in(entry.path());
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string kind, query;
      if (!RE2::FullMatch(lines[i], kEval, &kind, &query)) continue;
      bool fail = kind == "eval_fail";
      for (size_t j = i + 1;
           j < lines.size() && !lines[j].empty() && (lines[j][0] == ' ' || lines[j][0] == '\t');
           ++j) {
        if (lines[j].find("expect fail") != std::string::npos) fail = true;
      }
      out.push_back({entry.path().filename().string() + ":" + std::to_string(i + 1), query, fail});
    }
  }
  return out;
}

TEST(ConformanceQueriesTest, AllParseAndRoundTrip) {
  std::filesystem::path dir = std::filesystem::path(PROMLITE_SHARED_DIR) / "promql-conformance";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no conformance scripts at " << dir;
  auto queries = load_queries(dir);
  ASSERT_GT(queries.size(), 1000u);
  ParseOptions opts;
  opts.experimental_functions = true;
  opts.duration_expressions = true;
  int parsed = 0;
  for (const auto& q : queries) {
    SCOPED_TRACE(q.where + ": " + q.query);
    auto r = parse_expr(q.query, opts);
    if (!r) {
      EXPECT_TRUE(q.expect_fail) << r.status().message();
      continue;
    }
    ++parsed;
    std::string printed = to_string(**r);
    auto again = parse_expr(printed, opts);
    ASSERT_TRUE(again.is_ok()) << printed << ": " << again.status().message();
    EXPECT_EQ(to_string(**again), printed);
  }
  EXPECT_GT(parsed, 1000);
}

}  // namespace
}  // namespace promlite::query
