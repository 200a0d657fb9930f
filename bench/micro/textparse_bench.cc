// Throughput of the exposition-format parsers: MB/s of typical scrape bodies
// fully parsed into series text, iterated labels and values (what the scrape
// loop does on a cache hit). Target: >= 300 MB/s per core.
#include <benchmark/benchmark.h>

#include <string>

#include "scraper/textparse/openmetrics_parser.h"
#include "scraper/textparse/prom_parser.h"

namespace promlite::textparse {
namespace {

// A Flink taskmanager's /metrics (PrometheusReporter, text 0.0.4): 12 labels
// per series with long job/task/operator names, Java double spelling and the
// trailing comma simpleclient writes.
std::string flink_payload(bool openmetrics) {
  const char* metrics[] = {"numRecordsIn", "numRecordsOut",         "numRecordsInPerSecond",
                           "numBytesOut",  "currentInputWatermark", "fluss_consumer_lag"};
  const char* ops[] = {"Source:_fluss_orders", "Calc_select_order_id__customer_id__amount_",
                       "Sink:_fluss_enriched_orders_writer"};
  std::string out;
  for (const char* m : metrics) {
    std::string name = std::string("flink_taskmanager_job_task_operator_") + m;
    out += "# HELP " + name + " " + m + " (scope: taskmanager_job_task_operator)\n";
    out += "# TYPE " + name + " gauge\n";
    for (int sub = 0; sub < 16; ++sub) {
      for (int op = 0; op < 3; ++op) {
        out += name +
               "{job_id=\"5a1c3f0e8b7d4e2fa9c6b3d2e1f0a9b8\",task_id="
               "\"cbc357ccb763df2852fee8c4fc7d55f2\",host=\"flink_taskmanager_7d9f8c6b5_x2k4p\","
               "job_name=\"orders_enrichment_pipeline_v2\",tm_id=\"flink-taskmanager-7d9f8c6b5-"
               "x2k4p:6122-3e1f0a\",operator_id=\"ea632d67b7d595e5b851708ae9ad79d" +
               std::to_string(op) + "\",operator_name=\"" + ops[op] +
               "\",task_attempt_id=\"9f0e3c1d2b4a5968778695a4b3c2d1e" + std::to_string(sub % 10) +
               "\",task_attempt_num=\"0\",task_name=\"Source:_fluss_orders_->_Calc_select_order_"
               "id__customer_id__amount__ts_where__amount_>_100_->_Sink:_fluss_enriched_orders_"
               "writer\",subtask_index=\"" +
               std::to_string(sub) + "\"" + (openmetrics ? "" : ",") + "} " +
               std::to_string(1234567 + sub * 1000 + op) + ".0\n";
      }
    }
  }
  if (openmetrics) out += "# EOF\n";
  return out;
}

// node_exporter-like: short names, few short labels, mixed float spellings.
std::string node_payload() {
  std::string out;
  out += "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n";
  out += "# TYPE node_cpu_seconds_total counter\n";
  const char* modes[] = {"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"};
  for (int cpu = 0; cpu < 32; ++cpu) {
    for (const char* mode : modes) {
      out += "node_cpu_seconds_total{cpu=\"" + std::to_string(cpu) + "\",mode=\"" + mode + "\"} " +
             std::to_string(12345 + cpu * 7) + "." + std::to_string(cpu * 13 % 100) + "\n";
    }
  }
  out += "# HELP node_network_receive_bytes_total Network device statistic receive_bytes.\n";
  out += "# TYPE node_network_receive_bytes_total counter\n";
  for (int dev = 0; dev < 16; ++dev) {
    out += "node_network_receive_bytes_total{device=\"eth" + std::to_string(dev) +
           "\"} 9.87654321e+09\n";
  }
  out += "# HELP node_filesystem_avail_bytes Filesystem space available to non-root users.\n";
  out += "# TYPE node_filesystem_avail_bytes gauge\n";
  for (int fs = 0; fs < 16; ++fs) {
    out += "node_filesystem_avail_bytes{device=\"/dev/nvme0n1p" + std::to_string(fs) +
           "\",fstype=\"ext4\",mountpoint=\"/mnt/disk" + std::to_string(fs) +
           "\"} 8.4356907008e+10\n";
  }
  for (int i = 0; i < 64; ++i) {
    out += "node_scrape_collector_success{collector=\"c" + std::to_string(i) + "\"} 1\n";
    out += "node_load" + std::to_string(i) + " 0.42\n";
  }
  return out;
}

template <typename P>
void parse_fully(benchmark::State& state, const std::string& body) {
  size_t series = 0;
  for (auto _ : state) {
    P p(body);
    size_t acc = 0;
    double sum = 0;
    for (Entry e; (e = p.next()) != Entry::kEof;) {
      if (e == Entry::kError) {
        state.SkipWithError(p.error().message().c_str());
        return;
      }
      if (e != Entry::kSeries) continue;
      acc += p.series().size();
      for (const LabelRef& l : p.labels()) acc += l.name.size() + l.value.size();
      sum += p.value();
      ++series;
    }
    benchmark::DoNotOptimize(acc);
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.counters["series/s"] =
      benchmark::Counter(static_cast<double>(series), benchmark::Counter::kIsRate);
  state.counters["body_bytes"] = static_cast<double>(body.size());
}

void BM_TextParse_Prom_FlinkTaskManager(benchmark::State& state) {
  static const std::string body = flink_payload(false);
  parse_fully<PromParser>(state, body);
}
BENCHMARK(BM_TextParse_Prom_FlinkTaskManager);

void BM_TextParse_Prom_NodeExporter(benchmark::State& state) {
  static const std::string body = node_payload();
  parse_fully<PromParser>(state, body);
}
BENCHMARK(BM_TextParse_Prom_NodeExporter);

void BM_TextParse_OpenMetrics_FlinkTaskManager(benchmark::State& state) {
  static const std::string body = flink_payload(true);
  parse_fully<OpenMetricsParser>(state, body);
}
BENCHMARK(BM_TextParse_OpenMetrics_FlinkTaskManager);

}  // namespace
}  // namespace promlite::textparse
