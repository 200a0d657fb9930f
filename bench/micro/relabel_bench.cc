// metric_relabel_configs throughput over Flink-shaped series: one iteration
// relabels one series, so the reported time is ns/series.
//
// Rules (a typical pair): drop a family of noisy metrics by __name__ regex, and
// labeldrop two high-cardinality labels.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "config/relabel_config.h"
#include "model/labels.h"
#include "scraper/relabel.h"

namespace {

using promlite::config::RelabelAction;
using promlite::config::RelabelConfig;
using promlite::config::RelabelConfigs;
using promlite::model::Labels;
using promlite::scraper::Relabeler;

RelabelConfigs typical_rules(const std::string& labeldrop_regex) {
  RelabelConfig drop;
  drop.action = RelabelAction::kDrop;
  drop.source_labels = {"__name__"};
  drop.regex = "flink_taskmanager_job_task_operator_.*(Watermark|_latency).*";
  RelabelConfig labeldrop;
  labeldrop.action = RelabelAction::kLabelDrop;
  labeldrop.regex = labeldrop_regex;
  if (!drop.compile().is_ok() || !labeldrop.compile(false).is_ok()) std::abort();
  return {drop, labeldrop};
}

// ~12 labels, ~400 bytes of text, as a Flink TaskManager's operator metrics.
std::vector<Labels> flink_series(int n) {
  static const char* kMetrics[] = {
      "flink_taskmanager_job_task_operator_numRecordsIn",
      "flink_taskmanager_job_task_operator_numRecordsOut",
      "flink_taskmanager_job_task_operator_numRecordsInPerSecond",
      "flink_taskmanager_job_task_operator_currentInputWatermark",
      "flink_taskmanager_job_task_operator_numBytesOut",
  };
  std::vector<Labels> out;
  out.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    std::string op = "Source:_kafka_orders_" + std::to_string(i % 37) + "____Map____Filter";
    std::string subtask = std::to_string(i % 16);
    out.push_back(Labels{
        {"__name__", kMetrics[i % 5]},
        {"host", "flink-taskmanager-7d9c6b5f4-" + std::to_string(i % 8) + "x2lq"},
        {"instance", "10.42.3." + std::to_string(i % 8) + ":9249"},
        {"job", "flink-taskmanagers"},
        {"job_id", "3f9a1c2e4b5d6e7f8a9b0c1d2e3f4a5b"},
        {"job_name", "orders_enrichment_pipeline"},
        {"operator_id", "cbc357ccb763df2852fee8c4fc7d55f" + std::to_string(i % 10)},
        {"operator_name", op},
        {"subtask_index", subtask},
        {"task_attempt_id", "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d" + std::to_string(i % 10)},
        {"task_attempt_num", "0"},
        {"task_id", "0a448493b4782967b150582570326227"},
        {"task_name", op},
        {"tm_id", "flink-taskmanager-7d9c6b5f4-" + std::to_string(i % 8) + "x2lq"},
    });
  }
  return out;
}

void run(benchmark::State& state, const RelabelConfigs& rules) {
  const std::vector<Labels> series = flink_series(1000);
  Relabeler relabeler;
  Labels out;
  size_t i = 0, dropped = 0, changed = 0, n = 0;
  for (auto _ : state) {
    Relabeler::Outcome o = relabeler.process(rules, series[i], &out);
    benchmark::DoNotOptimize(out);
    dropped += o == Relabeler::Outcome::kDropped;
    changed += o == Relabeler::Outcome::kChanged;
    ++n;
    if (++i == series.size()) i = 0;
  }
  state.counters["dropped_%"] = 100.0 * static_cast<double>(dropped) / static_cast<double>(n);
  state.counters["changed_%"] = 100.0 * static_cast<double>(changed) / static_cast<double>(n);
  state.SetItemsProcessed(static_cast<int64_t>(n));
}

// The labeldrop removes two labels from every kept series: a new Labels per series.
void BM_MetricRelabel_DropAndLabelDrop(benchmark::State& state) {
  run(state, typical_rules("task_attempt_id|tm_id"));
}
BENCHMARK(BM_MetricRelabel_DropAndLabelDrop);

// The same rules with a labeldrop regex that is not a plain literal list, so
// every label name goes through RE2 instead of the literal fast path.
void BM_MetricRelabel_DropAndLabelDropRegex(benchmark::State& state) {
  run(state, typical_rules("(?:task_attempt_id|tm_id)"));
}
BENCHMARK(BM_MetricRelabel_DropAndLabelDropRegex);

// The labeldrop matches nothing: kept series come back unchanged, no allocation.
void BM_MetricRelabel_DropAndLabelDropNoMatch(benchmark::State& state) {
  run(state, typical_rules("pod_template_hash"));
}
BENCHMARK(BM_MetricRelabel_DropAndLabelDropNoMatch);

// No metric_relabel_configs at all: the cost every scrape pays by default.
void BM_MetricRelabel_NoRules(benchmark::State& state) { run(state, {}); }
BENCHMARK(BM_MetricRelabel_NoRules);

}  // namespace
