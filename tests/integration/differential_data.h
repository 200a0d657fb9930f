// The synthetic data set of the differential test (differential_test.cc): a
// few hundred series over two hours at a 15 s interval, generated from a
// seedless hash so every run writes the same values.
//
// Sample timestamps are whole seconds at base + 3 s + 15 s * k + jitter, with
// jitter in [0, 6] s: they never fall on a multiple of 15 s from `base` (a
// whole minute), so neither subquery steps (multiples of their step since the
// epoch) nor query times at x.5 s coincide with a sample. That keeps Debian's
// Prometheus 2.42 (range windows closed on the left) and Prometheus 3
// semantics (left-open) on the same answers.
//
// Header-only: the integration suite compiles only *_test.cc files.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "model/sample.h"

namespace promlite::differential {

struct Series {
  std::vector<std::pair<std::string, std::string>> labels;  // __name__ first, then sorted
  std::vector<model::Sample> samples;                       // ms timestamps, ascending
};

inline constexpr int kSteps = 480;  // 2 h at 15 s
inline constexpr int64_t kIntervalMs = 15'000;

inline uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A deterministic value in [0, 1) for (series, step, salt).
inline double unit(uint64_t series, uint64_t step, uint64_t salt = 0) {
  return static_cast<double>(mix(series * 1'000'003 + step * 7919 + salt * 104729) >> 11) /
         static_cast<double>(uint64_t{1} << 53);
}

inline int64_t sample_time(int64_t base_ms, uint64_t series, int step) {
  return base_ms + 3'000 + step * kIntervalMs +
         static_cast<int64_t>(mix(series ^ (step * 31)) % 7) * 1000;
}

class DataSet {
 public:
  // base_ms must be a whole minute.
  explicit DataSet(int64_t base_ms) : base_ms_(base_ms) {
    const char* jobs[] = {"api", "db", "web"};
    for (const char* job : jobs) {
      for (int i = 0; i < 10; ++i) {
        std::string inst = "i" + std::to_string(i);
        for (const char* method : {"GET", "POST"}) {
          counter({{"__name__", "diff_requests_total"},
                   {"instance", inst},
                   {"job", job},
                   {"method", method}});
        }
        for (const char* mode : {"idle", "system", "user"}) {
          counter({{"__name__", "diff_cpu_seconds_total"},
                   {"instance", inst},
                   {"job", job},
                   {"mode", mode}});
        }
        for (const char* zone : {"z0", "z1"}) {
          gauge(
              {{"__name__", "diff_temperature"}, {"instance", inst}, {"job", job}, {"zone", zone}},
              false);
        }
        add({{"__name__", "diff_instance_info"},
             {"instance", inst},
             {"job", job},
             {"version", "v" + std::to_string(i % 3)}},
            [](int, double) { return 1.0; });
      }
      for (int i = 0; i < 5; ++i) histogram(job, "i" + std::to_string(i));
      for (int i = 0; i < 4; ++i) flaky(job, "i" + std::to_string(i));
    }
    gauge({{"__name__", "diff_nan_gauge"}, {"instance", "i0"}, {"job", "api"}}, true);
  }

  const std::vector<Series>& series() const { return series_; }
  int64_t base_ms() const { return base_ms_; }
  size_t sample_count() const {
    size_t n = 0;
    for (const auto& s : series_) n += s.samples.size();
    return n;
  }

  // The OpenMetrics text promtool's create-blocks-from openmetrics reads:
  // one line per sample, timestamps in seconds, ending with # EOF.
  std::string openmetrics() const {
    std::string out;
    char buf[64];
    for (const auto& s : series_) {
      std::string prefix = s.labels[0].second + "{";
      for (size_t i = 1; i < s.labels.size(); ++i) {
        if (i > 1) prefix += ",";
        prefix += s.labels[i].first + "=\"" + s.labels[i].second + "\"";
      }
      prefix += "} ";
      for (const auto& p : s.samples) {
        out += prefix;
        if (std::isnan(p.v)) {
          out += "NaN";
        } else if (std::isinf(p.v)) {
          out += p.v > 0 ? "+Inf" : "-Inf";
        } else {
          std::snprintf(buf, sizeof buf, "%.17g", p.v);
          out += buf;
        }
        std::snprintf(buf, sizeof buf, " %lld\n", static_cast<long long>(p.t / 1000));
        out += buf;
      }
    }
    out += "# EOF\n";
    return out;
  }

 private:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // value(step, previous) for every step whose `keep(step)` holds.
  template <typename F>
  void add(Labels labels, F value, int first = 0, int last = kSteps,
           const std::vector<std::pair<int, int>>& gaps = {}) {
    uint64_t id = series_.size();
    Series s;
    s.labels = std::move(labels);
    double prev = 0;
    for (int k = first; k < last; ++k) {
      bool in_gap = false;
      for (auto [a, b] : gaps) in_gap |= k >= a && k < b;
      if (in_gap) continue;
      prev = value(k, prev);
      s.samples.push_back({sample_time(base_ms_, id, k), prev});
    }
    series_.push_back(std::move(s));
  }

  // Monotonic with an occasional reset to a small value.
  void counter(Labels labels) {
    uint64_t id = series_.size();
    int reset_at = static_cast<int>(mix(id) % 3 == 0 ? 100 + mix(id + 1) % 300 : -1);
    double rate = 1 + 20 * unit(id, 0, 1);
    add(std::move(labels), [=](int k, double prev) {
      if (k == reset_at) return std::floor(10 * unit(id, k, 2));
      return prev + std::round(rate * 15 * unit(id, k, 3) * 100) / 100;
    });
  }

  void gauge(Labels labels, bool with_nan) {
    uint64_t id = series_.size();
    double phase = 6.28 * unit(id, 0, 4);
    add(std::move(labels), [=](int k, double) {
      if (with_nan && k % 37 == 5) return std::numeric_limits<double>::quiet_NaN();
      return std::round((20 + 8 * std::sin(phase + k / 40.0) + 3 * unit(id, k, 5)) * 1000) / 1000;
    });
  }

  // Series that appear late, vanish early, and have gaps longer than the
  // lookback delta.
  void flaky(const std::string& job, const std::string& inst) {
    uint64_t id = series_.size();
    int first = static_cast<int>(mix(id) % 60);
    int last = kSteps - static_cast<int>(mix(id + 7) % 80);
    int gap = 100 + static_cast<int>(mix(id + 3) % 200);
    add({{"__name__", "diff_flaky"}, {"instance", inst}, {"job", job}},
        [=](int k, double) { return std::floor(100 * unit(id, k, 6)); }, first, last,
        {{gap, gap + 30}, {gap + 60, gap + 64}});
  }

  // A classic histogram: cumulative _bucket counters, _sum and _count, all
  // reset together once for some instances.
  void histogram(const std::string& job, const std::string& inst) {
    static const char* les[] = {"0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"};
    constexpr int kBuckets = 7;
    uint64_t id = series_.size();
    int reset_at = mix(id) % 2 == 0 ? 150 + static_cast<int>(mix(id + 1) % 200) : -1;
    std::vector<std::vector<double>> bucket(kBuckets, std::vector<double>(kSteps));
    std::vector<double> sum(kSteps), count(kSteps);
    std::vector<double> acc(kBuckets, 0);
    double acc_sum = 0;
    static const double mids[] = {0.03, 0.07, 0.2, 0.4, 0.8, 2, 4};
    for (int k = 0; k < kSteps; ++k) {
      if (k == reset_at) {
        std::fill(acc.begin(), acc.end(), 0);
        acc_sum = 0;
      }
      // New observations this step, per (non-cumulative) bucket.
      double below = 0;
      for (int b = 0; b < kBuckets; ++b) {
        double n = std::floor(10 * unit(id, k, 10 + b) * (b < 4 ? 3 : 1));
        below += n;
        acc[b] += below;  // cumulative: bucket b holds everything <= its le
        acc_sum += n * mids[b];
        bucket[b][k] = acc[b];
      }
      sum[k] = std::round(acc_sum * 1000) / 1000;
      count[k] = acc[kBuckets - 1];
    }
    for (int b = 0; b < kBuckets; ++b) {
      add({{"__name__", "diff_latency_seconds_bucket"},
           {"instance", inst},
           {"job", job},
           {"le", les[b]}},
          [&, b](int k, double) { return bucket[b][k]; });
      series_.back().samples = retime(series_.back().samples, id);
    }
    add({{"__name__", "diff_latency_seconds_sum"}, {"instance", inst}, {"job", job}},
        [&](int k, double) { return sum[k]; });
    series_.back().samples = retime(series_.back().samples, id);
    add({{"__name__", "diff_latency_seconds_count"}, {"instance", inst}, {"job", job}},
        [&](int k, double) { return count[k]; });
    series_.back().samples = retime(series_.back().samples, id);
  }

  // Gives all series of one histogram the timestamps of series `id`, as one
  // scrape would.
  std::vector<model::Sample> retime(std::vector<model::Sample> s, uint64_t id) const {
    for (size_t k = 0; k < s.size(); ++k) s[k].t = sample_time(base_ms_, id, static_cast<int>(k));
    return s;
  }

  int64_t base_ms_;
  std::vector<Series> series_;
};

}  // namespace promlite::differential
