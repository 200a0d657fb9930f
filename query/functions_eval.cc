// Evaluator: function calls. Dispatches to range functions (functions_range),
// instant math/date functions (functions_instant), label functions
// (functions_label) and histogram functions (histogram_quantile).
#include <algorithm>
#include <charconv>
#include <cmath>

#include "query/eval_context.h"
#include "query/function_signatures.h"
#include "query/functions_range.h"
#include "query/range_windows.h"

namespace promlite::query {

namespace {

// Labels absent() and absent_over_time() give their result: the equality
// matchers of the selector, except __name__; a label matched more than once,
// or by another matcher type, is left out (Prometheus's historic behaviour).
model::Labels absent_labels(const Expr* e) {
  while (e && e->is<ParenExpr>()) e = e->as<ParenExpr>().expr.get();
  const VectorSelector* vs = nullptr;
  if (e && e->is<VectorSelector>()) vs = &e->as<VectorSelector>();
  if (e && e->is<MatrixSelector>()) vs = &e->as<MatrixSelector>().selector();
  if (!vs) return {};
  model::LabelsBuilder b;
  std::vector<std::string> has;
  for (const auto& m : vs->matchers) {
    if (m.name() == model::kMetricName) continue;
    bool seen = std::find(has.begin(), has.end(), m.name()) != has.end();
    if (m.type() == model::MatchType::kEqual && !seen) {
      b.set(m.name(), m.value());
      has.push_back(m.name());
    } else {
      b.del(m.name());
    }
  }
  return b.build();
}

std::string go_g_msg(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace

Result<std::vector<double>> Evaluator::eval_scalar_arg(const Expr& e) {
  auto v = eval(e);
  if (!v) return v.status();
  if (v->type != ValueType::kScalar) return internal_error("expected a scalar argument");
  return std::move(v->scalar);
}

Result<EvalValue> Evaluator::eval_call(const Call& c) {
  std::string_view name = c.func->name;
  for (size_t i = 0; i < c.args.size(); ++i) {
    if (c.args[i]->type() == ValueType::kMatrix) return eval_range_function(c, i);
  }
  if (name == "time") {
    EvalValue out = scalar_value(steps_, 0);
    for (size_t i = 0; i < steps_; ++i) out.scalar[i] = static_cast<double>(step_time(i)) / 1000;
    return out;
  }
  if (name == "pi") return scalar_value(steps_, M_PI);
  if (name == "vector") {
    auto s = eval_scalar_arg(*c.args[0]);
    if (!s) return s.status();
    EvalValue out;
    StepSeries ss;
    for (size_t i = 0; i < steps_; ++i) ss.points.push_back({step_time(i), s.value()[i]});
    out.vec.push_back(std::move(ss));
    return out;
  }
  if (name == "scalar") {
    auto v = eval(*c.args[0]);
    if (!v) return v;
    EvalValue out = scalar_value(steps_, std::nan(""));
    std::vector<int> count(steps_, 0);
    for (const auto& s : v->vec) {
      for (const auto& p : s.points) {
        size_t i = step_index(p.t);
        if (++count[i] == 1) out.scalar[i] = p.v;
      }
    }
    for (size_t i = 0; i < steps_; ++i) {
      if (count[i] != 1) out.scalar[i] = std::nan("");
    }
    return out;
  }
  if (name == "absent") return eval_absent(c);
  if (name == "timestamp") {
    const Expr* arg = c.args[0].get();
    while (arg->is<ParenExpr>()) arg = arg->as<ParenExpr>().expr.get();
    Result<EvalValue> v = arg->is<VectorSelector>()
                              ? eval_vector_selector(arg->as<VectorSelector>(), true)
                              : eval(*arg);
    if (!v) return v;
    bool from_selector = arg->is<VectorSelector>();
    SeriesCollector col;
    for (auto& s : v->vec) {
      size_t idx = col.series_for(drop_metric_name(s.metric));
      for (const auto& p : s.points) {
        double val = from_selector ? p.v : static_cast<double>(p.t) / 1000;
        if (!col.add(idx, p.t, val)) return exec_error(kDuplicateLabelset);
      }
    }
    EvalValue out;
    out.vec = col.take();
    return out;
  }
  if (name == "label_replace" || name == "label_join" || name == "sort_by_label" ||
      name == "sort_by_label_desc") {
    return eval_label_function(c);
  }
  if (name == "histogram_quantile") return eval_histogram_quantile(c);
  if (name == "histogram_fraction") return eval_histogram_fraction(c);
  if (name == "histogram_count" || name == "histogram_sum" || name == "histogram_avg" ||
      name == "histogram_stddev" || name == "histogram_stdvar") {
    // These read native histograms only; float samples are ignored, so the
    // result holds no series while native histograms are not stored.
    auto v = eval(*c.args[0]);
    if (!v) return v;
    return EvalValue{};
  }
  if (name == "info") return eval_info(c);
  return eval_instant_function(c);
}

Result<EvalValue> Evaluator::eval_absent(const Call& c) {
  auto v = eval(*c.args[0]);
  if (!v) return v;
  std::vector<bool> present(steps_, false);
  for (const auto& s : v->vec) {
    for (const auto& p : s.points) present[step_index(p.t)] = true;
  }
  EvalValue out;
  StepSeries ss;
  ss.metric = absent_labels(c.args[0].get());
  for (size_t i = 0; i < steps_; ++i) {
    if (!present[i]) ss.points.push_back({step_time(i), 1.0});
  }
  if (!ss.points.empty()) out.vec.push_back(std::move(ss));
  return out;
}

void Evaluator::counter_name_info(const model::Labels& metric_labels) {
  std::string_view metric = metric_labels.metric_name();
  auto ends = [&](std::string_view suf) {
    return metric.size() >= suf.size() && metric.substr(metric.size() - suf.size()) == suf;
  };
  if (!metric.empty() && !ends("_total") && !ends("_sum") && !ends("_count") && !ends("_bucket")) {
    info(
        "PromQL info: metric might not be a counter, name does not end in "
        "_total/_sum/_count/_bucket: \"" +
        std::string(metric) + "\"");
  }
}

Result<EvalValue> Evaluator::eval_range_function(const Call& c, size_t matrix_arg) {
  std::string_view name = c.func->name;
  auto f = find_range_func(name);
  if (!f) return invalid_argument("NOT YET: function " + std::string(name));
  // Scalar arguments, per step.
  std::vector<double> arg1, arg2;
  auto scalar_at = [&](size_t idx, std::vector<double>* dst) -> Status {
    auto s = eval_scalar_arg(*c.args[idx]);
    if (!s) return s.status();
    *dst = std::move(s.value());
    return Status::ok();
  };
  if (*f == RangeFunc::kPredictLinear) {
    if (Status st = scalar_at(1, &arg1); !st) return st;
  } else if (*f == RangeFunc::kQuantileOverTime) {
    if (Status st = scalar_at(0, &arg1); !st) return st;
    for (double q : arg1) {
      if (std::isnan(q) || q < 0 || q > 1) {
        warn("PromQL warning: quantile value should be between 0 and 1, got " + go_g_msg(q));
      }
    }
  } else if (*f == RangeFunc::kDoubleExponentialSmoothing) {
    if (Status st = scalar_at(1, &arg1); !st) return st;
    if (Status st = scalar_at(2, &arg2); !st) return st;
  }
  auto inres = eval_range(*c.args[matrix_arg]);
  if (!inres) return inres.status();
  RangeInput& in = inres.value();
  EvalValue out;
  if (*f == RangeFunc::kAbsentOverTime) {
    std::vector<bool> present(steps_, false);
    for (const auto& s : in.series) {
      if (tick(static_cast<int64_t>(steps_ + s.ts.size()))) return check_interrupt();
      size_t lo = 0, hi = 0;
      for (size_t i = 0; i < steps_; ++i) {
        model::Timestamp ref = ref_time(step_time(i), in.offset, in.at);
        while (hi < s.ts.size() && s.ts[hi] <= ref) ++hi;
        while (lo < hi && s.ts[lo] <= ref - in.range) ++lo;
        if (hi > lo) present[i] = true;
      }
    }
    StepSeries ss;
    ss.metric = absent_labels(c.args[matrix_arg].get());
    for (size_t i = 0; i < steps_; ++i) {
      if (!present[i]) ss.points.push_back({step_time(i), 1.0});
    }
    if (!ss.points.empty()) out.vec.push_back(std::move(ss));
    return out;
  }
  if (*f == RangeFunc::kDoubleExponentialSmoothing) {
    for (size_t i = 0; i < steps_; ++i) {
      if (!(arg1[i] > 0 && arg1[i] < 1)) {
        return exec_error("invalid smoothing factor. Expected: 0 < sf < 1, got: " +
                          std::to_string(arg1[i]));
      }
      if (!(arg2[i] > 0 && arg2[i] < 1)) {
        return exec_error("invalid trend factor. Expected: 0 < tf < 1, got: " +
                          std::to_string(arg2[i]));
      }
    }
  }
  // With @ the call is step-invariant (unless a scalar argument varies): evaluate it at the first
  // step and repeat that value.
  auto constant = [](const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [&](double x) {
      return model::float_bits(x) == model::float_bits(v.front());
    });
  };
  // predict_linear extrapolates from the step time, so it is never invariant.
  bool step_invariant =
      in.at.has_value() && *f != RangeFunc::kPredictLinear && constant(arg1) && constant(arg2);
  bool keep_name = *f == RangeFunc::kLastOverTime;
  bool counter_check = *f == RangeFunc::kRate || *f == RangeFunc::kIncrease;
  RangeCall rc;
  rc.f = *f;
  rc.range = in.range;
  rc.offset = in.offset;
  rc.at = in.at;
  rc.arg1 = &arg1;
  rc.arg2 = &arg2;
  rc.step_invariant = step_invariant;
  rc.track_drops = counter_check && steps_ > 1 && !step_invariant;
  rc.sort_factor = *f == RangeFunc::kQuantileOverTime || *f == RangeFunc::kMadOverTime ? 4 : 1;
  SeriesCollector col;
  for (auto& s : in.series) {
    size_t idx = SIZE_MAX;
    Status st = range_values(
        rc, s.ts.data(), s.vs.data(), s.ts.size(), [&](size_t, model::Timestamp t, double v) {
          if (idx == SIZE_MAX) {
            if (counter_check) counter_name_info(s.metric);
            // As Prometheus, two input series giving one label set are
            // an error even when their points do not share a step.
            size_t before = col.size();
            idx = col.series_for(keep_name ? s.metric : drop_metric_name(s.metric));
            if (col.size() == before) return false;
          }
          return col.add(idx, t, v);
        });
    if (!st) return st;
  }
  int64_t total = rc.total;
  qs_->total_samples += total;
  out.vec = col.take();
  int64_t points = 0;
  for (const auto& s : out.vec) points += static_cast<int64_t>(s.points.size());
  if (Status st = add_samples(points); !st) return st;
  return out;
}

}  // namespace promlite::query
