// PromQL aggregations: group keys and the running state of one group.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "model/labels.h"
#include "query/ast.h"
#include "query/eval_context.h"

namespace promlite::query {

// The output labels of the group `l` falls into: by(...) keeps the named labels
// (`grouping` sorted), without(...) drops them and the metric name.
model::Labels aggregation_group_labels(const model::Labels& l,
                                       const std::vector<std::string>& grouping, bool without);

// Running state of one group at one step (Prometheus's groupedAggregation).
struct Acc {
  bool seen = false;
  double value = 0;
  double comp = 0;  // Kahan compensation
  double mean = 0;
  double count = 0;
  bool incremental = false;
};

inline void accumulate(AggregateOp op, Acc& g, double f) {
  if (!g.seen) {
    g.seen = true;
    g.count = 1;
    g.mean = f;
    g.comp = 0;
    g.incremental = false;
    switch (op) {
      case AggregateOp::kStddev:
      case AggregateOp::kStdvar:
        // A lone NaN or Inf has no defined spread.
        g.value = std::isnan(f) || std::isinf(f) ? std::nan("") : 0;
        break;
      case AggregateOp::kGroup:
        g.value = 1;
        break;
      default:
        g.value = f;
    }
    return;
  }
  switch (op) {
    case AggregateOp::kSum:
      kahan_add(f, g.value, g.comp);
      break;
    case AggregateOp::kAvg: {
      g.count++;
      if (!g.incremental) {
        double nv = g.value, nc = g.comp;
        kahan_add(f, nv, nc);
        if (!std::isinf(nv)) {
          g.value = nv;
          g.comp = nc;
          break;
        }
        // The sum would overflow: continue with an incremental mean.
        g.incremental = true;
        g.mean = g.value / (g.count - 1);
        g.comp /= g.count - 1;
      }
      if (std::isinf(g.mean)) {
        if (std::isinf(f) && (g.mean > 0) == (f > 0)) break;
        if (!std::isinf(f) && !std::isnan(f)) break;
      }
      double current = g.mean + g.comp;
      kahan_add(f / g.count - current / g.count, g.mean, g.comp);
      break;
    }
    case AggregateOp::kCount:
      g.count++;
      break;
    case AggregateOp::kMin:
      if (g.value > f || std::isnan(g.value)) g.value = f;
      break;
    case AggregateOp::kMax:
      if (g.value < f || std::isnan(g.value)) g.value = f;
      break;
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar: {
      g.count++;
      double delta = f - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (f - g.mean);
      break;
    }
    default:
      break;
  }
}

inline double finish(AggregateOp op, const Acc& g) {
  switch (op) {
    case AggregateOp::kSum:
      return g.value + g.comp;
    case AggregateOp::kAvg:
      return g.incremental ? g.mean + g.comp : (g.value + g.comp) / g.count;
    case AggregateOp::kCount:
      return g.count;
    case AggregateOp::kStdvar:
      return g.value / g.count;
    case AggregateOp::kStddev:
      return std::sqrt(g.value / g.count);
    default:
      return g.value;
  }
}

}  // namespace promlite::query
