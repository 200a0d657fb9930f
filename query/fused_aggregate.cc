// Evaluator: aggregations fused with their input.
//
// `sum by (job) (rate(x[5m]))` evaluated node by node decodes every series
// into its own arrays, builds an output series per input series (labels
// rewritten without the name, one point per step), then groups those. Fused,
// each series is decoded into buffers reused for the next, its values at the
// steps go straight into its group's per-step accumulators, and the group is
// found from a key built out of the series' labels: no per-series allocation.
//
// The result is bit-identical to the node-by-node path: per group and step
// the values are added in the same (series) order by the same accumulators,
// the same samples are counted against --query.max-samples at the same
// points, and the same infos are given.
#include <algorithm>
#include <unordered_map>

#include "model/varint.h"
#include "query/aggregations.h"
#include "query/eval_context.h"
#include "query/function_signatures.h"
#include "query/range_windows.h"

namespace promlite::query {

namespace {

const Expr* strip_parens(const Expr* e) {
  while (e->is<ParenExpr>()) e = e->as<ParenExpr>().expr.get();
  return e;
}

bool uses_accumulators(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum:
    case AggregateOp::kAvg:
    case AggregateOp::kCount:
    case AggregateOp::kMin:
    case AggregateOp::kMax:
    case AggregateOp::kGroup:
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar:
      return true;
    default:
      return false;
  }
}

// Whether every selected series has one metric name: then dropping the name
// cannot make two of them equal (which Prometheus reports as an error the
// node-by-node path detects).
bool selects_one_name(const model::Matchers& matchers) {
  return std::any_of(matchers.begin(), matchers.end(), [](const model::Matcher& m) {
    return m.name() == model::kMetricName && m.type() == model::MatchType::kEqual;
  });
}

// Encoded labels of the group `metric` falls into (the same bytes as
// aggregation_group_labels(...).data()), built into `key`.
void group_key(const model::Labels& metric, const std::vector<std::string>& grouping, bool without,
               bool drop_name, std::string* key) {
  key->clear();
  for (const model::Label l : metric) {
    bool is_name = l.name == model::kMetricName;
    if (is_name && drop_name) continue;
    bool listed = std::binary_search(grouping.begin(), grouping.end(), l.name,
                                     [](std::string_view x, std::string_view y) { return x < y; });
    if (without ? (listed || is_name) : !listed) continue;
    model::put_uvarint(*key, l.name.size());
    key->append(l.name);
    model::put_uvarint(*key, l.value.size());
    key->append(l.value);
  }
}

}  // namespace

std::optional<Result<EvalValue>> Evaluator::eval_fused_aggregate(const AggregateExpr& a) {
  if (!uses_accumulators(a.op)) return std::nullopt;
  const Expr* inner = strip_parens(a.expr.get());
  const VectorSelector* sel = nullptr;
  std::optional<RangeFunc> f;
  model::Duration range = 0;
  if (inner->is<VectorSelector>()) {
    sel = &inner->as<VectorSelector>();
  } else if (inner->is<Call>()) {
    // Range functions of one argument: no scalar arguments to evaluate.
    const Call& call = inner->as<Call>();
    if (call.args.size() != 1) return std::nullopt;
    const Expr* arg = strip_parens(call.args[0].get());
    if (!arg->is<MatrixSelector>()) return std::nullopt;
    f = find_range_func(call.func->name);
    if (!f || *f == RangeFunc::kAbsentOverTime) return std::nullopt;
    sel = &arg->as<MatrixSelector>().selector();
    range = arg->as<MatrixSelector>().range;
  } else {
    return std::nullopt;
  }
  // With @ the node-by-node path evaluates once and repeats (step invariance).
  if (sel->mods.at_modifier != AtModifier::kNone || sel->mods.at) return std::nullopt;
  const bool drop_name = f && *f != RangeFunc::kLastOverTime;
  if (drop_name && !selects_one_name(sel->matchers)) return std::nullopt;

  std::vector<std::string> grouping = a.grouping;
  std::sort(grouping.begin(), grouping.end());
  const model::Timestamp first_ref = ref_time(start_, sel->mods.offset, std::nullopt);
  const model::Timestamp last_ref = ref_time(end_, sel->mods.offset, std::nullopt);

  RangeCall rc;
  if (f) {
    rc.f = *f;
    rc.range = range;
    rc.offset = sel->mods.offset;
    rc.track_drops = (*f == RangeFunc::kRate || *f == RangeFunc::kIncrease) && steps_ > 1;
    rc.sort_factor = *f == RangeFunc::kMadOverTime ? 4 : 1;
  }
  const bool counter_check = f && (*f == RangeFunc::kRate || *f == RangeFunc::kIncrease);

  // Accumulators: one row of steps_ per group, groups in order of first
  // appearance. Bounded as the node-by-node dense path is; past the bound
  // the fused evaluation gives up and the caller evaluates node by node.
  constexpr size_t kMaxAccumulators = size_t{1} << 20;
  std::unordered_map<std::string, size_t> group_ids;
  std::vector<std::string> group_keys;
  std::vector<Acc> dense;
  std::string key;
  int64_t inner_points = 0;  // points the inner node would have produced
  bool too_many_groups = false;

  // The series' row, found at its first value: a group is created by the
  // first series with a value in it, as the node-by-node path orders groups.
  auto row_of = [&](const model::Labels& metric) -> Acc* {
    group_key(metric, grouping, a.without, drop_name, &key);
    auto it = group_ids.find(key);
    if (it == group_ids.end()) {
      if ((group_keys.size() + 1) * steps_ > kMaxAccumulators) {
        too_many_groups = true;
        return nullptr;
      }
      it = group_ids.emplace(key, group_keys.size()).first;
      group_keys.push_back(key);
      dense.resize(group_keys.size() * steps_);
    }
    return dense.data() + it->second * steps_;
  };
  const Status give_up(StatusCode::kCanceled, "fused aggregation: too many groups");
  auto visit = [&](const model::Labels& metric, const model::Timestamp* ts, const double* vs,
                   size_t n) -> Status {
    Acc* row = nullptr;
    if (!f) {
      if (tick(static_cast<int64_t>(steps_ + n))) return check_interrupt();
      selector_values(sel->mods.offset, std::nullopt, false, ts, vs, n,
                      [&](size_t i, model::Timestamp, double v) {
                        if (too_many_groups || (!row && !(row = row_of(metric)))) return;
                        accumulate(a.op, row[i], v);
                        ++inner_points;
                      });
      return too_many_groups ? give_up : Status::ok();
    }
    Status st = range_values(rc, ts, vs, n, [&](size_t i, model::Timestamp, double v) {
      if (!row) {
        if (counter_check) counter_name_info(metric);
        if (!(row = row_of(metric))) return false;
      }
      accumulate(a.op, row[i], v);
      ++inner_points;
      return true;
    });
    return too_many_groups ? give_up : st;
  };
  Status st =
      f ? scan_series(sel->matchers, first_ref - range + 1, last_ref, false, "", range, visit)
        : scan_series(sel->matchers, first_ref - qs_->lookback + 1, last_ref, true, "", 0, visit);
  if (too_many_groups) return std::nullopt;
  if (!st) return Result<EvalValue>(st);

  // As the node-by-node path counts: the inner node's points, then the
  // aggregation's, each against the limit.
  qs_->total_samples += f ? rc.total : inner_points;
  if (st = add_samples(inner_points); !st) return Result<EvalValue>(st);
  EvalValue out;
  out.type = ValueType::kVector;
  int64_t points = 0;
  for (size_t g = 0; g < group_keys.size(); ++g) {
    const Acc* row = dense.data() + g * steps_;
    StepSeries ss;
    for (size_t i = 0; i < steps_; ++i) {
      if (row[i].seen) ss.points.push_back({step_time(i), finish(a.op, row[i])});
    }
    if (ss.points.empty()) continue;
    ss.metric = model::Labels::from_encoded(std::move(group_keys[g]));
    points += static_cast<int64_t>(ss.points.size());
    out.vec.push_back(std::move(ss));
  }
  if (st = add_samples(points); !st) return Result<EvalValue>(st);
  return Result<EvalValue>(std::move(out));
}

}  // namespace promlite::query
