#include "bench/gen/dataset.h"

#include <charconv>

namespace promlite::benchgen {
namespace {

constexpr size_t kPieceBytes = 4 << 20;

void append_double(std::string& out, double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// OpenMetrics timestamps are seconds; keep the milliseconds exact.
void append_seconds(std::string& out, int64_t ms) {
  append_int(out, ms / 1000);
  if (int64_t frac = ms % 1000; frac != 0) {
    char buf[5] = {'.', static_cast<char>('0' + frac / 100),
                   static_cast<char>('0' + frac / 10 % 10), static_cast<char>('0' + frac % 10), 0};
    out += buf;
  }
}

}  // namespace

Dataset materialize(const WorkloadConfig& cfg, int64_t steps) {
  Workload w(cfg);
  Dataset d;
  d.families = w.families();
  d.start_ms = cfg.start_ms;
  d.interval_ms = cfg.interval_ms;
  d.steps = steps;
  struct Slot {
    size_t data = 0;
    uint32_t gen = UINT32_MAX;
  };
  std::vector<std::vector<Slot>> slots(w.targets().size());
  for (size_t i = 0; i < slots.size(); ++i) slots[i].resize(w.targets()[i].series.size());
  for (int64_t step = 0; step < steps; ++step) {
    if (step > 0) w.advance();
    for (size_t ti = 0; ti < w.targets().size(); ++ti) {
      const Target& t = w.targets()[ti];
      for (size_t si = 0; si < t.series.size(); ++si) {
        const Series& s = t.series[si];
        Slot& slot = slots[ti][si];
        const uint32_t gen = t.units[s.unit].gen;
        if (slot.gen != gen) {
          // First step of this series (start, or its unit restarted).
          slot.gen = gen;
          slot.data = d.series.size();
          SeriesData sd;
          sd.family = s.family;
          sd.hist_pos = s.hist_pos;
          sd.first_step = step;
          sd.metric = s.metric;
          sd.labels = s.labels;
          sd.values.reserve(static_cast<size_t>(steps - step));
          d.series.push_back(std::move(sd));
        }
        d.series[slot.data].values.push_back(s.v);
        ++d.samples;
      }
    }
  }
  for (auto& s : d.series) s.values.shrink_to_fit();
  return d;
}

void write_openmetrics(const Dataset& d, const std::function<void(const std::string&)>& sink) {
  std::vector<std::vector<size_t>> by_family(d.families.size());
  for (size_t i = 0; i < d.series.size(); ++i) by_family[d.series[i].family].push_back(i);
  std::string out;
  out.reserve(kPieceBytes + 65536);
  auto flush = [&](bool force) {
    if (force || out.size() >= kPieceBytes) {
      if (!out.empty()) sink(out);
      out.clear();
    }
  };
  auto line = [&](const SeriesData& s, const std::string& text, size_t i) {
    out += text;
    out.push_back(' ');
    append_double(out, s.values[i]);
    out.push_back(' ');
    append_seconds(out, d.time_of(s.first_step + static_cast<int64_t>(i)));
    out.push_back('\n');
  };
  for (size_t f = 0; f < d.families.size(); ++f) {
    if (by_family[f].empty()) continue;
    const Family& fam = d.families[f];
    out += "# HELP " + fam.name + " " + fam.help + "\n# TYPE " + fam.name + " " + fam.type + "\n";
    if (fam.type != "histogram") {
      for (size_t idx : by_family[f]) {
        const SeriesData& s = d.series[idx];
        const std::string text = series_text(s.metric, s.labels);
        for (size_t i = 0; i < s.values.size(); ++i) {
          line(s, text, i);
          flush(false);
        }
      }
      continue;
    }
    // Histograms: one MetricPoint (all buckets, count, sum) per timestamp.
    const auto& members = by_family[f];
    for (size_t k = 0; k < members.size();) {
      size_t end = k + 1;
      while (end < members.size() && d.series[members[end]].hist_pos > 0) ++end;
      std::vector<std::string> texts;
      for (size_t m = k; m < end; ++m) {
        texts.push_back(series_text(d.series[members[m]].metric, d.series[members[m]].labels));
      }
      const size_t n = d.series[members[k]].values.size();
      for (size_t i = 0; i < n; ++i) {
        for (size_t m = k; m < end; ++m) line(d.series[members[m]], texts[m - k], i);
        flush(false);
      }
      k = end;
    }
  }
  out += "# EOF\n";
  flush(true);
}

void write_promtext(const Dataset& d, size_t piece_bytes,
                    const std::function<void(const std::string&)>& sink) {
  std::string out;
  out.reserve(piece_bytes + 65536);
  for (const SeriesData& s : d.series) {
    const std::string text = series_text(s.metric, s.labels);
    for (size_t i = 0; i < s.values.size(); ++i) {
      out += text;
      out.push_back(' ');
      append_double(out, s.values[i]);
      out.push_back(' ');
      append_int(out, d.time_of(s.first_step + static_cast<int64_t>(i)));
      out.push_back('\n');
      if (out.size() >= piece_bytes) {
        sink(out);
        out.clear();
      }
    }
  }
  if (!out.empty()) sink(out);
}

}  // namespace promlite::benchgen
