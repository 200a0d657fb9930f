// Evaluator: label_replace, label_join, sort_by_label, sort_by_label_desc.
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <memory>

#include "query/eval_context.h"
#include "query/function_signatures.h"

namespace promlite::query {

namespace {

// Go's regexp.Expand: $1, ${1}, $name, ${name}; $$ is a literal $; a
// malformed reference leaves the $ as text.
std::string expand_template(const RE2& re, std::string_view tmpl,
                            const std::vector<re2::StringPiece>& groups) {
  std::string out;
  const auto& named = re.NamedCapturingGroups();
  size_t i = 0;
  while (i < tmpl.size()) {
    char ch = tmpl[i];
    if (ch != '$' || i + 1 >= tmpl.size()) {
      out += ch;
      ++i;
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    std::string_view name;
    size_t next;
    if (tmpl[i + 1] == '{') {
      size_t close = tmpl.find('}', i + 2);
      if (close == std::string_view::npos) {
        out += '$';
        ++i;
        continue;
      }
      name = tmpl.substr(i + 2, close - i - 2);
      next = close + 1;
    } else {
      size_t j = i + 1;
      while (j < tmpl.size() &&
             (std::isalnum(static_cast<unsigned char>(tmpl[j])) || tmpl[j] == '_')) {
        ++j;
      }
      name = tmpl.substr(i + 1, j - i - 1);
      next = j;
    }
    bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char x) {
      return std::isalnum(static_cast<unsigned char>(x)) || x == '_';
    });
    if (!valid) {
      out += '$';
      ++i;
      continue;
    }
    int idx = -1;
    if (std::all_of(name.begin(), name.end(),
                    [](char x) { return std::isdigit(static_cast<unsigned char>(x)); })) {
      idx = name.size() > 9 ? -1 : std::stoi(std::string(name));
    } else if (auto it = named.find(std::string(name)); it != named.end()) {
      idx = it->second;
    }
    if (idx >= 0 && static_cast<size_t>(idx) < groups.size() && groups[idx].data()) {
      out.append(groups[idx].data(), groups[idx].size());
    }
    i = next;
  }
  return out;
}

// Natural order: runs of digits compare by numeric value.
bool natural_less(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    bool da = std::isdigit(static_cast<unsigned char>(a[i]));
    bool db = std::isdigit(static_cast<unsigned char>(b[j]));
    if (da && db) {
      size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      std::string_view na = a.substr(i, ie - i), nb = b.substr(j, je - j);
      while (na.size() > 1 && na[0] == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb[0] == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ie;
      j = je;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

}  // namespace

Result<EvalValue> Evaluator::eval_label_function(const Call& c) {
  std::string_view name = c.func->name;
  std::vector<std::string> strs;
  for (size_t i = 1; i < c.args.size(); ++i) {
    auto s = eval(*c.args[i]);
    if (!s) return s;
    strs.push_back(s->str);
  }
  auto inres = eval(*c.args[0]);
  if (!inres) return inres;
  StepMatrix in = std::move(inres->vec);
  if (name == "sort_by_label" || name == "sort_by_label_desc") {
    bool desc = name == "sort_by_label_desc";
    auto less = [&](const StepSeries& a, const StepSeries& b) {
      for (const auto& l : strs) {
        std::string_view x = a.metric.get(l), y = b.metric.get(l);
        if (x == y) continue;
        return desc ? natural_less(y, x) : natural_less(x, y);
      }
      int cmp = model::Labels::compare(a.metric, b.metric);
      return desc ? cmp > 0 : cmp < 0;
    };
    if (!interruptible_stable_sort(in.begin(), in.end(), less)) return check_interrupt();
    EvalValue out;
    out.vec = std::move(in);
    return out;
  }
  std::function<model::Labels(const model::Labels&)> relabel;
  std::unique_ptr<RE2> re;
  if (name == "label_replace") {
    const std::string& dst = strs[0];
    const std::string& repl = strs[1];
    const std::string& src = strs[2];
    const std::string& regex = strs[3];
    re = std::make_unique<RE2>("^(?s:" + regex + ")$", RE2::Quiet);
    if (!re->ok()) {
      return exec_error("invalid regular expression in label_replace(): " + regex);
    }
    if (!is_valid_label_name(dst)) {
      return exec_error("invalid destination label name in label_replace(): " + dst);
    }
    RE2* rp = re.get();
    relabel = [rp, dst, repl, src](const model::Labels& l) {
      std::string_view val = l.get(src);
      std::vector<re2::StringPiece> groups(static_cast<size_t>(rp->NumberOfCapturingGroups()) + 1);
      if (!rp->Match(re2::StringPiece(val.data(), val.size()), 0, val.size(), RE2::ANCHOR_BOTH,
                     groups.data(), static_cast<int>(groups.size()))) {
        return l;
      }
      std::string res = expand_template(*rp, repl, groups);
      model::LabelsBuilder b(l);
      b.set(dst, res);
      return b.build();
    };
  } else {
    const std::string& dst = strs[0];
    const std::string& sep = strs[1];
    if (!is_valid_label_name(dst)) {
      return exec_error("invalid destination label name in label_join(): " + dst);
    }
    std::vector<std::string> srcs(strs.begin() + 2, strs.end());
    for (const auto& s : srcs) {
      if (!is_valid_label_name(s)) {
        return exec_error("invalid source label name in label_join(): " + s);
      }
    }
    relabel = [dst, sep, srcs](const model::Labels& l) {
      std::string joined;
      for (size_t i = 0; i < srcs.size(); ++i) {
        if (i > 0) joined += sep;
        joined += l.get(srcs[i]);
      }
      model::LabelsBuilder b(l);
      b.set(dst, joined);
      return b.build();
    };
  }
  SeriesCollector col;
  for (auto& s : in) {
    if (tick(static_cast<int64_t>(s.points.size()) + 16)) return check_interrupt();
    size_t idx = col.series_for(relabel(s.metric));
    for (const auto& p : s.points) {
      if (!col.add(idx, p.t, p.v)) return exec_error(kDuplicateLabelset);
    }
  }
  EvalValue out;
  out.vec = col.take();
  return out;
}

}  // namespace promlite::query
