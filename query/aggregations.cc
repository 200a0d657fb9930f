// Evaluator: aggregation operators (sum, avg, count, min, max, group, stddev,
// stdvar, quantile, topk, bottomk, limitk, limit_ratio, count_values).
#include "query/aggregations.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "query/eval_context.h"

namespace promlite::query {

model::Labels aggregation_group_labels(const model::Labels& l,
                                       const std::vector<std::string>& grouping, bool without) {
  model::LabelsBuilder b(l);
  if (without) {
    for (const auto& n : grouping) b.del(n);
    b.del(model::kMetricName);
  } else {
    b.keep(grouping);
  }
  return b.build();
}

namespace {

std::string go_g(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace

Result<EvalValue> Evaluator::eval_aggregate(const AggregateExpr& a) {
  std::vector<double> param;
  std::string str_param;
  if (a.param) {
    if (a.op == AggregateOp::kCountValues) {
      auto p = eval(*a.param);
      if (!p) return p;
      str_param = p->str;
    } else {
      auto p = eval_scalar_arg(*a.param);
      if (!p) return p.status();
      param = std::move(p.value());
    }
  }
  if (auto fused = eval_fused_aggregate(a)) return std::move(*fused);
  auto inres = eval(*a.expr);
  if (!inres) return inres;
  StepMatrix in = std::move(inres->vec);
  std::vector<std::string> grouping = a.grouping;
  std::sort(grouping.begin(), grouping.end());
  if (a.op == AggregateOp::kCountValues) {
    if (!is_valid_label_name(str_param)) {
      return exec_error("invalid label name \"" + str_param + "\"");
    }
    // count_values groups by its own label too; handled like a by() over the
    // grouping plus the value label.
    SeriesCollector col;
    std::unordered_map<std::string, std::pair<size_t, double>> counts;
    std::vector<size_t> pos(in.size(), 0);
    std::vector<model::Labels> base(in.size());
    for (size_t k = 0; k < in.size(); ++k) {
      base[k] = aggregation_group_labels(in[k].metric, grouping, a.without);
    }
    for (size_t i = 0; i < steps_; ++i) {
      if (tick(static_cast<int64_t>(in.size()) * 4 + 1)) return check_interrupt();
      model::Timestamp t = step_time(i);
      counts.clear();
      for (size_t k = 0; k < in.size(); ++k) {
        auto& pts = in[k].points;
        while (pos[k] < pts.size() && pts[pos[k]].t < t) ++pos[k];
        if (pos[k] >= pts.size() || pts[pos[k]].t != t) continue;
        model::LabelsBuilder lb(base[k]);
        lb.set(str_param, format_go_float(pts[pos[k]].v));
        model::Labels l = lb.build();
        auto [it, inserted] = counts.try_emplace(l.data(), 0, 0.0);
        if (inserted) it->second.first = col.series_for(l);
        it->second.second += 1;
      }
      for (auto& [key, c] : counts) {
        if (!col.add(c.first, t, c.second)) return exec_error(kDuplicateLabelset);
      }
    }
    EvalValue out;
    out.vec = col.take();
    return out;
  }
  // Group of every input series, computed once.
  std::vector<size_t> group_of(in.size());
  std::vector<model::Labels> group_labels;
  {
    std::unordered_map<std::string, size_t> ids;
    for (size_t k = 0; k < in.size(); ++k) {
      model::Labels g = aggregation_group_labels(in[k].metric, grouping, a.without);
      auto [it, inserted] = ids.try_emplace(g.data(), group_labels.size());
      if (inserted) group_labels.push_back(std::move(g));
      group_of[k] = it->second;
    }
  }
  switch (a.op) {
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk:
    case AggregateOp::kLimitk:
    case AggregateOp::kLimitRatio:
      return aggregate_selective(a, std::move(in), param, group_of, group_labels.size());
    default:
      break;
  }
  if (a.op == AggregateOp::kQuantile) {
    for (double q : param) {
      if (std::isnan(q) || q < 0 || q > 1) {
        warn("PromQL warning: quantile value should be between 0 and 1, got " + go_g(q));
      }
    }
  }
  SeriesCollector col;
  std::vector<size_t> out_idx(group_labels.size(), SIZE_MAX);
  // Few groups: walk each series once (cache friendly) into per-group, per-step
  // accumulators. Per (group, step) the samples arrive in series order, as in
  // the step-by-step walk below, so the floating-point result is the same.
  constexpr size_t kMaxDenseAccumulators = size_t{1} << 20;
  if (a.op != AggregateOp::kQuantile && group_labels.size() * steps_ <= kMaxDenseAccumulators) {
    std::vector<Acc> dense(group_labels.size() * steps_);
    for (size_t k = 0; k < in.size(); ++k) {
      if (tick(static_cast<int64_t>(in[k].points.size()) + 1)) return check_interrupt();
      Acc* row = dense.data() + group_of[k] * steps_;
      for (const auto& p : in[k].points) accumulate(a.op, row[step_index(p.t)], p.v);
    }
    int64_t points = 0;
    for (size_t g = 0; g < group_labels.size(); ++g) {
      const Acc* row = dense.data() + g * steps_;
      size_t idx = SIZE_MAX;
      for (size_t i = 0; i < steps_; ++i) {
        if (!row[i].seen) continue;
        if (idx == SIZE_MAX) idx = col.series_for(group_labels[g]);
        if (!col.add(idx, step_time(i), finish(a.op, row[i])))
          return exec_error(kDuplicateLabelset);
        ++points;
      }
    }
    if (Status st = add_samples(points); !st) return st;
    EvalValue out;
    out.vec = col.take();
    return out;
  }
  std::vector<Acc> acc(group_labels.size());
  std::vector<std::vector<double>> values;
  if (a.op == AggregateOp::kQuantile) values.resize(group_labels.size());
  std::vector<size_t> pos(in.size(), 0);
  std::vector<size_t> touched;
  for (size_t i = 0; i < steps_; ++i) {
    // Quantiles select over the values of a group: a few units per value.
    if (tick(static_cast<int64_t>(in.size()) * (a.op == AggregateOp::kQuantile ? 3 : 1) + 1)) {
      return check_interrupt();
    }
    model::Timestamp t = step_time(i);
    touched.clear();
    for (size_t k = 0; k < in.size(); ++k) {
      auto& pts = in[k].points;
      size_t& p = pos[k];
      while (p < pts.size() && pts[p].t < t) ++p;
      if (p >= pts.size() || pts[p].t != t) continue;
      size_t g = group_of[k];
      if (!acc[g].seen) touched.push_back(g);
      if (a.op == AggregateOp::kQuantile) {
        acc[g].seen = true;
        values[g].push_back(pts[p].v);
      } else {
        accumulate(a.op, acc[g], pts[p].v);
      }
    }
    for (size_t g : touched) {
      double v;
      if (a.op == AggregateOp::kQuantile) {
        v = quantile_of(param[i], values[g]);
        values[g].clear();
      } else {
        v = finish(a.op, acc[g]);
      }
      acc[g] = Acc{};
      if (out_idx[g] == SIZE_MAX) out_idx[g] = col.series_for(group_labels[g]);
      if (!col.add(out_idx[g], t, v)) return exec_error(kDuplicateLabelset);
    }
    if (Status st = add_samples(static_cast<int64_t>(touched.size())); !st) return st;
  }
  EvalValue out;
  out.vec = col.take();
  return out;
}

Result<EvalValue> Evaluator::aggregate_selective(const AggregateExpr& a, StepMatrix in,
                                                 const std::vector<double>& param,
                                                 const std::vector<size_t>& group_of,
                                                 size_t groups) {
  if (a.op == AggregateOp::kLimitRatio) {
    for (double r : param) {
      if (r > 1 || r < -1) {
        double capped = r > 1 ? 1 : -1;
        warn("PromQL warning: ratio value should be between -1 and 1, got " + go_g(r) +
             ", capping to " + go_g(capped));
      }
    }
  }
  bool top = a.op == AggregateOp::kTopk;
  // Order for topk/bottomk: the better element first; NaN is always worst.
  auto better = [top](double x, double y) {
    if (std::isnan(y)) return !std::isnan(x);
    if (std::isnan(x)) return false;
    return top ? x > y : x < y;
  };
  SeriesCollector col;
  std::vector<size_t> out_idx(in.size(), SIZE_MAX);
  std::vector<size_t> pos(in.size(), 0);
  std::vector<std::vector<size_t>> members(groups);
  std::vector<size_t> group_order;
  for (size_t i = 0; i < steps_; ++i) {
    if (tick(static_cast<int64_t>(in.size()) + 1)) return check_interrupt();
    model::Timestamp t = step_time(i);
    double p = param.empty() ? 0 : param[i];
    if (std::isnan(p) && a.op != AggregateOp::kLimitRatio) {
      return exec_error("Parameter value is NaN");
    }
    int64_t k = 0;
    if (a.op != AggregateOp::kLimitRatio) {
      if (p >= 9.2233720368547758e18 || p <= -9.2233720368547758e18) {
        return exec_error("Scalar value " + go_g(p) + " overflows int64");
      }
      k = static_cast<int64_t>(p);
      if (k < 1) continue;
    }
    double ratio = std::max(-1.0, std::min(1.0, p));
    group_order.clear();
    for (size_t s = 0; s < in.size(); ++s) {
      auto& pts = in[s].points;
      while (pos[s] < pts.size() && pts[pos[s]].t < t) ++pos[s];
      if (pos[s] >= pts.size() || pts[pos[s]].t != t) continue;
      auto& m = members[group_of[s]];
      if (m.empty()) group_order.push_back(group_of[s]);
      m.push_back(s);
    }
    for (size_t g : group_order) {
      auto& m = members[g];
      if (tick(static_cast<int64_t>(m.size()))) return check_interrupt();
      std::vector<size_t> chosen;
      if (a.op == AggregateOp::kLimitk) {
        chosen.assign(m.begin(), m.begin() + std::min<size_t>(m.size(), static_cast<size_t>(k)));
      } else if (a.op == AggregateOp::kLimitRatio) {
        for (size_t s : m) {
          double off = static_cast<double>(in[s].metric.hash()) / 18446744073709551615.0;
          bool keep = ratio >= 0 ? off < ratio : off >= 1 + ratio;
          if (keep) chosen.push_back(s);
        }
      } else {
        auto val = [&](size_t s) { return in[s].points[pos[s]].v; };
        if (!select_k(m, static_cast<size_t>(k), top, val, &chosen)) return check_interrupt();
        // Output best first; ties in series order.
        std::stable_sort(chosen.begin(), chosen.end(),
                         [&](size_t x, size_t y) { return better(val(x), val(y)); });
      }
      for (size_t s : chosen) {
        if (out_idx[s] == SIZE_MAX) out_idx[s] = col.series_for(in[s].metric);
        if (!col.add(out_idx[s], t, in[s].points[pos[s]].v)) return exec_error(kDuplicateLabelset);
      }
      m.clear();
    }
  }
  EvalValue out;
  out.vec = col.take();
  return out;
}

}  // namespace promlite::query
