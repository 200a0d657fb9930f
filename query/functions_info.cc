// Evaluator: info(v [, data-label-selector]), the experimental function that
// adds the data labels of info series to the series of v.
//
// Semantics (Prometheus 3.5's info(), including the fixes upstream made to it
// later: series are matched per series rather than per position in a step's
// vector, a base series that matched an info series is kept even when that
// added no label, series without identifying labels are kept, and several or
// negated __name__ matchers select the info metrics together):
//  - info series are those named target_info, or those selected by the
//    __name__ matchers of the second argument (only negated ones: also
//    =~".+_info"); the other matchers of the selector must hold on them too;
//  - an info series joins a base series when both have the same values for
//    the identifying labels `instance` and `job` (an absent label equals an
//    absent one); per info metric name the newest sample (the series seen
//    last within the lookback delta) wins, two equally new ones are an error;
//  - the info series are read at the times the first vector selector of v
//    reads its samples (its @ and offset, and those of enclosing subqueries);
//  - the data labels added are all labels of the matched info series except
//    __name__ (only those named by the selector's matchers, when it has any),
//    minus labels the base series already has; two info series giving one
//    label different values is the error "conflicting label: <name>";
//  - a base series no info series matched is dropped when a data-label matcher
//    does not match the empty string, else passed through unchanged;
//  - base series that are info series themselves (their name matches all the
//    info name matchers) pass through unchanged.
#include <re2/re2.h>

#include <algorithm>
#include <unordered_map>

#include "query/eval_context.h"

namespace promlite::query {

namespace {

constexpr std::string_view kTargetInfo = "target_info";
constexpr std::string_view kIdentifying[] = {"instance", "job"};

// The first vector selector of `e` in a depth-first walk (the order
// Prometheus's parser.Inspect visits nodes), with the subqueries around it.
const VectorSelector* first_selector(const Expr& e, std::vector<const SubqueryExpr*>* path) {
  if (e.is<VectorSelector>()) return &e.as<VectorSelector>();
  bool sq = e.is<SubqueryExpr>();
  if (sq) path->push_back(&e.as<SubqueryExpr>());
  for (const Expr* c : children(e)) {
    if (const VectorSelector* vs = first_selector(*c, path)) return vs;
  }
  if (sq) path->pop_back();
  return nullptr;
}

// instance and job values of `l`, as one key ("" for an absent label).
std::string identity_key(const model::Labels& l) {
  std::string key(l.get(kIdentifying[0]));
  key += '\0';
  key += l.get(kIdentifying[1]);
  return key;
}

model::Matcher must_matcher(model::MatchType t, std::string_view name, std::string value) {
  auto m = model::Matcher::make(t, std::string(name), std::move(value));
  return std::move(m.value());
}

}  // namespace

Result<EvalValue> Evaluator::eval_info(const Call& c) {
  // Where in time the info series are read.
  std::vector<const SubqueryExpr*> path;
  std::optional<model::Timestamp> at;
  model::Duration offset = 0;
  if (const VectorSelector* vs = first_selector(*c.args[0], &path)) {
    at = resolve_at(vs->mods);
    offset = vs->mods.offset;
    for (auto it = path.rbegin(); !at && it != path.rend(); ++it) {
      offset += (*it)->mods.offset;
      at = resolve_at((*it)->mods);
    }
  }

  // The selector: __name__ matchers pick the info metrics, the others filter
  // info series and name the data labels to add.
  std::vector<model::Matcher> name_matchers, data_matchers;
  if (c.args.size() > 1) {
    const Expr& sel = *c.args[1];
    if (!sel.is<VectorSelector>()) {
      return invalid_argument("expected label selectors only in call to function \"info\"");
    }
    for (const auto& m : sel.as<VectorSelector>().matchers) {
      (m.name() == model::kMetricName ? name_matchers : data_matchers).push_back(m);
    }
  }
  bool any_positive = std::any_of(name_matchers.begin(), name_matchers.end(), [](const auto& m) {
    return m.type() == model::MatchType::kEqual || m.type() == model::MatchType::kRegex;
  });
  if (name_matchers.empty()) {
    name_matchers.push_back(
        must_matcher(model::MatchType::kEqual, model::kMetricName, std::string(kTargetInfo)));
  } else if (!any_positive) {
    name_matchers.insert(name_matchers.begin(),
                         must_matcher(model::MatchType::kRegex, model::kMetricName, ".+_info"));
  }
  bool drop_unmatched = std::any_of(data_matchers.begin(), data_matchers.end(),
                                    [](const auto& m) { return !m.matches_empty(); });
  auto is_data_label = [&](std::string_view name) {
    if (data_matchers.empty()) return true;
    return std::any_of(data_matchers.begin(), data_matchers.end(),
                       [&](const auto& m) { return m.name() == name; });
  };

  auto base_res = eval(*c.args[0]);
  if (!base_res) return base_res;
  StepMatrix base = std::move(base_res->vec);

  // Base series that are info series themselves are not enriched.
  std::vector<bool> ignored(base.size());
  std::vector<std::string> id_values[2];
  for (size_t k = 0; k < base.size(); ++k) {
    std::string_view name = base[k].metric.metric_name();
    ignored[k] = std::all_of(name_matchers.begin(), name_matchers.end(),
                             [&](const auto& m) { return m.matches(name); });
    if (ignored[k]) continue;
    for (int i = 0; i < 2; ++i) {
      std::string_view v = base[k].metric.get(kIdentifying[i]);
      if (!v.empty()) id_values[i].emplace_back(v);
    }
  }

  // Load the info series whose identifying labels some base series has.
  std::vector<RangeSeries> infos;
  if (!id_values[0].empty() || !id_values[1].empty()) {
    model::Matchers ms;
    for (int i = 0; i < 2; ++i) {
      auto& vals = id_values[i];
      if (vals.empty()) continue;
      std::sort(vals.begin(), vals.end());
      vals.erase(std::unique(vals.begin(), vals.end()), vals.end());
      std::string re;
      for (const auto& v : vals) {
        if (!re.empty()) re += '|';
        re += RE2::QuoteMeta(v);
      }
      auto m = model::Matcher::make(model::MatchType::kRegex, std::string(kIdentifying[i]), re);
      if (!m) return m.status();
      ms.push_back(std::move(m.value()));
    }
    ms.insert(ms.end(), data_matchers.begin(), data_matchers.end());
    ms.insert(ms.end(), name_matchers.begin(), name_matchers.end());
    model::Timestamp first_ref = ref_time(start_, offset, at);
    model::Timestamp last_ref = ref_time(end_, offset, at);
    auto loaded = load_series(ms, first_ref - qs_->lookback + 1, last_ref, true, "info", 0);
    if (!loaded) return loaded.status();
    infos = std::move(loaded.value());
  }

  // Identity keys and info metric names, interned.
  std::unordered_map<std::string, size_t> key_ids;
  auto key_id = [&](const model::Labels& l) {
    return key_ids.try_emplace(identity_key(l), key_ids.size()).first->second;
  };
  std::vector<std::string> names;
  std::vector<size_t> info_key(infos.size()), info_name(infos.size());
  for (size_t j = 0; j < infos.size(); ++j) {
    std::string_view n = infos[j].metric.metric_name();
    auto it = std::find(names.begin(), names.end(), n);
    info_name[j] = static_cast<size_t>(it - names.begin());
    if (it == names.end()) names.emplace_back(n);
    info_key[j] = key_id(infos[j].metric);
  }
  std::vector<size_t> base_key(base.size(), SIZE_MAX);
  if (!infos.empty()) {
    for (size_t k = 0; k < base.size(); ++k) {
      auto it = key_ids.find(identity_key(base[k].metric));
      if (it != key_ids.end()) base_key[k] = it->second;
    }
  }

  // Per step: the newest info sample per (identity, info name).
  struct Pick {
    size_t info = SIZE_MAX;
    model::Timestamp t = 0;
  };
  const size_t nnames = names.size();
  std::vector<Pick> picks(key_ids.size() * nnames);
  std::vector<size_t> touched;
  std::vector<size_t> info_pos(infos.size(), 0), base_pos(base.size(), 0);
  // Per base series: the info series it was last combined with, and the output.
  std::vector<std::vector<size_t>> last_combo(base.size());
  std::vector<size_t> last_out(base.size(), SIZE_MAX);
  std::vector<size_t> combo;
  SeriesCollector col;
  model::LabelsBuilder lb;
  int64_t info_points = 0;
  for (size_t i = 0; i < steps_; ++i) {
    if (tick(static_cast<int64_t>(base.size() + infos.size()))) return check_interrupt();
    model::Timestamp t = step_time(i);
    model::Timestamp ref = ref_time(t, offset, at);
    for (size_t p : touched) picks[p] = Pick{};
    touched.clear();
    for (size_t j = 0; j < infos.size(); ++j) {
      const auto& ts = infos[j].ts;
      size_t& pos = info_pos[j];
      // The reference time never moves backwards (with @ it stays put).
      while (pos < ts.size() && ts[pos] <= ref) ++pos;
      if (pos == 0) continue;
      model::Timestamp st = ts[pos - 1];
      if (st <= ref - qs_->lookback || model::is_stale_nan(infos[j].vs[pos - 1])) continue;
      ++info_points;
      size_t slot = info_key[j] * nnames + info_name[j];
      Pick& pk = picks[slot];
      if (pk.info == SIZE_MAX) {
        touched.push_back(slot);
        pk = Pick{j, st};
      } else if (pk.t < st) {
        pk = Pick{j, st};
      } else if (pk.t == st) {
        return exec_error("found duplicate series for info metric " + names[info_name[j]]);
      }
    }
    for (size_t k = 0; k < base.size(); ++k) {
      const auto& pts = base[k].points;
      size_t& bp = base_pos[k];
      while (bp < pts.size() && pts[bp].t < t) ++bp;
      if (bp >= pts.size() || pts[bp].t != t) continue;
      double v = pts[bp].v;
      if (ignored[k]) {
        if (last_out[k] == SIZE_MAX) last_out[k] = col.series_for(base[k].metric);
        if (!col.add(last_out[k], t, v)) return exec_error(kDuplicateLabelset);
        continue;
      }
      combo.clear();
      if (base_key[k] != SIZE_MAX) {
        for (size_t n = 0; n < nnames; ++n) {
          const Pick& pk = picks[base_key[k] * nnames + n];
          if (pk.info != SIZE_MAX) combo.push_back(pk.info);
        }
      }
      if (combo.empty() && drop_unmatched) continue;
      if (last_out[k] == SIZE_MAX || combo != last_combo[k]) {
        // Data labels of the matched info series, checked against each other.
        lb.reset();
        for (size_t j : combo) {
          for (const model::Label& l : infos[j].metric) {
            if (l.name == model::kMetricName || !is_data_label(l.name)) continue;
            std::string_view have = lb.get(l.name);
            if (!have.empty() && have != l.value) {
              return exec_error("conflicting label: " + std::string(l.name));
            }
            if (base[k].metric.has(l.name)) continue;
            lb.set(l.name, l.value);
          }
        }
        model::LabelsBuilder out(base[k].metric);
        for (const auto& [name, value] : lb.pairs()) out.set(name, value);
        last_out[k] = col.series_for(out.build());
        last_combo[k] = combo;
      }
      if (!col.add(last_out[k], t, v)) return exec_error(kDuplicateLabelset);
    }
  }
  qs_->total_samples += info_points;
  EvalValue out;
  out.vec = col.take();
  return out;
}

}  // namespace promlite::query
