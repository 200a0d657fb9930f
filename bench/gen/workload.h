// The benchmark workload: N targets x S series shaped like a Fluss/Flink
// deployment (Flink task-operator counters with long job/task/operator labels,
// consumer lag, Fluss producer counters and send-latency histograms, JVM and
// node gauges), advanced one scrape interval at a time.
//
// Deterministic: the same config (seed included) gives the same label sets and
// the same value at every step, whichever mode consumes it (served over HTTP,
// backfilled, remote-written). Not thread-safe; one owner advances it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bench/gen/rng.h"

namespace promlite::benchgen {

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

struct WorkloadConfig {
  uint64_t seed = 1;
  int targets = 10;
  int series_per_target = 500;
  int64_t interval_ms = 15000;
  // Every churn_every_ms, each task/producer unit restarts with this
  // probability: new attempt id (so new series), counters from zero.
  int64_t churn_every_ms = 10 * 60 * 1000;
  double churn_share = 0.02;
  // Add job and instance labels as a scrape would (backfill, remote write).
  // Served targets leave them to the scraper.
  bool target_labels = false;
  // Time of step 0 (watermark gauges follow it), ms since the epoch.
  int64_t start_ms = 1700000000000;
};

// How a series' value evolves.
enum class Model : uint8_t {
  kRecords,       // integer counter, the unit's records per step
  kRecordsOut,    // integer counter, ~selectivity x records
  kBytes,         // integer counter, records x bytes per record
  kPerSecond,     // full-precision float gauge: records / interval
  kLag,           // integer gauge, random walk >= 0 with bursts
  kWatermark,     // ms timestamp minus a wandering delay
  kConstant,      // never changes
  kRarelyZero,    // integer counter, almost always 0
  kSawtooth,      // heap: grows, drops at GC
  kLoad,          // full-precision float gauge in [0, 1] (or scaled by p)
  kIntWander,     // integer gauge, small random walk
  kSmallCounter,  // integer counter, +0..2 per step
  kCpuSeconds,    // float counter with 2 decimals
  kRarely,        // integer gauge that changes now and then
  kHistBucket,    // cumulative bucket count (le in `le`)
  kHistCount,
  kHistSum,  // float counter, 3 decimals
};

struct Family {
  std::string name;  // the family name (OpenMetrics: counters without _total)
  std::string type;  // "counter", "gauge", "histogram"
  std::string help;
};

struct Series {
  uint16_t family = 0;
  Model model = Model::kConstant;
  int8_t hist_pos = -1;  // 0.. within a histogram group (buckets, count, sum)
  uint32_t unit = 0;     // index into Target::units
  double le = 0;         // bucket bound for kHistBucket
  double p = 0;          // model parameter
  double v = 0;          // current value
  std::string metric;    // sample name: family name plus _total/_bucket/...
  LabelPairs labels;     // sorted by name, without __name__
  std::string text;      // exposition prefix: metric{labels}
};

struct Unit {
  enum Kind : uint8_t { kProcess, kOperator, kProducer } kind = kProcess;
  uint32_t index = 0;  // operator or producer number within the target
  uint32_t gen = 0;    // restarts so far (churn)
  double rate = 0;     // records per second, base
  double walk = 0;     // slow multiplicative wander of the rate
  double incr = 0;     // records this step
  double latency = 0;  // median send latency, ms
  double latency_base = 0;
};

struct Target {
  int index = 0;
  bool producer = false;  // a Fluss producer (else a Flink taskmanager)
  LabelPairs base;        // host-level labels (and job/instance if asked)
  std::vector<Unit> units;
  std::vector<Series> series;  // family-major; histogram groups contiguous
  Rng rng;
};

class Workload {
 public:
  explicit Workload(const WorkloadConfig& cfg);

  const WorkloadConfig& config() const { return cfg_; }
  const std::vector<Family>& families() const { return families_; }
  std::vector<Target>& targets() { return targets_; }
  const std::vector<Target>& targets() const { return targets_; }

  // Index of the current step; values are those of this step. Starts at 0.
  int64_t step() const { return step_; }
  // Advances every target by one interval (churn first, then values).
  void advance();
  // Advances one target only (the farm renders targets independently); the
  // caller must bring every target to the same step before calling step().
  void advance_target(Target& t, int64_t new_step);
  void set_step(int64_t s) { step_ = s; }

  // Exposition text of one target (Prometheus text format 0.0.4).
  void render(const Target& t, std::string& out) const;

 private:
  void build_target(Target& t);
  void build_unit_series(Target& t, uint32_t unit, std::vector<Series>& out);
  void reset_unit_values(Target& t, uint32_t unit);
  void update_unit(Target& t, Unit& u);
  void update_series(Target& t, Series& s, int64_t step);
  uint16_t family(const std::string& name, const std::string& type, const std::string& help);

  WorkloadConfig cfg_;
  std::vector<Family> families_;
  std::vector<Target> targets_;
  int64_t step_ = 0;
};

// The shortest decimal text that reads back as v (what the formats carry).
std::string format_value(double v);
// name{a="b",...} with label values escaped for the text formats.
std::string series_text(const std::string& metric, const LabelPairs& labels);

}  // namespace promlite::benchgen
