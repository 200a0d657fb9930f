#include "query/printer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

#include "model/duration.h"
#include "query/function_signatures.h"
#include "query/lexer.h"

namespace promlite::query {
namespace {

bool is_legacy_label_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool is_legacy_metric_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string matcher_string(const model::Matcher& m) {
  std::string out = is_legacy_label_name(m.name()) ? m.name() : go_quote(m.name());
  out.append(model::match_type_string(m.type()));
  out += go_quote(m.value());
  return out;
}

// Positive durations as model.Duration.String(); negative ones with a '-'.
std::string duration_string(model::Duration d) {
  if (d < 0) return "-" + model::format_duration(-d);
  return model::format_duration(d);
}

// Whether a label in by(...)/on(...) can be written bare. Prometheus writes
// every legacy metric name bare (and on/ignoring/group labels always bare);
// we also quote the few bare words its grammar would not read back there
// (`without`, `inf`, `nan`) and any other name that needs quotes, so that
// printing always round-trips.
bool bare_grouping_label(std::string_view s) {
  if (!is_legacy_metric_name(s)) return false;
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(c | 0x20));
  return lower != "without" && lower != "inf" && lower != "nan";
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ", ";
    out += bare_grouping_label(v[i]) ? v[i] : go_quote(v[i]);
  }
  return out;
}

std::string modifiers_string(const TimeModifiers& m) {
  std::string out;
  if (m.at.has_value()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " @ %.3f", static_cast<double>(*m.at) / 1000.0);
    out += buf;
  } else if (m.at_modifier == AtModifier::kStart) {
    out += " @ start()";
  } else if (m.at_modifier == AtModifier::kEnd) {
    out += " @ end()";
  }
  if (m.offset_expr) {
    out += " offset " + to_string(*m.offset_expr);
  } else if (m.offset > 0) {
    out += " offset " + model::format_duration(m.offset);
  } else if (m.offset < 0) {
    out += " offset -" + model::format_duration(-m.offset);
  }
  return out;
}

std::string selector_string(const VectorSelector& vs, bool with_modifiers) {
  std::vector<std::string> parts;
  for (const auto& m : vs.matchers) {
    if (m.name() == model::kMetricName && m.type() == model::MatchType::kEqual &&
        m.value() == vs.name && !m.value().empty()) {
      continue;
    }
    parts.push_back(matcher_string(m));
  }
  std::string out = vs.name;
  if (!parts.empty()) {
    std::sort(parts.begin(), parts.end());
    out += "{";
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) out += ",";
      out += parts[i];
    }
    out += "}";
  }
  if (with_modifiers) out += modifiers_string(vs.mods);
  return out;
}

std::string range_string(model::Duration d, const ExprPtr& expr) {
  return expr ? to_string(*expr) : model::format_duration(d);
}

std::string aggregate_prefix(const AggregateExpr& a) {
  std::string out(aggregate_op_string(a.op));
  if (a.without) {
    out += " without (" + join(a.grouping) + ") ";
  } else if (!a.grouping.empty()) {
    out += " by (" + join(a.grouping) + ") ";
  }
  return out;
}

std::string matching_string(const BinaryExpr& b) {
  if (!b.matching) return "";
  const VectorMatching& vm = *b.matching;
  if (vm.matching_labels.empty() && !vm.on) return "";
  std::string out = vm.on ? " on (" : " ignoring (";
  out += join(vm.matching_labels) + ")";
  if (vm.card == VectorMatchCardinality::kManyToOne ||
      vm.card == VectorMatchCardinality::kOneToMany) {
    out += vm.card == VectorMatchCardinality::kManyToOne ? " group_left (" : " group_right (";
    out += join(vm.include) + ")";
  }
  return out;
}

std::string subquery_suffix(const SubqueryExpr& sq) {
  std::string out = "[" + range_string(sq.range, sq.range_expr) + ":";
  if (sq.step_expr) {
    out += to_string(*sq.step_expr);
  } else if (sq.step != 0) {
    out += model::format_duration(sq.step);
  }
  out += "]";
  out += modifiers_string(sq.mods);
  return out;
}

std::string indent(int level) { return std::string(static_cast<size_t>(level) * 2, ' '); }

std::string pretty(const Expr& e, int level, size_t max_line);

std::string pretty_args(const std::vector<ExprPtr>& args, int level, size_t max_line) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ",\n";
    out += pretty(*args[i], level, max_line);
  }
  return out;
}

std::string pretty(const Expr& e, int level, size_t max_line) {
  std::string flat = to_string(e);
  bool split = flat.size() > max_line;
  switch (e.kind) {
    case ExprKind::kAggregate: {
      if (!split) return indent(level) + flat;
      const auto& a = e.as<AggregateExpr>();
      std::string out = indent(level) + aggregate_prefix(a) + "(\n";
      if (aggregate_takes_param(a.op)) out += pretty(*a.param, level + 1, max_line) + ",\n";
      out += pretty(*a.expr, level + 1, max_line) + "\n" + indent(level) + ")";
      return out;
    }
    case ExprKind::kBinary: {
      if (!split) return indent(level) + flat;
      const auto& b = e.as<BinaryExpr>();
      std::string out = pretty(*b.lhs, level + 1, max_line) + "\n" + indent(level);
      out += binary_op_string(b.op);
      if (b.return_bool) out += " bool";
      out += matching_string(b) + "\n" + pretty(*b.rhs, level + 1, max_line);
      return out;
    }
    case ExprKind::kCall: {
      if (!split) return indent(level) + flat;
      const auto& c = e.as<Call>();
      return indent(level) + std::string(c.func->name) + "(\n" +
             pretty_args(c.args, level + 1, max_line) + "\n" + indent(level) + ")";
    }
    case ExprKind::kParen: {
      if (!split) return indent(level) + flat;
      return indent(level) + "(\n" + pretty(*e.as<ParenExpr>().expr, level + 1, max_line) + "\n" +
             indent(level) + ")";
    }
    case ExprKind::kSubquery: {
      // As Prometheus: no indentation when the subquery fits on a line.
      if (!split) return flat;
      const auto& sq = e.as<SubqueryExpr>();
      return pretty(*sq.expr, level, max_line) + subquery_suffix(sq);
    }
    case ExprKind::kUnary: {
      const auto& u = e.as<UnaryExpr>();
      std::string child = pretty(*u.expr, level, max_line);
      size_t b = child.find_first_not_of(" \t\n\r");
      size_t en = child.find_last_not_of(" \t\n\r");
      child = b == std::string::npos ? "" : child.substr(b, en - b + 1);
      return indent(level) + std::string(binary_op_string(u.op)) + child;
    }
    default:
      return indent(level) + flat;
  }
}

}  // namespace

std::string format_float(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Shortest round-trip digits (as scientific), then laid out without an
  // exponent the way Go does: digits padded with zeros, never more digits.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(r.ptr - buf));
  std::string out;
  size_t i = 0;
  if (sci[0] == '-') {
    out.push_back('-');
    i = 1;
  }
  size_t e = sci.find('e');
  std::string digits;
  for (size_t k = i; k < e; ++k) {
    if (sci[k] != '.') digits.push_back(sci[k]);
  }
  int exp = std::stoi(std::string(sci.substr(e + 1)));
  // Value = 0.d1d2d3... * 10^(exp+1).
  int point = exp + 1;
  int n = static_cast<int>(digits.size());
  if (point <= 0) {
    out += "0." + std::string(static_cast<size_t>(-point), '0') + digits;
  } else if (point >= n) {
    out += digits + std::string(static_cast<size_t>(point - n), '0');
  } else {
    out += digits.substr(0, static_cast<size_t>(point)) + "." +
           digits.substr(static_cast<size_t>(point));
  }
  return out;
}

std::string to_string(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kNumberLiteral: {
      const auto& n = e.as<NumberLiteral>();
      if (n.duration && std::isfinite(n.value)) {
        double ms = std::round(n.value * 1000);
        if (std::fabs(ms) < 9.2e18) return duration_string(static_cast<model::Duration>(ms));
      }
      return format_float(n.value);
    }
    case ExprKind::kStringLiteral:
      return go_quote(e.as<StringLiteral>().value);
    case ExprKind::kVectorSelector:
      return selector_string(e.as<VectorSelector>(), true);
    case ExprKind::kMatrixSelector: {
      const auto& m = e.as<MatrixSelector>();
      const auto& vs = m.selector();
      return selector_string(vs, false) + "[" + range_string(m.range, m.range_expr) + "]" +
             modifiers_string(vs.mods);
    }
    case ExprKind::kSubquery: {
      const auto& sq = e.as<SubqueryExpr>();
      return to_string(*sq.expr) + subquery_suffix(sq);
    }
    case ExprKind::kParen:
      return "(" + to_string(*e.as<ParenExpr>().expr) + ")";
    case ExprKind::kUnary: {
      const auto& u = e.as<UnaryExpr>();
      return std::string(binary_op_string(u.op)) + to_string(*u.expr);
    }
    case ExprKind::kBinary: {
      const auto& b = e.as<BinaryExpr>();
      std::string out = to_string(*b.lhs) + " " + std::string(binary_op_string(b.op));
      if (b.return_bool) out += " bool";
      out += matching_string(b) + " " + to_string(*b.rhs);
      return out;
    }
    case ExprKind::kAggregate: {
      const auto& a = e.as<AggregateExpr>();
      std::string out = aggregate_prefix(a) + "(";
      if (aggregate_takes_param(a.op)) out += to_string(*a.param) + ", ";
      out += to_string(*a.expr) + ")";
      return out;
    }
    case ExprKind::kCall: {
      const auto& c = e.as<Call>();
      std::string out = std::string(c.func->name) + "(";
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i > 0) out += ", ";
        out += to_string(*c.args[i]);
      }
      return out + ")";
    }
    case ExprKind::kDuration: {
      const auto& d = e.as<DurationExpr>();
      std::string out;
      if (!d.lhs) {
        out = std::string(binary_op_string(d.op)) + to_string(*d.rhs);
      } else {
        out =
            to_string(*d.lhs) + " " + std::string(binary_op_string(d.op)) + " " + to_string(*d.rhs);
      }
      return d.wrapped ? "(" + out + ")" : out;
    }
  }
  return "";
}

std::string prettify(const Expr& e, size_t max_line) { return pretty(e, 0, max_line); }

}  // namespace promlite::query
