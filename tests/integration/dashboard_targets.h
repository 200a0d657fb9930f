// Fake scrape targets for the Fluss & Flink dashboard test: one Fluss
// coordinator, two Fluss tablet servers, a Flink job manager and task manager,
// and the seed's producer, each a FakeHttpServer on 127.0.0.1 serving what the
// real process would.
//
// The expositions follow the real reporters:
// - Fluss and Flink both use a Prometheus reporter built on simpleclient 0.x:
//   the name is "<fluss|flink>_" + logical scope joined by '_' + metric name;
//   Counters, Meters and Gauges are all exported as gauges (a Counter keeps its
//   name, no `_total`; a Meter exports its per-second rate); Histograms are
//   exported as summaries (`_count` plus quantile series, no `_sum`). Variables
//   become labels; the text format writes a trailing comma inside braces and
//   Java's Double.toString values ("1.0", "1.2345678E7").
// - The producer exposes custom metrics with a Prometheus client library (the
//   seed's `fluss_client_writer_records_total` counter and
//   `fluss_client_writer_sendLatencyMs` histogram with `le` buckets).
//
// Every counter grows with wall time since construction, so successive scrapes
// see increasing values; the consumer lag of the source's subtask 0 is set by
// the test (set_consumer_lag), the other subtask's lag stays at 120 records.
//
// Thread-safety: set_consumer_lag may be called while targets are scraped.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/testutil/fake_http_server.h"

namespace promlite::integration {

class FlussFlinkTargets {
 public:
  // One scrape job of the dashboard's setup and the addresses it scrapes.
  struct Job {
    std::string name;
    std::vector<std::string> addresses;
  };

  FlussFlinkTargets() : start_(std::chrono::steady_clock::now()) {
    coordinator_ = serve([this] { return coordinator(); });
    for (int id = 1; id <= 2; ++id) tablets_.push_back(serve([this, id] { return tablet(id); }));
    jobmanager_ = serve([this] { return jobmanager(); });
    taskmanager_ = serve([this] { return taskmanager(); });
    producer_ = serve([this] { return producer(); });
  }

  std::vector<Job> jobs() const {
    return {{"fluss-coordinator", {coordinator_->address()}},
            {"fluss-tabletserver", {tablets_[0]->address(), tablets_[1]->address()}},
            {"flink-jobmanager", {jobmanager_->address()}},
            {"flink-taskmanager", {taskmanager_->address()}},
            {"producer", {producer_->address()}}};
  }
  size_t num_targets() const { return 6; }

  void set_consumer_lag(double records) { lag_.store(records); }

 private:
  using Body = std::function<std::string()>;

  static std::unique_ptr<testutil::FakeHttpServer> serve(Body body) {
    return std::make_unique<testutil::FakeHttpServer>(
        [body = std::move(body)](const testutil::FakeRequest&) {
          return testutil::FakeResponse{200, "text/plain; version=0.0.4; charset=utf-8", body()};
        });
  }

  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  // A counter's value: `base` plus `per_second` for every second since start.
  double grow(double base, double per_second) const {
    return static_cast<double>(static_cast<long long>(base + per_second * seconds()));
  }

  // Java's Double.toString, which simpleclient uses for sample values.
  static std::string jdouble(double v) {
    char buf[64];
    if (v != 0 && (v >= 1e7 || v < 1e-3)) {
      std::snprintf(buf, sizeof buf, "%.10E", v);
      std::string s(buf);  // "1.2345678000E+07" -> "1.2345678E7"
      size_t e = s.find('E');
      std::string mant = s.substr(0, e), exp = s.substr(e + 1);
      while (mant.back() == '0' && mant[mant.size() - 2] != '.') mant.pop_back();
      int x = std::stoi(exp);
      return mant + "E" + std::to_string(x);
    }
    std::snprintf(buf, sizeof buf, "%.6f", v);
    std::string s(buf);
    while (s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
    return s;
  }

  // `# HELP`/`# TYPE` as the Fluss/Flink reporters write them.
  static std::string family(const std::string& name, const std::string& metric,
                            const std::string& scope, const char* type) {
    return "# HELP " + name + " " + metric + " (scope: " + scope + ")\n# TYPE " + name + " " +
           type + "\n";
  }
  static std::string sample(const std::string& name, const std::string& labels, double v) {
    return name + "{" + labels + "} " + jdouble(v) + "\n";
  }

  std::string coordinator() const {
    const std::string l = "cluster_id=\"fluss-prod\",host=\"fluss-coordinator-0\",server_id=\"0\",";
    std::string out;
    const std::string scope = "coordinator";
    out += family("fluss_coordinator_activeCoordinatorCount", "activeCoordinatorCount", scope,
                  "gauge");
    out += sample("fluss_coordinator_activeCoordinatorCount", l, 1);
    out += family("fluss_coordinator_activeTabletServerCount", "activeTabletServerCount", scope,
                  "gauge");
    out += sample("fluss_coordinator_activeTabletServerCount", l, 2);
    out += family("fluss_coordinator_tableCount", "tableCount", scope, "gauge");
    out += sample("fluss_coordinator_tableCount", l, 3);
    out += family("fluss_coordinator_request_requestQueueSize", "requestQueueSize",
                  "coordinator_request", "gauge");
    out += sample("fluss_coordinator_request_requestQueueSize", l, 0);
    // A Histogram: the queue time of every event, then one per event type.
    out += family("fluss_coordinator_eventQueueTimeMs", "eventQueueTimeMs", scope, "summary");
    out += sample("fluss_coordinator_eventQueueTimeMs_count", l, grow(5000, 23));
    for (const char* q : {"0.5", "0.75", "0.95", "0.98", "0.99", "0.999"}) {
      out += sample("fluss_coordinator_eventQueueTimeMs", l + "quantile=\"" + q + "\",", 0.4);
    }
    const std::string ev = "fluss_coordinator_event_eventProcessingTimeMs";
    out += family(ev, "eventProcessingTimeMs", "coordinator_event", "summary");
    const std::pair<const char*, double> types[] = {{"AdjustIsrReceivedEvent", 2},
                                                    {"CommitKvSnapshotEvent", 6},
                                                    {"CommitRemoteLogManifestEvent", 15}};
    for (const auto& [type, per_second] : types) {
      std::string le = l + "event_type=\"" + type + "\",";
      out += sample(ev + "_count", le, grow(1000, per_second));
      for (const char* q : {"0.5", "0.75", "0.95", "0.98", "0.99", "0.999"}) {
        out += sample(ev, le + "quantile=\"" + q + "\",", 1.5);
      }
    }
    out += family("fluss_coordinator_status_JVM_CPU_load", "load", "coordinator_status_JVM_CPU",
                  "gauge");
    out += sample("fluss_coordinator_status_JVM_CPU_load", l, 0.0125);
    return out;
  }

  std::string tablet(int id) const {
    const std::string l = "cluster_id=\"fluss-prod\",rack=\"\",host=\"fluss-tablet-server-" +
                          std::to_string(id - 1) + "\",server_id=\"" + std::to_string(id) + "\",";
    const std::string scope = "tabletserver";
    std::string out;
    for (const auto& [metric, v] :
         std::vector<std::pair<std::string, double>>{{"messagesInPerSecond", 1180.0 * id},
                                                     {"bytesInPerSecond", 2.4576E5 * id},
                                                     {"bytesOutPerSecond", 1.31072E5 * id},
                                                     {"leaderCount", 12},
                                                     {"replicaCount", 24},
                                                     {"underReplicated", 0}}) {
      std::string name = "fluss_tabletserver_" + metric;
      out += family(name, metric, scope, "gauge");
      out += sample(name, l, v);
    }
    const std::string rps = "fluss_tabletserver_request_requestsPerSecond";
    out += family(rps, "requestsPerSecond", "tabletserver_request", "gauge");
    out += sample(rps, l + "request=\"produceLog\",", 40.0 * id);
    out += sample(rps, l + "request=\"fetchLogClient\",", 25.0 * id);
    out += sample(rps, l + "request=\"fetchLogFollower\",", 50.0);
    const std::string tmi = "fluss_tabletserver_table_messagesInPerSecond";
    out += family(tmi, "messagesInPerSecond", "tabletserver_table", "gauge");
    out += sample(tmi, l + "database=\"fluss\",table=\"orders\",", 1180.0 * id);
    return out;
  }

  std::string jobmanager() const {
    const std::string l = "host=\"flink-jobmanager-0\",";
    std::string out;
    out += family("flink_jobmanager_numRunningJobs", "numRunningJobs", "jobmanager", "gauge");
    out += sample("flink_jobmanager_numRunningJobs", l, 1);
    out +=
        family("flink_jobmanager_taskSlotsAvailable", "taskSlotsAvailable", "jobmanager", "gauge");
    out += sample("flink_jobmanager_taskSlotsAvailable", l, 2);
    out += family("flink_jobmanager_job_uptime", "uptime", "jobmanager_job", "gauge");
    out += sample("flink_jobmanager_job_uptime",
                  l + "job_id=\"5f0c6d2e9a3b4c1d8e7f6a5b4c3d2e1f\",job_name=\"fluss-aggregator\",",
                  grow(3.6E6, 1000));
    return out;
  }

  // Flink's task and operator scopes, label values with Flink's default filter
  // (characters outside [a-zA-Z0-9:_] become '_').
  std::string taskmanager() const {
    struct Task {
      const char* name;
      const char* task_id;
      const char* operator_id;
      double in_per_second, out_per_second, backpressured_ms;
    };
    const Task tasks[] = {
        {"Source:_fluss_orders", "cbc357ccb763df2852fee8c4fc7d55f2",
         "cbc357ccb763df2852fee8c4fc7d55f2", 600, 600, 240},
        {"Window_aggregate____Sink:_fluss_order_totals", "90bea66de1c231edf33913ecd54406c1",
         "6cdc5bb954874d922eaee11a8e7ca5e2", 600, 20, 0}};
    const std::string job =
        "job_id=\"5f0c6d2e9a3b4c1d8e7f6a5b4c3d2e1f\",job_name=\"fluss-aggregator\",";
    const std::string tm = "host=\"10.0.1.17\",tm_id=\"flink-taskmanager-0\",";
    std::string in, out, lag, bp;
    for (const Task& t : tasks) {
      for (int sub = 0; sub < 2; ++sub) {
        std::string task = tm + job + "task_id=\"" + t.task_id +
                           "\",task_attempt_id=\"a1b2c3d4e5f60718293a4b5c6d7e8f9" +
                           std::to_string(sub) + "\",task_name=\"" + t.name +
                           "\",task_attempt_num=\"0\",subtask_index=\"" + std::to_string(sub) +
                           "\",";
        std::string op =
            task + "operator_id=\"" + t.operator_id + "\",operator_name=\"" + t.name + "\",";
        in += sample("flink_taskmanager_job_task_operator_numRecordsIn", op,
                     grow(1.2345678E7, t.in_per_second / 2));
        out += sample("flink_taskmanager_job_task_operator_numRecordsOut", op,
                      grow(9.87654E6, t.out_per_second / 2));
        bp += sample("flink_taskmanager_job_task_backPressuredTimeMsPerSecond", task,
                     t.backpressured_ms);
        if (t.backpressured_ms > 0) {  // the source operators carry the Fluss consumer lag
          lag += sample("flink_taskmanager_job_task_operator_fluss_consumer_lag", op,
                        sub == 0 ? lag_.load() : 120);
        }
      }
    }
    const std::string op_scope = "taskmanager_job_task_operator";
    return family("flink_taskmanager_job_task_operator_numRecordsIn", "numRecordsIn", op_scope,
                  "gauge") +
           in +
           family("flink_taskmanager_job_task_operator_numRecordsOut", "numRecordsOut", op_scope,
                  "gauge") +
           out +
           family("flink_taskmanager_job_task_backPressuredTimeMsPerSecond",
                  "backPressuredTimeMsPerSecond", "taskmanager_job_task", "gauge") +
           bp +
           family("flink_taskmanager_job_task_operator_fluss_consumer_lag", "consumer_lag",
                  "taskmanager_job_task_operator_fluss", "gauge") +
           lag +
           family("flink_taskmanager_Status_JVM_CPU_Load", "Load", "taskmanager_Status_JVM_CPU",
                  "gauge") +
           sample("flink_taskmanager_Status_JVM_CPU_Load", tm, 0.031);
  }

  // The producer's own endpoint, written with a Prometheus client library.
  std::string producer() const {
    const std::string l = "client_id=\"order-producer-1\",table=\"fluss.orders\"";
    double n = grow(250000, 250);  // records written so far
    std::string out =
        "# HELP fluss_client_writer_records_total Records written to Fluss.\n"
        "# TYPE fluss_client_writer_records_total counter\n"
        "fluss_client_writer_records_total{" +
        l + "} " + jdouble(n) +
        "\n# HELP fluss_client_writer_sendLatencyMs Latency of a write batch send, in "
        "milliseconds.\n# TYPE fluss_client_writer_sendLatencyMs histogram\n";
    // One batch per 100 records; the share of batches at or below each bound.
    const std::pair<const char*, double> buckets[] = {
        {"1.0", 0.10},  {"2.5", 0.30},  {"5.0", 0.70},   {"10.0", 0.90},
        {"25.0", 0.97}, {"50.0", 0.99}, {"100.0", 1.00}, {"+Inf", 1.00}};
    double batches = static_cast<double>(static_cast<long long>(n / 100));
    for (const auto& [le, share] : buckets) {
      out += "fluss_client_writer_sendLatencyMs_bucket{" + l + ",le=\"" + le + "\"} " +
             jdouble(static_cast<double>(static_cast<long long>(batches * share))) + "\n";
    }
    out += "fluss_client_writer_sendLatencyMs_sum{" + l + "} " + jdouble(batches * 6.2) + "\n";
    out += "fluss_client_writer_sendLatencyMs_count{" + l + "} " + jdouble(batches) + "\n";
    return out;
  }

  const std::chrono::steady_clock::time_point start_;
  std::atomic<double> lag_{800};
  std::unique_ptr<testutil::FakeHttpServer> coordinator_;
  std::vector<std::unique_ptr<testutil::FakeHttpServer>> tablets_;
  std::unique_ptr<testutil::FakeHttpServer> jobmanager_;
  std::unique_ptr<testutil::FakeHttpServer> taskmanager_;
  std::unique_ptr<testutil::FakeHttpServer> producer_;
};

}  // namespace promlite::integration
