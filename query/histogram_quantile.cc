// histogram_quantile / histogram_fraction over classic buckets.
#include "query/histogram_quantile.h"

#include <algorithm>
#include <cerrno>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include "query/eval_context.h"

namespace promlite::query {

namespace {

constexpr double kSmallDeltaTolerance = 1e-12;

bool almost_equal(double a, double b, double epsilon) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < DBL_MIN) return diff < epsilon * DBL_MIN;
  return diff / std::min(abs_sum, DBL_MAX) < epsilon;
}

// Sorts by upper bound and merges buckets sharing one.
void sort_and_coalesce(std::vector<Bucket>& b) {
  std::sort(b.begin(), b.end(),
            [](const Bucket& x, const Bucket& y) { return x.upper_bound < y.upper_bound; });
  size_t w = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    if (w > 0 && b[w - 1].upper_bound == b[i].upper_bound) {
      b[w - 1].count += b[i].count;
    } else {
      b[w++] = b[i];
    }
  }
  b.resize(w);
}

// Removes decreases of the cumulative count; returns whether any was large
// enough to count as a real monotonicity fix.
bool ensure_monotonic(std::vector<Bucket>& b) {
  bool forced = false;
  double prev = b[0].count;
  for (size_t i = 1; i < b.size(); ++i) {
    double cur = b[i].count;
    if (cur == prev) continue;
    if (almost_equal(prev, cur, kSmallDeltaTolerance)) {
      b[i].count = prev;
      continue;
    }
    if (cur < prev) {
      b[i].count = prev;
      forced = true;
      continue;
    }
    prev = cur;
  }
  return forced;
}

// Go's strconv.ParseFloat, close enough for `le` values.
bool parse_le(std::string_view s, double* out) {
  if (s.empty()) return false;
  std::string str(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(str.c_str(), &end);
  if (end != str.c_str() + str.size()) return false;
  *out = v;
  return true;
}

// Prometheus's maybeAddMetricName: nothing for series without a name.
std::string for_metric_name(std::string_view name) {
  if (name.empty()) return "";
  return " for metric name \"" + std::string(name) + "\"";
}

std::string go_g(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace

BucketQuantileResult bucket_quantile(double q, std::vector<Bucket>& buckets) {
  BucketQuantileResult r;
  r.value = std::nan("");
  if (std::isnan(q)) return r;
  if (q < 0) {
    r.value = -INFINITY;
    return r;
  }
  if (q > 1) {
    r.value = INFINITY;
    return r;
  }
  sort_and_coalesce(buckets);
  if (buckets.empty() || !std::isinf(buckets.back().upper_bound) ||
      buckets.back().upper_bound < 0) {
    return r;
  }
  r.forced_monotonic = ensure_monotonic(buckets);
  if (buckets.size() < 2) return r;
  double observations = buckets.back().count;
  if (observations == 0) return r;
  double rank = q * observations;
  size_t n = buckets.size() - 1;
  size_t b = 0;
  while (b < n && !(buckets[b].count >= rank)) ++b;
  if (b == n) {
    r.value = buckets[n - 1].upper_bound;
    return r;
  }
  if (b == 0 && buckets[0].upper_bound <= 0) {
    r.value = buckets[0].upper_bound;
    return r;
  }
  double start = 0, end = buckets[b].upper_bound, count = buckets[b].count;
  if (b > 0) {
    start = buckets[b - 1].upper_bound;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  r.value = start + (end - start) * (rank / count);
  return r;
}

double bucket_fraction(double lower, double upper, std::vector<Bucket>& buckets) {
  sort_and_coalesce(buckets);
  if (buckets.empty() || !std::isinf(buckets.back().upper_bound) ||
      buckets.back().upper_bound < 0) {
    return std::nan("");
  }
  ensure_monotonic(buckets);
  double count = buckets.back().count;
  if (count == 0 || std::isnan(lower) || std::isnan(upper)) return std::nan("");
  if (lower >= upper) return 0;
  double rank = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  for (size_t i = 0; i < buckets.size(); ++i) {
    const Bucket& b = buckets[i];
    // The first bucket starts at 0 when its bound is positive (observations
    // are assumed non-negative), as histogram_quantile assumes.
    double lb = i > 0 ? buckets[i - 1].upper_bound : (b.upper_bound > 0 ? 0 : -INFINITY);
    double ub = b.upper_bound;
    auto interpolate = [&](double v) { return rank + (b.count - rank) * (v - lb) / (ub - lb); };
    if (!lower_set && lb >= lower) {
      lower_rank = rank;
      lower_set = true;
    }
    if (!upper_set && lb >= upper) {
      upper_rank = rank;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    if (!lower_set && lb < lower && ub > lower) {
      lower_rank = interpolate(lower);
      lower_set = true;
    }
    if (!upper_set && lb < upper && ub > upper) {
      upper_rank = interpolate(upper);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    rank = b.count;
  }
  if (!lower_set || lower_rank > count) lower_rank = count;
  if (!upper_set || upper_rank > count) upper_rank = count;
  return (upper_rank - lower_rank) / count;
}

namespace {

// Groups the series of `in` into classic histograms (labels without `le`,
// metric name included) and calls `fn(step, buckets)` per group and step.
template <typename Fn>
Result<StepMatrix> over_histograms(Evaluator& ev, StepMatrix& in, Fn fn) {
  std::unordered_map<std::string, size_t> ids;
  std::vector<model::Labels> out_labels;
  std::vector<std::string> names;
  std::vector<size_t> group_of(in.size(), SIZE_MAX);
  std::vector<double> le(in.size(), 0);
  for (size_t k = 0; k < in.size(); ++k) {
    const auto& m = in[k].metric;
    if (!parse_le(m.get("le"), &le[k])) {
      ev.warn("PromQL warning: bucket label \"le\" is missing or has a malformed value of \"" +
              std::string(m.get("le")) + "\"" + for_metric_name(m.metric_name()));
      continue;
    }
    model::LabelsBuilder b(m);
    b.del("le");
    model::Labels key = b.build();
    auto [it, inserted] = ids.try_emplace(key.data(), out_labels.size());
    if (inserted) {
      out_labels.push_back(drop_metric_name(key));
      names.emplace_back(m.metric_name());
    }
    group_of[k] = it->second;
  }
  std::vector<std::vector<Bucket>> buckets(out_labels.size());
  std::vector<size_t> pos(in.size(), 0), touched, out_idx(out_labels.size(), SIZE_MAX);
  SeriesCollector col;
  for (size_t i = 0; i < ev.steps(); ++i) {
    // Buckets are sorted per group: a few units per series.
    if (ev.tick(static_cast<int64_t>(in.size()) * 4 + 1)) return ev.check_interrupt();
    model::Timestamp t = ev.step_time(i);
    touched.clear();
    for (size_t k = 0; k < in.size(); ++k) {
      if (group_of[k] == SIZE_MAX) continue;
      auto& pts = in[k].points;
      while (pos[k] < pts.size() && pts[pos[k]].t < t) ++pos[k];
      if (pos[k] >= pts.size() || pts[pos[k]].t != t) continue;
      auto& bs = buckets[group_of[k]];
      if (bs.empty()) touched.push_back(group_of[k]);
      bs.push_back({le[k], pts[pos[k]].v});
    }
    for (size_t g : touched) {
      double v = fn(i, buckets[g], names[g]);
      buckets[g].clear();
      if (out_idx[g] == SIZE_MAX) out_idx[g] = col.series_for(out_labels[g]);
      if (!col.add(out_idx[g], t, v)) return exec_error(kDuplicateLabelset);
    }
  }
  return col.take();
}

}  // namespace

Result<EvalValue> Evaluator::eval_histogram_quantile(const Call& c) {
  auto q = eval_scalar_arg(*c.args[0]);
  if (!q) return q.status();
  for (double v : q.value()) {
    if (std::isnan(v) || v < 0 || v > 1) {
      warn("PromQL warning: quantile value should be between 0 and 1, got " + go_g(v));
    }
  }
  auto inres = eval(*c.args[1]);
  if (!inres) return inres;
  const std::vector<double>& qs = q.value();
  auto res = over_histograms(*this, inres->vec,
                             [&](size_t i, std::vector<Bucket>& b, const std::string& name) {
                               BucketQuantileResult r = bucket_quantile(qs[i], b);
                               if (r.forced_monotonic) {
                                 info(
                                     "PromQL info: input to histogram_quantile needed to be "
                                     "fixed for monotonicity (see "
                                     "https://prometheus.io/docs/prometheus/latest/querying/"
                                     "functions/#histogram_quantile)" +
                                     for_metric_name(name));
                               }
                               return r.value;
                             });
  if (!res) return res.status();
  EvalValue out;
  out.vec = std::move(res.value());
  return out;
}

Result<EvalValue> Evaluator::eval_histogram_fraction(const Call& c) {
  auto lo = eval_scalar_arg(*c.args[0]);
  if (!lo) return lo.status();
  auto hi = eval_scalar_arg(*c.args[1]);
  if (!hi) return hi.status();
  auto inres = eval(*c.args[2]);
  if (!inres) return inres;
  const std::vector<double>& l = lo.value();
  const std::vector<double>& h = hi.value();
  auto res =
      over_histograms(*this, inres->vec, [&](size_t i, std::vector<Bucket>& b, const std::string&) {
        return bucket_fraction(l[i], h[i], b);
      });
  if (!res) return res.status();
  EvalValue out;
  out.vec = std::move(res.value());
  return out;
}

}  // namespace promlite::query
