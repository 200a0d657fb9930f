#include "bench/gen/workload.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace promlite::benchgen {
namespace {

constexpr int kProcessSeries = 25;  // series of the JVM/node block
constexpr int kOperatorSeries = 7;
constexpr int kProducerSeries = 17;
constexpr double kResetProbability = 2e-5;  // per counter and step

const char* const kJobNames[] = {"orders_enrichment_pipeline_v2", "payments_fraud_scoring",
                                 "clickstream_sessionizer_hourly", "inventory_cdc_sync_to_lake"};
const char* const kTaskNames[] = {
    "Source:_fluss_orders_->_Calc_select_order_id__customer_id__amount__ts_where__amount_>_100_->_"
    "Sink:_fluss_enriched_orders_writer",
    "Source:_fluss_payments_->_Filter_where_status___AUTHORIZED__->_Calc_select_payment_id__card_"
    "hash__score_->_Sink:_fraud_alerts_writer",
    "Source:_fluss_clicks_->_WatermarkAssigner_rowtime_ts__watermark_ts_-_5000_->_Calc_select_"
    "session_key__url__ts_->_Sink:_sessions_writer",
    "Source:_fluss_inventory_changelog_->_ChangelogNormalize_key_sku_id_->_Calc_select_sku_id__"
    "warehouse__qty_->_Sink:_lake_inventory_writer"};
const char* const kOperatorNames[4][3] = {
    {"Source:_fluss_orders", "Calc_select_order_id__customer_id__amount__ts_where__amount_>_100",
     "Sink:_fluss_enriched_orders_writer"},
    {"Source:_fluss_payments", "Filter_where_status___AUTHORIZED_", "Sink:_fraud_alerts_writer"},
    {"Source:_fluss_clicks", "WatermarkAssigner_rowtime_ts__watermark_ts_-_5000",
     "Sink:_sessions_writer"},
    {"Source:_fluss_inventory_changelog", "ChangelogNormalize_key_sku_id",
     "Sink:_lake_inventory_writer"}};
const char* const kTables[] = {"orders",    "payments", "clicks", "inventory_changelog",
                               "shipments", "customers"};
const double kBuckets[] = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, INFINITY};
const char* const kCpuModes[] = {"idle", "iowait", "system", "user"};
const double kCpuShare[] = {0.62, 0.03, 0.09, 0.26};

std::string pod_name(const char* prefix, uint64_t h) {
  return std::string(prefix) + hex_id(h, 9) + "-" + hex_id(h ^ 0x55, 5);
}

void sort_labels(LabelPairs& l) { std::sort(l.begin(), l.end()); }

double clamp(double v, double lo, double hi) { return std::max(lo, std::min(hi, v)); }

}  // namespace

std::string format_value(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string series_text(const std::string& metric, const LabelPairs& labels) {
  std::string out = metric;
  if (labels.empty()) return out;
  out.push_back('{');
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out.push_back(',');
    first = false;
    out += name;
    out += "=\"";
    for (char c : value) {
      if (c == '\\' || c == '"') {
        out.push_back('\\');
        out.push_back(c);
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out.push_back(c);
      }
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

Workload::Workload(const WorkloadConfig& cfg) : cfg_(cfg) {
  // Families in a fixed order: exposition and backfill group by it.
  const char* jvm = "flink_taskmanager_Status_JVM_";
  for (const char* n :
       {"Memory_Heap_Used", "Memory_Heap_Max", "Memory_NonHeap_Used", "CPU_Load", "CPU_Time",
        "Threads_Count", "GarbageCollector_G1_Young_Generation_Count",
        "GarbageCollector_G1_Young_Generation_Time", "GarbageCollector_G1_Old_Generation_Count",
        "GarbageCollector_G1_Old_Generation_Time"}) {
    family(std::string(jvm) + n, "gauge", std::string(n) + " (scope: taskmanager_Status_JVM)");
  }
  family("node_cpu_seconds", "counter", "Seconds the CPUs spent in each mode.");
  family("node_memory_MemAvailable_bytes", "gauge", "Memory information field MemAvailable_bytes.");
  family("node_memory_MemTotal_bytes", "gauge", "Memory information field MemTotal_bytes.");
  family("node_filesystem_avail_bytes", "gauge", "Filesystem space available to non-root users.");
  family("node_filesystem_size_bytes", "gauge", "Filesystem size in bytes.");
  family("node_load1", "gauge", "1m load average.");
  family("node_network_receive_bytes", "counter", "Network device statistic receive_bytes.");
  const char* op = "flink_taskmanager_job_task_operator_";
  for (const char* n : {"numRecordsIn", "numRecordsOut", "numRecordsInPerSecond", "numBytesOut",
                        "fluss_consumer_lag", "currentInputWatermark", "numLateRecordsDropped"}) {
    family(std::string(op) + n, "gauge",
           std::string(n) + " (scope: taskmanager_job_task_operator)");
  }
  family("fluss_client_writer_records", "counter", "Records written by the Fluss writer.");
  family("fluss_client_writer_bytes", "counter", "Bytes written by the Fluss writer.");
  family("fluss_client_writer_record_errors", "counter",
         "Records the Fluss writer failed to send.");
  family("fluss_client_writer_sendLatencyMs", "histogram", "Send latency of write batches, ms.");

  targets_.resize(cfg_.targets);
  for (int i = 0; i < cfg_.targets; ++i) {
    targets_[i].index = i;
    build_target(targets_[i]);
  }
}

uint16_t Workload::family(const std::string& name, const std::string& type,
                          const std::string& help) {
  families_.push_back({name, type, help});
  return static_cast<uint16_t>(families_.size() - 1);
}

static uint16_t find_family(const std::vector<Family>& fams, const std::string& name) {
  for (size_t i = 0; i < fams.size(); ++i) {
    if (fams[i].name == name) return static_cast<uint16_t>(i);
  }
  std::fprintf(stderr, "promlite_benchgen: family %s not registered\n", name.c_str());
  std::abort();
}

void Workload::build_target(Target& t) {
  const uint64_t h = mix(cfg_.seed, 0x7a, t.index);
  t.rng = Rng(h);
  t.producer = t.index % 5 == 4;
  std::string host = pod_name(t.producer ? "fluss-producer-" : "flink-taskmanager-", h);
  t.base = {{"host", host}};
  if (!t.producer) t.base.push_back({"tm_id", host + ":6122-" + hex_id(h >> 7, 6)});
  if (cfg_.target_labels) {
    t.base.push_back({"job", t.producer ? "fluss-producer" : "flink-taskmanager"});
    t.base.push_back({"instance", "10.244." + std::to_string(t.index / 250) + "." +
                                      std::to_string(t.index % 250 + 2) + ":9249"});
  }
  sort_labels(t.base);

  // Units: the process block, then task operators (or producer tables) while
  // they fit, then per-interface network counters to fill the budget exactly.
  const int budget = cfg_.series_per_target;
  const int unit_size = t.producer ? kProducerSeries : kOperatorSeries;
  int used = std::min(budget, kProcessSeries);
  t.units.push_back({});
  uint32_t n = 0;
  while (used + unit_size <= budget) {
    Unit u;
    u.kind = t.producer ? Unit::kProducer : Unit::kOperator;
    u.index = n++;
    t.units.push_back(u);
    used += unit_size;
  }
  t.units[0].index = static_cast<uint32_t>(budget - used);  // fill series count
  for (uint32_t i = 0; i < t.units.size(); ++i) {
    Unit& u = t.units[i];
    u.rate = std::exp(t.producer ? t.rng.uniform(std::log(50.0), std::log(20000.0))
                                 : t.rng.uniform(std::log(5.0), std::log(5000.0)));
    u.latency_base = u.latency = std::exp(t.rng.uniform(std::log(3.0), std::log(80.0)));
    build_unit_series(t, i, t.series);
  }
  for (uint32_t i = 0; i < t.units.size(); ++i) reset_unit_values(t, i);
  std::stable_sort(t.series.begin(), t.series.end(),
                   [](const Series& a, const Series& b) { return a.family < b.family; });
}

void Workload::build_unit_series(Target& t, uint32_t unit_idx, std::vector<Series>& out) {
  const Unit& u = t.units[unit_idx];
  auto add = [&](const std::string& fam, const std::string& metric, Model m, double p,
                 LabelPairs extra) {
    Series s;
    s.family = find_family(families_, fam);
    s.model = m;
    s.unit = unit_idx;
    s.p = p;
    s.metric = metric;
    s.labels = t.base;
    for (auto& l : extra) s.labels.push_back(std::move(l));
    sort_labels(s.labels);
    s.text = series_text(s.metric, s.labels);
    out.push_back(std::move(s));
    return &out.back();
  };
  Rng& r = t.rng;
  if (u.kind == Unit::kProcess) {
    const std::string jvm = "flink_taskmanager_Status_JVM_";
    const double heap_max = 1024.0 * 1024 * 1024 * (1 + r.below(4));
    const double mem_total = 16.0 * 1024 * 1024 * 1024 * (1 + r.below(4));
    const size_t first = out.size();
    add(jvm + "Memory_Heap_Used", jvm + "Memory_Heap_Used", Model::kSawtooth, heap_max, {});
    add(jvm + "Memory_Heap_Max", jvm + "Memory_Heap_Max", Model::kConstant, heap_max, {});
    add(jvm + "Memory_NonHeap_Used", jvm + "Memory_NonHeap_Used", Model::kIntWander, 65536, {});
    add(jvm + "CPU_Load", jvm + "CPU_Load", Model::kLoad, 1, {});
    add(jvm + "CPU_Time", jvm + "CPU_Time", Model::kSmallCounter, 7.5e9, {});
    add(jvm + "Threads_Count", jvm + "Threads_Count", Model::kIntWander, 2, {});
    for (const char* g : {"Young", "Old"}) {
      std::string base = jvm + "GarbageCollector_G1_" + g + "_Generation_";
      bool young = g[0] == 'Y';
      add(base + "Count", base + "Count", young ? Model::kSmallCounter : Model::kRarelyZero, 1, {});
      add(base + "Time", base + "Time", young ? Model::kSmallCounter : Model::kRarelyZero, 35, {});
    }
    for (int cpu = 0; cpu < 2; ++cpu) {
      for (int m = 0; m < 4; ++m) {
        add("node_cpu_seconds", "node_cpu_seconds_total", Model::kCpuSeconds, kCpuShare[m],
            {{"cpu", std::to_string(cpu)}, {"mode", kCpuModes[m]}});
      }
    }
    add("node_memory_MemAvailable_bytes", "node_memory_MemAvailable_bytes", Model::kIntWander,
        4.0 * 1024 * 1024, {});
    add("node_memory_MemTotal_bytes", "node_memory_MemTotal_bytes", Model::kConstant, mem_total,
        {});
    const char* mounts[][2] = {{"/", "/dev/nvme0n1p1"}, {"/data", "/dev/nvme1n1"}};
    for (auto& m : mounts) {
      add("node_filesystem_avail_bytes", "node_filesystem_avail_bytes", Model::kRarely, 4096e3,
          {{"device", m[1]}, {"fstype", "ext4"}, {"mountpoint", m[0]}});
    }
    for (auto& m : mounts) {
      add("node_filesystem_size_bytes", "node_filesystem_size_bytes", Model::kConstant,
          m[0][1] ? 2e12 : 1e11, {{"device", m[1]}, {"fstype", "ext4"}, {"mountpoint", m[0]}});
    }
    add("node_load1", "node_load1", Model::kLoad, 4, {});
    // Budgets below the block size keep its first series only.
    if (cfg_.series_per_target < kProcessSeries) out.resize(first + cfg_.series_per_target);
    for (uint32_t i = 0; i < u.index; ++i) {
      add("node_network_receive_bytes", "node_network_receive_bytes_total", Model::kBytes,
          r.uniform(200, 1500), {{"device", "veth" + hex_id(mix(cfg_.seed, t.index, i), 8)}});
    }
    return;
  }
  if (u.kind == Unit::kOperator) {
    const uint32_t op = u.index % 3, sub = u.index / 3, job = sub % 4;
    const std::string subtask = std::to_string(sub / 4 * 16 + t.index % 16);
    LabelPairs l = {
        {"job_id", hex_id(mix(cfg_.seed, 100, job), 32)},
        {"job_name", kJobNames[job]},
        {"task_id", hex_id(mix(cfg_.seed, 200, job), 32)},
        {"task_name", kTaskNames[job]},
        {"task_attempt_id", hex_id(mix(cfg_.seed, 400 + t.index, u.index, u.gen), 32)},
        {"task_attempt_num", std::to_string(u.gen)},
        {"subtask_index", subtask},
        {"operator_id", hex_id(mix(cfg_.seed, 300, job, op), 32)},
        {"operator_name", kOperatorNames[job][op]},
    };
    const std::string p = "flink_taskmanager_job_task_operator_";
    const double selectivity = op == 0 ? 1.0 : op == 1 ? r.uniform(0.2, 0.95) : 0.0;
    add(p + "numRecordsIn", p + "numRecordsIn", Model::kRecords, 0, l);
    add(p + "numRecordsOut", p + "numRecordsOut", op == 2 ? Model::kConstant : Model::kRecordsOut,
        selectivity, l);
    add(p + "numRecordsInPerSecond", p + "numRecordsInPerSecond", Model::kPerSecond, 0, l);
    add(p + "numBytesOut", p + "numBytesOut", Model::kBytes, r.uniform(120, 600), l);
    add(p + "fluss_consumer_lag", p + "fluss_consumer_lag", Model::kLag,
        std::max(1.0, u.rate * 0.2), l);
    add(p + "currentInputWatermark", p + "currentInputWatermark", Model::kWatermark,
        r.uniform(200, 8000), l);
    add(p + "numLateRecordsDropped", p + "numLateRecordsDropped", Model::kRarelyZero, 0, l);
    return;
  }
  // Producer: one unit per table it writes; a restart gets a new client id.
  const std::string table = std::string(kTables[u.index % 6]) +
                            (u.index >= 6 ? "_" + std::to_string(u.index / 6) : std::string());
  LabelPairs l = {{"client_id", "producer-" + hex_id(mix(cfg_.seed, 500 + t.index, u.gen), 8) +
                                    "-" + std::to_string(u.index)},
                  {"database", "fluss"},
                  {"table", table}};
  add("fluss_client_writer_records", "fluss_client_writer_records_total", Model::kRecords, 0, l);
  add("fluss_client_writer_bytes", "fluss_client_writer_bytes_total", Model::kBytes,
      r.uniform(150, 900), l);
  add("fluss_client_writer_record_errors", "fluss_client_writer_record_errors_total",
      Model::kRarelyZero, 0, l);
  const std::string h = "fluss_client_writer_sendLatencyMs";
  int8_t pos = 0;
  for (double le : kBuckets) {
    LabelPairs bl = l;
    // Java clients spell bounds as doubles ("1.0"); every mode uses this text.
    bl.push_back({"le", std::isinf(le) ? "+Inf" : format_value(le) + ".0"});
    Series* s = add(h, h + "_bucket", Model::kHistBucket, 0, bl);
    s->le = le;
    s->hist_pos = pos++;
  }
  add(h, h + "_count", Model::kHistCount, 0, l)->hist_pos = pos++;
  add(h, h + "_sum", Model::kHistSum, 0, l)->hist_pos = pos++;
}

// Initial values: a first-generation unit has run for a while (counters well
// above zero); a restarted one starts from zero.
void Workload::reset_unit_values(Target& t, uint32_t unit_idx) {
  Unit& u = t.units[unit_idx];
  Rng& r = t.rng;
  const double uptime_s = u.gen == 0 ? r.uniform(600, 6 * 3600) : 0;
  const double interval_s = cfg_.interval_ms / 1000.0;
  for (Series& s : t.series) {
    if (s.unit != unit_idx) continue;
    switch (s.model) {
      case Model::kRecords:
      case Model::kHistCount:
        s.v = std::round(u.rate * uptime_s);
        break;
      case Model::kRecordsOut:
        s.v = std::round(u.rate * uptime_s * s.p);
        break;
      case Model::kBytes:
        s.v = std::round(u.rate * uptime_s * s.p);
        break;
      case Model::kHistBucket:
        s.v = std::round(u.rate * uptime_s /
                         (1 + (std::isinf(s.le) ? 0 : std::pow(u.latency / s.le, 2.5))));
        break;
      case Model::kHistSum:
        s.v = std::round(u.rate * uptime_s * u.latency * 1000) / 1000;
        break;
      case Model::kPerSecond:
        s.v = u.rate;
        break;
      case Model::kLag:
        s.v = std::round(s.p * r.uniform(0, 20));
        break;
      case Model::kWatermark:
        s.v = static_cast<double>(cfg_.start_ms - static_cast<int64_t>(s.p));
        break;
      case Model::kConstant:
        s.v = s.p;
        break;
      case Model::kRarelyZero:
        s.v = 0;
        break;
      case Model::kSawtooth:
        s.v = std::round(s.p * r.uniform(0.2, 0.8));
        break;
      case Model::kLoad:
        s.v = s.p * r.uniform(0.05, 0.6);
        break;
      case Model::kIntWander:
        s.v = std::round(s.p * r.uniform(50, 500));
        break;
      case Model::kSmallCounter:
        s.v = std::round(uptime_s / interval_s * s.p);
        break;
      case Model::kCpuSeconds:
        s.v = std::round(uptime_s * s.p * 100) / 100;
        break;
      case Model::kRarely:
        s.v = std::round(s.p * r.uniform(1e3, 1e5));
        break;
    }
  }
}

void Workload::update_unit(Target& t, Unit& u) {
  Rng& r = t.rng;
  const double per_step = u.rate * cfg_.interval_ms / 1000.0;
  u.walk = clamp(u.walk * 0.98 + 0.03 * r.normal(), -0.7, 0.7);
  u.incr = std::max(0.0, std::round(per_step * (1 + u.walk) + r.normal() * std::sqrt(per_step)));
  u.latency = clamp(u.latency * std::exp(0.05 * r.normal()), 0.5, 5000);
  u.latency += (u.latency_base - u.latency) * 0.05;
}

void Workload::update_series(Target& t, Series& s, int64_t step) {
  Rng& r = t.rng;
  const Unit& u = t.units[s.unit];
  const double interval_s = cfg_.interval_ms / 1000.0;
  auto counter_add = [&](double inc) {
    if (r.uniform() < kResetProbability) s.v = 0;  // a process restart
    s.v += inc;
  };
  switch (s.model) {
    case Model::kRecords:
      counter_add(u.incr);
      break;
    case Model::kRecordsOut:
      counter_add(std::round(u.incr * s.p));
      break;
    case Model::kBytes:
      counter_add(std::round(u.incr * s.p * r.uniform(0.9, 1.1)));
      break;
    case Model::kPerSecond:
      s.v = u.incr / interval_s;
      break;
    case Model::kLag: {
      double burst = r.uniform() < 0.005 ? s.p * 200 : 0;
      s.v = std::max(0.0, std::round(s.v * 0.95 + r.normal() * s.p + burst));
      break;
    }
    case Model::kWatermark:
      s.v = static_cast<double>(cfg_.start_ms + step * cfg_.interval_ms -
                                static_cast<int64_t>(s.p * (1 + 0.2 * r.uniform())));
      break;
    case Model::kConstant:
      break;
    case Model::kRarelyZero:
      if (r.uniform() < 0.001) s.v += static_cast<double>(1 + r.below(3));
      break;
    case Model::kSawtooth:
      s.v = std::round(s.v + s.p * r.uniform(0.01, 0.06));
      if (s.v > s.p * 0.85) s.v = std::round(s.p * r.uniform(0.15, 0.3));
      break;
    case Model::kLoad:
      s.v = s.p * clamp(s.v / s.p + 0.03 * r.normal(), 0.01, 0.99);
      break;
    case Model::kIntWander:
      s.v = std::max(1.0, std::round(s.v + r.normal() * s.p));
      break;
    case Model::kSmallCounter:
      s.v += std::round(r.uniform(0, 2) * s.p);
      break;
    case Model::kCpuSeconds:
      s.v = std::round((s.v + interval_s * s.p * r.uniform(0.5, 1.5)) * 100) / 100;
      break;
    case Model::kRarely:
      if (r.uniform() < 0.02) s.v = std::max(0.0, std::round(s.v + r.normal() * s.p));
      break;
    case Model::kHistBucket:
      s.v += std::round(u.incr / (1 + (std::isinf(s.le) ? 0 : std::pow(u.latency / s.le, 2.5))));
      break;
    case Model::kHistCount:
      s.v += u.incr;
      break;
    case Model::kHistSum:
      s.v = std::round((s.v + u.incr * u.latency * r.uniform(0.9, 1.1)) * 1000) / 1000;
      break;
  }
}

void Workload::advance_target(Target& t, int64_t new_step) {
  const int64_t churn_steps =
      cfg_.churn_every_ms > 0 ? std::max<int64_t>(1, cfg_.churn_every_ms / cfg_.interval_ms) : 0;
  if (churn_steps > 0 && new_step % churn_steps == 0 && cfg_.churn_share > 0) {
    const int64_t epoch = new_step / churn_steps;
    for (uint32_t i = 1; i < t.units.size(); ++i) {
      double draw =
          static_cast<double>(mix(cfg_.seed, 0xc4, t.index, i * 1000003ULL + epoch) >> 11) *
          0x1.0p-53;
      if (draw >= cfg_.churn_share) continue;
      // A task failover or producer restart: same slots, new identity.
      t.units[i].gen++;
      std::vector<Series> fresh;
      build_unit_series(t, i, fresh);
      std::stable_sort(fresh.begin(), fresh.end(),
                       [](const Series& a, const Series& b) { return a.family < b.family; });
      size_t k = 0;
      for (Series& s : t.series) {
        if (s.unit == i) s = std::move(fresh[k++]);
      }
      reset_unit_values(t, i);
    }
  }
  for (Unit& u : t.units) update_unit(t, u);
  for (Series& s : t.series) update_series(t, s, new_step);
}

void Workload::advance() {
  ++step_;
  for (Target& t : targets_) advance_target(t, step_);
}

void Workload::render(const Target& t, std::string& out) const {
  int last_family = -1;
  for (const Series& s : t.series) {
    if (s.family != last_family) {
      last_family = s.family;
      const Family& f = families_[s.family];
      // Text format 0.0.4 names counters by their sample name (with _total).
      const std::string& name = f.type == "counter" ? s.metric : f.name;
      out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + f.type + "\n";
    }
    out += s.text;
    out.push_back(' ');
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, s.v);
    out.append(buf, r.ptr);
    out.push_back('\n');
  }
}

}  // namespace promlite::benchgen
