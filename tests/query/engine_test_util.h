// Helpers for the engine tests: load series into a MemoryStorage, run a query
// through query::new_engine() and render the result as sorted text lines.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "model/labels.h"
#include "query/printer.h"
#include "query/promql_engine.h"
#include "tests/testutil/memory_storage.h"

namespace promlite::query::enginetest {

inline constexpr model::Timestamp kMin = 60 * 1000;

// Appends `values` to `labels` at start, start+step, ...; NaN-free helper for
// the common case. Use stale_nan() for staleness markers.
inline void load(testutil::MemoryStorage& st, const model::Labels& labels,
                 const std::vector<double>& values, model::Duration step = kMin,
                 model::Timestamp start = 0) {
  auto app = st.appender();
  model::Timestamp t = start;
  for (double v : values) {
    auto r = app->append(0, labels, t, v);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    t += step;
  }
  ASSERT_TRUE(app->commit().is_ok());
}

inline std::string render(const Value& v) {
  std::vector<std::string> lines;
  if (const auto* s = std::get_if<Scalar>(&v)) return "scalar " + format_float(s->v);
  if (const auto* s = std::get_if<String>(&v)) return "string " + s->v;
  if (const auto* vec = std::get_if<Vector>(&v)) {
    for (const auto& e : *vec) lines.push_back(e.metric.to_string() + " " + format_float(e.v));
    std::sort(lines.begin(), lines.end());
  }
  if (const auto* m = std::get_if<Matrix>(&v)) {
    for (const auto& s : *m) {
      std::string l = s.metric.to_string();
      for (const auto& p : s.points)
        l += " " + std::to_string(p.t / 1000) + ":" + format_float(p.v);
      lines.push_back(l);
    }
  }
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

// Engine options with every --enable-feature PromQL switch on.
inline EngineOptions all_features() {
  EngineOptions o;
  o.experimental_functions = true;
  o.duration_expressions = true;
  return o;
}

// Instant query at t (seconds), experimental features on; the rendered result
// or "error: <message>".
inline std::string instant(testutil::MemoryStorage& st, const std::string& q, int64_t t_sec,
                           Engine* engine = nullptr, const QueryOptions& opts = {}) {
  auto own = new_engine(all_features());
  Engine* e = engine ? engine : own.get();
  auto r = e->instant_query(st, q, t_sec * 1000, opts);
  if (!r) return "error: " + r.status().message();
  return render(r->value);
}

inline std::string range(testutil::MemoryStorage& st, const std::string& q, int64_t start_sec,
                         int64_t end_sec, int64_t step_sec) {
  auto e = new_engine(all_features());
  auto r = e->range_query(st, q, start_sec * 1000, end_sec * 1000, step_sec * 1000, {});
  if (!r) return "error: " + r.status().message();
  return render(r->value);
}

struct Case {
  std::string query;
  int64_t t_sec;
  std::string want;
};

}  // namespace promlite::query::enginetest
