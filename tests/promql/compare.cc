#include "tests/promql/compare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "query/printer.h"

namespace promlite::promqltest {

namespace {

using testutil::EvalCmd;
using testutil::Expectation;
using testutil::ExpectedSeries;
using testutil::ExpectKind;
using testutil::SeqValue;

// The expected series by label set; a label set given twice keeps its last
// line (Prometheus keys them by hash in a map).
std::map<model::Labels, const ExpectedSeries*> expected_by_labels(const EvalCmd& cmd) {
  std::map<model::Labels, const ExpectedSeries*> out;
  for (const ExpectedSeries& e : cmd.expected) out[e.desc.labels] = &e;
  return out;
}

std::string describe_expected(const ExpectedSeries& e) {
  std::string out;
  for (const SeqValue& v : e.desc.values) {
    if (!out.empty()) out += ' ';
    switch (v.kind) {
      case SeqValue::Kind::kFloat:
        out += format_value(v.value);
        break;
      case SeqValue::Kind::kOmitted:
        out += '_';
        break;
      case SeqValue::Kind::kHistogram:
        out += v.histogram;
        break;
    }
  }
  return out;
}

Problem compare_matrix(const EvalCmd& cmd, const Window& w, const query::Matrix& m) {
  if (cmd.ordered()) return "expected ordered result, but query returned a matrix";
  if (cmd.expected_scalar) return "expected scalar result, but got a matrix";
  if (Problem p = check_matrix_sorted(m)) return p;
  auto expected = expected_by_labels(cmd);
  std::map<model::Labels, bool> seen;
  for (const query::MatrixSeries& s : m) {
    auto it = expected.find(s.metric);
    if (it == expected.end()) {
      return "unexpected metric " + s.metric.to_string() + " in result, has " +
             format_points(s.points);
    }
    seen[s.metric] = true;
    const ExpectedSeries& exp = *it->second;
    std::vector<model::Sample> want;
    for (size_t i = 0; i < exp.desc.values.size(); ++i) {
      model::Timestamp t = w.start + static_cast<model::Timestamp>(i) * w.step;
      if (w.unbounded_before || t > w.end) {
        return "expected " + std::to_string(exp.desc.values.size()) + " points for " +
               s.metric.to_string() + ", but query time range cannot return this many points";
      }
      const SeqValue& v = exp.desc.values[i];
      if (v.kind == SeqValue::Kind::kHistogram) {
        return "expected a histogram point for " + s.metric.to_string() +
               " (native histograms are not supported)";
      }
      if (v.kind == SeqValue::Kind::kFloat) want.push_back({t, v.value});
    }
    if (want.size() != s.points.size()) {
      return "expected " + std::to_string(want.size()) + " points for " + s.metric.to_string() +
             " (" + format_points(want) + "), but got " + std::to_string(s.points.size()) + " (" +
             format_points(s.points) + ")";
    }
    for (size_t i = 0; i < want.size(); ++i) {
      if (want[i].t != s.points[i].t) {
        return "expected point " + std::to_string(i) + " of " + s.metric.to_string() +
               " at t=" + std::to_string(want[i].t) + ", got t=" + std::to_string(s.points[i].t) +
               " (result has " + format_points(s.points) + ")";
      }
      if (!almost_equal(s.points[i].v, want[i].v)) {
        return "expected point " + std::to_string(i) + " (t=" + std::to_string(want[i].t) +
               ") of " + s.metric.to_string() + " to be " + format_value(want[i].v) + ", got " +
               format_value(s.points[i].v) + " (result has " + format_points(s.points) + ")";
      }
    }
  }
  for (const auto& [labels, exp] : expected) {
    if (!seen.count(labels)) return "expected metric " + labels.to_string() + " not found";
  }
  return std::nullopt;
}

Problem compare_vector(const EvalCmd& cmd, const query::Vector& vec) {
  if (cmd.expected_scalar) return "expected scalar result, but got a vector";
  auto expected = expected_by_labels(cmd);
  std::map<model::Labels, bool> seen;
  for (size_t pos = 0; pos < vec.size(); ++pos) {
    const query::VectorSample& s = vec[pos];
    auto it = expected.find(s.metric);
    if (it == expected.end()) {
      return "unexpected metric " + s.metric.to_string() + " in result, has value " +
             format_value(s.v);
    }
    const ExpectedSeries& exp = *it->second;
    if (cmd.ordered() && exp.pos != static_cast<int>(pos) + 1) {
      return "expected metric " + s.metric.to_string() + " at position " + std::to_string(exp.pos) +
             " but was at " + std::to_string(pos + 1);
    }
    if (exp.desc.values.empty()) return "expected series without values: " + s.metric.to_string();
    const SeqValue& v0 = exp.desc.values[0];
    if (v0.kind == SeqValue::Kind::kHistogram) {
      return "expected histogram " + v0.histogram + " for " + s.metric.to_string() +
             " but got float value " + format_value(s.v);
    }
    // An omitted expected value (`_`) compares as 0, as in Prometheus.
    double want = v0.kind == SeqValue::Kind::kFloat ? v0.value : 0;
    if (!almost_equal(want, s.v)) {
      return "expected " + format_value(want) + " for " + s.metric.to_string() + " but got " +
             format_value(s.v);
    }
    seen[s.metric] = true;
  }
  for (const auto& [labels, exp] : expected) {
    if (!seen.count(labels)) {
      return "expected metric " + labels.to_string() + " with [" + describe_expected(*exp) +
             "] not found";
    }
  }
  return std::nullopt;
}

}  // namespace

bool almost_equal(double a, double b, double epsilon) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  const double min_normal = std::numeric_limits<double>::min();
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < min_normal) return diff < epsilon * min_normal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < epsilon;
}

Window window_of(const EvalCmd& cmd) {
  Window w{cmd.start, cmd.end, cmd.step, false};
  // Prometheus leaves the end of an instant eval at the zero time.
  if (!cmd.is_range && !cmd.expect_range_vector) w.unbounded_before = true;
  return w;
}

Problem compare_result(const EvalCmd& cmd, const Window& window, const query::Value& value) {
  switch (query::value_type(value)) {
    case query::ValueType::kMatrix:
      return compare_matrix(cmd, window, std::get<query::Matrix>(value));
    case query::ValueType::kVector:
      return compare_vector(cmd, std::get<query::Vector>(value));
    case query::ValueType::kScalar: {
      double got = std::get<query::Scalar>(value).v;
      if (!cmd.expected_scalar) {
        return "expected vector or matrix result, but got scalar " + format_value(got);
      }
      if (!almost_equal(*cmd.expected_scalar, got)) {
        return "expected scalar " + format_value(*cmd.expected_scalar) + " but got " +
               format_value(got);
      }
      return std::nullopt;
    }
    case query::ValueType::kString: {
      const std::string& got = std::get<query::String>(value).v;
      std::string want = cmd.expected_string.value_or("");
      if (got != want) return "expected string \"" + want + "\" but got \"" + got + "\"";
      return std::nullopt;
    }
  }
  return "unknown result type";
}

Problem check_matrix_sorted(const query::Matrix& m) {
  for (size_t i = 1; i < m.size(); ++i) {
    if (model::Labels::compare(m[i - 1].metric, m[i].metric) > 0) {
      return "matrix results should always be sorted by labels, but series " + std::to_string(i) +
             " " + m[i].metric.to_string() + " sorts before series " + std::to_string(i - 1) + " " +
             m[i - 1].metric.to_string();
    }
  }
  return std::nullopt;
}

Problem check_expected_failure(const EvalCmd& cmd, std::string_view error) {
  if (cmd.expected_fail_message && !cmd.expected_fail_message->empty() &&
      *cmd.expected_fail_message != error) {
    return "expected error \"" + *cmd.expected_fail_message + "\", got: " + std::string(error);
  }
  if (cmd.expected_fail_regexp) {
    Expectation re{ExpectKind::kFail, Expectation::Match::kRegex, *cmd.expected_fail_regexp, 0};
    if (!re.matches(error)) {
      return "expected error matching /" + *cmd.expected_fail_regexp +
             "/, got: " + std::string(error);
    }
  }
  auto fails = cmd.expects_of(ExpectKind::kFail);
  if (!fails.empty() && !fails[0]->matches(error)) {
    return "expected error " +
           std::string(fails[0]->match == Expectation::Match::kRegex ? "matching " : "") + "\"" +
           fails[0]->text + "\", got: " + std::string(error);
  }
  return std::nullopt;
}

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += "; ";
    out += v[i];
  }
  return out + "]";
}

Problem check_kind(const EvalCmd& cmd, ExpectKind kind, const std::vector<std::string>& actual) {
  auto want = cmd.expects_of(kind);
  if (want.empty()) return std::nullopt;
  std::string name(testutil::expect_kind_name(kind));
  if (actual.empty()) return "expected " + name + " annotations but none were found";
  for (const Expectation* e : want) {
    bool found = std::any_of(actual.begin(), actual.end(),
                             [&](const std::string& a) { return e->matches(a); });
    if (!found) {
      return "expected " + name + " annotation matching \"" + e->text + "\" (line " +
             std::to_string(e->line) + "), found: " + join(actual);
    }
  }
  for (const std::string& a : actual) {
    bool found =
        std::any_of(want.begin(), want.end(), [&](const Expectation* e) { return e->matches(a); });
    if (!found) return "unexpected " + name + " annotation \"" + a + "\"";
  }
  return std::nullopt;
}

}  // namespace

Problem check_annotations(const EvalCmd& cmd, const std::vector<std::string>& warnings,
                          const std::vector<std::string>& infos) {
  if (cmd.legacy_warn && warnings.empty()) return "expected warnings but got none";
  if (cmd.legacy_info && infos.empty()) return "expected info annotations but got none";
  if (Problem p = check_kind(cmd, ExpectKind::kWarn, warnings)) return p;
  if (Problem p = check_kind(cmd, ExpectKind::kInfo, infos)) return p;
  if (!cmd.expects_of(ExpectKind::kNoWarn).empty() && !warnings.empty()) {
    return "unexpected warning annotations: " + join(warnings);
  }
  if (!cmd.expects_of(ExpectKind::kNoInfo).empty() && !infos.empty()) {
    return "unexpected info annotations: " + join(infos);
  }
  return std::nullopt;
}

std::string format_value(double v) {
  if (model::is_stale_nan(v)) return "stale";
  return query::format_float(v);
}

std::string format_points(const std::vector<model::Sample>& points) {
  std::string out;
  const size_t kMax = 12;
  for (size_t i = 0; i < points.size() && i < kMax; ++i) {
    if (i) out += ' ';
    out += format_value(points[i].v) + "@" + std::to_string(points[i].t);
  }
  if (points.size() > kMax) out += " ...";
  return "[" + out + "]";
}

}  // namespace promlite::promqltest
