// A materialized workload: every series the workload produced over a time span
// with its values at each step, so that writers can emit it in the order their
// format needs (OpenMetrics: family-major, series-major in time; remote write:
// time-major). Memory: 8 bytes per sample plus the label sets.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/gen/workload.h"

namespace promlite::benchgen {

struct SeriesData {
  uint16_t family = 0;
  int8_t hist_pos = -1;
  int64_t first_step = 0;  // values[i] is at step first_step + i
  std::string metric;
  LabelPairs labels;  // sorted, without __name__
  std::vector<double> values;
};

struct Dataset {
  std::vector<Family> families;
  std::vector<SeriesData> series;  // histogram groups contiguous (hist_pos 0..)
  int64_t start_ms = 0;            // time of step 0
  int64_t interval_ms = 0;
  int64_t steps = 0;
  uint64_t samples = 0;

  int64_t time_of(int64_t step) const { return start_ms + step * interval_ms; }
};

// Runs the workload for `steps` steps starting at cfg.start_ms.
Dataset materialize(const WorkloadConfig& cfg, int64_t steps);

// OpenMetrics 1.0 text with timestamps (seconds), ending in "# EOF": what
// `promtool tsdb create-blocks-from openmetrics` reads. Calls sink with pieces
// of a few MB.
void write_openmetrics(const Dataset& d, const std::function<void(const std::string&)>& sink);

// Prometheus text lines "name{labels} value timestamp_ms" (no comments), what
// VictoriaMetrics' /api/v1/import/prometheus reads. sink gets pieces that end
// at line boundaries, each about `piece_bytes` long.
void write_promtext(const Dataset& d, size_t piece_bytes,
                    const std::function<void(const std::string&)>& sink);

}  // namespace promlite::benchgen
