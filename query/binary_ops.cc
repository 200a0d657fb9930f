// Evaluator: binary operators (scalar/vector arithmetic, comparisons, vector
// matching with on/ignoring/group_*, and the set operators).
#include "query/binary_ops.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "query/eval_context.h"

namespace promlite::query {

double apply_binary_op(BinaryOp op, double l, double r, bool* keep) {
  *keep = true;
  switch (op) {
    case BinaryOp::kAdd:
      return l + r;
    case BinaryOp::kSub:
      return l - r;
    case BinaryOp::kMul:
      return l * r;
    case BinaryOp::kDiv:
      return l / r;
    case BinaryOp::kMod:
      return std::fmod(l, r);
    case BinaryOp::kPow:
      return std::pow(l, r);
    case BinaryOp::kAtan2:
      return std::atan2(l, r);
    case BinaryOp::kEql:
      *keep = l == r;
      return l;
    case BinaryOp::kNeq:
      *keep = l != r;
      return l;
    case BinaryOp::kGtr:
      *keep = l > r;
      return l;
    case BinaryOp::kLss:
      *keep = l < r;
      return l;
    case BinaryOp::kGte:
      *keep = l >= r;
      return l;
    case BinaryOp::kLte:
      *keep = l <= r;
      return l;
    case BinaryOp::kAnd:
    case BinaryOp::kOr:
    case BinaryOp::kUnless:
      break;
  }
  *keep = false;
  return 0;
}

namespace {

// Signature labels of a series for matching: on(...) keeps the named labels,
// ignoring(...) drops them and the metric name.
model::Labels match_labels(const model::Labels& l, const VectorMatching& m) {
  model::LabelsBuilder b(l);
  if (m.on) {
    b.keep(m.matching_labels);
  } else {
    for (const auto& n : m.matching_labels) b.del(n);
    b.del(model::kMetricName);
  }
  return b.build();
}

// Assigns a small integer id to each distinct signature of both operands.
struct Signatures {
  std::vector<uint32_t> lhs, rhs;
  std::vector<model::Labels> labels;  // by id
};

Signatures signatures(const StepMatrix& lhs, const StepMatrix& rhs, const VectorMatching& m) {
  Signatures sig;
  std::unordered_map<std::string, uint32_t> ids;
  auto id_of = [&](const model::Labels& l) {
    model::Labels ml = match_labels(l, m);
    auto [it, inserted] = ids.try_emplace(ml.data(), static_cast<uint32_t>(sig.labels.size()));
    if (inserted) sig.labels.push_back(std::move(ml));
    return it->second;
  };
  for (const auto& s : lhs) sig.lhs.push_back(id_of(s.metric));
  for (const auto& s : rhs) sig.rhs.push_back(id_of(s.metric));
  return sig;
}

// Walks the points of many series step by step: at(i) is series i's value at
// the current step, if present.
class StepCursor {
 public:
  explicit StepCursor(const StepMatrix& m) : m_(m), pos_(m.size(), 0) {}
  const model::Sample* at(size_t i, model::Timestamp t) {
    const auto& pts = m_[i].points;
    size_t& p = pos_[i];
    while (p < pts.size() && pts[p].t < t) ++p;
    return p < pts.size() && pts[p].t == t ? &pts[p] : nullptr;
  }

 private:
  const StepMatrix& m_;
  std::vector<size_t> pos_;
};

}  // namespace

Result<EvalValue> Evaluator::eval_binary(const BinaryExpr& b) {
  auto lres = eval(*b.lhs);
  if (!lres) return lres;
  auto rres = eval(*b.rhs);
  if (!rres) return rres;
  EvalValue& l = lres.value();
  EvalValue& r = rres.value();
  if (l.type == ValueType::kScalar && r.type == ValueType::kScalar) {
    EvalValue out;
    out.type = ValueType::kScalar;
    out.scalar.resize(steps_);
    for (size_t i = 0; i < steps_; ++i) {
      bool keep;
      double v = apply_binary_op(b.op, l.scalar[i], r.scalar[i], &keep);
      out.scalar[i] = is_comparison_op(b.op) ? (keep ? 1.0 : 0.0) : v;
    }
    return out;
  }
  if (l.type == ValueType::kVector && r.type == ValueType::kVector) {
    if (is_set_op(b.op)) return set_operation(b, std::move(l.vec), std::move(r.vec));
    return vector_vector(b, std::move(l.vec), std::move(r.vec));
  }
  // Vector and scalar, either way round.
  bool scalar_left = l.type == ValueType::kScalar;
  StepMatrix& vec = scalar_left ? r.vec : l.vec;
  const std::vector<double>& sc = scalar_left ? l.scalar : r.scalar;
  bool drop = drops_metric_name(b.op) || b.return_bool;
  SeriesCollector col;
  for (auto& s : vec) {
    if (tick(static_cast<int64_t>(s.points.size()) + 1)) return check_interrupt();
    size_t idx = SIZE_MAX;
    for (const auto& p : s.points) {
      double sv = sc[step_index(p.t)];
      double lv = scalar_left ? sv : p.v;
      double rv = scalar_left ? p.v : sv;
      bool keep;
      double v = apply_binary_op(b.op, lv, rv, &keep);
      // A comparison keeps the vector's value even when the scalar is on the left.
      if (is_comparison_op(b.op) && scalar_left) v = rv;
      if (b.return_bool) {
        v = keep ? 1.0 : 0.0;
        keep = true;
      }
      if (!keep) continue;
      if (idx == SIZE_MAX) idx = col.series_for(drop ? drop_metric_name(s.metric) : s.metric);
      if (!col.add(idx, p.t, v)) return exec_error(kDuplicateLabelset);
    }
  }
  EvalValue out;
  out.vec = col.take();
  return out;
}

Result<EvalValue> Evaluator::set_operation(const BinaryExpr& b, StepMatrix lhs, StepMatrix rhs) {
  VectorMatching m = b.matching.value_or(VectorMatching{});
  std::sort(m.matching_labels.begin(), m.matching_labels.end());
  Signatures sig = signatures(lhs, rhs, m);
  // Per signature id: the last step at which the other side had it.
  std::vector<int64_t> seen(sig.labels.size(), -1);
  StepCursor lc(lhs), rc(rhs);
  std::vector<std::vector<model::Sample>> lout(lhs.size()), rout(rhs.size());
  for (size_t i = 0; i < steps_; ++i) {
    if (tick(static_cast<int64_t>(lhs.size() + rhs.size()))) return check_interrupt();
    model::Timestamp t = step_time(i);
    int64_t stamp = static_cast<int64_t>(i);
    if (b.op == BinaryOp::kOr) {
      for (size_t k = 0; k < lhs.size(); ++k) {
        if (const auto* p = lc.at(k, t)) {
          seen[sig.lhs[k]] = stamp;
          lout[k].push_back(*p);
        }
      }
      for (size_t k = 0; k < rhs.size(); ++k) {
        if (const auto* p = rc.at(k, t); p && seen[sig.rhs[k]] != stamp) rout[k].push_back(*p);
      }
    } else {
      for (size_t k = 0; k < rhs.size(); ++k) {
        if (rc.at(k, t)) seen[sig.rhs[k]] = stamp;
      }
      bool want = b.op == BinaryOp::kAnd;
      for (size_t k = 0; k < lhs.size(); ++k) {
        const auto* p = lc.at(k, t);
        if (p && (seen[sig.lhs[k]] == stamp) == want) lout[k].push_back(*p);
      }
    }
  }
  SeriesCollector col;
  auto emit = [&](StepMatrix& side, std::vector<std::vector<model::Sample>>& pts) -> Status {
    for (size_t k = 0; k < side.size(); ++k) {
      if (pts[k].empty()) continue;
      size_t idx = col.series_for(side[k].metric);
      for (const auto& p : pts[k]) {
        if (!col.add(idx, p.t, p.v)) return exec_error(kDuplicateLabelset);
      }
    }
    return Status::ok();
  };
  if (Status st = emit(lhs, lout); !st) return st;
  if (Status st = emit(rhs, rout); !st) return st;
  EvalValue out;
  out.vec = col.take();
  return out;
}

Result<EvalValue> Evaluator::vector_vector(const BinaryExpr& b, StepMatrix lhs, StepMatrix rhs) {
  VectorMatching m = b.matching.value_or(VectorMatching{});
  std::sort(m.matching_labels.begin(), m.matching_labels.end());
  bool swapped = m.card == VectorMatchCardinality::kOneToMany;
  if (swapped) std::swap(lhs, rhs);  // lhs is now the "many" side
  Signatures sig = signatures(lhs, rhs, m);
  size_t nsig = sig.labels.size();
  std::vector<int64_t> one_stamp(nsig, -1);    // step at which the one side had the sig
  std::vector<size_t> one_series(nsig, 0);     // which one-side series
  std::vector<int64_t> match_stamp(nsig, -1);  // one-to-one: step of the last match
  StepCursor lc(lhs), rc(rhs);
  // Output series per (many, one) pair, built once.
  std::unordered_map<uint64_t, size_t> pair_out;
  std::vector<int64_t> out_stamp;  // per output series: step of its last point
  std::vector<uint32_t> out_sig;
  SeriesCollector col;
  model::LabelsBuilder lb;
  bool drop = drops_metric_name(b.op);
  const char* one_side = swapped ? "left" : "right";
  for (size_t i = 0; i < steps_; ++i) {
    if (tick(static_cast<int64_t>(lhs.size() + rhs.size()))) return check_interrupt();
    model::Timestamp t = step_time(i);
    int64_t stamp = static_cast<int64_t>(i);
    for (size_t k = 0; k < rhs.size(); ++k) {
      if (!rc.at(k, t)) continue;
      uint32_t s = sig.rhs[k];
      if (one_stamp[s] == stamp) {
        return exec_error("found duplicate series for the match group " +
                          sig.labels[s].to_string() + " on the " + one_side +
                          " hand-side of the operation: [" + rhs[k].metric.to_string() + ", " +
                          rhs[one_series[s]].metric.to_string() +
                          "];many-to-many matching not allowed: matching labels must be unique "
                          "on one side");
      }
      one_stamp[s] = stamp;
      one_series[s] = k;
    }
    for (size_t k = 0; k < lhs.size(); ++k) {
      const auto* lp = lc.at(k, t);
      if (!lp) continue;
      uint32_t s = sig.lhs[k];
      if (one_stamp[s] != stamp) continue;
      size_t rk = one_series[s];
      const auto* rp = rc.at(rk, t);
      double fl = lp->v, fr = rp->v;
      if (swapped) std::swap(fl, fr);
      bool keep;
      double v = apply_binary_op(b.op, fl, fr, &keep);
      if (b.return_bool) {
        v = keep ? 1.0 : 0.0;
      } else if (!keep) {
        continue;
      }
      if (m.card == VectorMatchCardinality::kOneToOne) {
        if (match_stamp[s] == stamp) {
          return exec_error(
              "multiple matches for labels: many-to-one matching must be explicit "
              "(group_left/group_right)");
        }
        match_stamp[s] = stamp;
      }
      uint64_t key = (static_cast<uint64_t>(k) << 32) | rk;
      auto [it, inserted] = pair_out.try_emplace(key, 0);
      if (inserted) {
        lb.reset(lhs[k].metric);
        if (drop || b.return_bool) lb.del(model::kMetricName);
        if (m.card == VectorMatchCardinality::kOneToOne) {
          if (m.on) {
            lb.keep(m.matching_labels);
          } else {
            for (const auto& n : m.matching_labels) lb.del(n);
          }
        }
        for (const auto& n : m.include) {
          std::string_view v1 = rhs[rk].metric.get(n);
          if (v1.empty()) {
            lb.del(n);
          } else {
            lb.set(n, v1);
          }
        }
        it->second = col.series_for(lb.build());
        if (out_stamp.size() < col.size()) {
          out_stamp.resize(col.size(), -1);
          out_sig.resize(col.size(), 0);
        }
      }
      size_t idx = it->second;
      if (out_stamp[idx] == stamp) {
        if (m.card != VectorMatchCardinality::kOneToOne && out_sig[idx] == s) {
          return exec_error(
              "multiple matches for labels: grouping labels must ensure unique matches");
        }
        return exec_error(kDuplicateLabelset);
      }
      out_stamp[idx] = stamp;
      out_sig[idx] = s;
      if (!col.add(idx, t, v)) return exec_error(kDuplicateLabelset);
    }
  }
  EvalValue out;
  out.vec = col.take();
  return out;
}

}  // namespace promlite::query
