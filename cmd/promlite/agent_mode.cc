#include "cmd/promlite/agent_mode.h"

#include <yaml-cpp/yaml.h>

namespace promlite::cmd {

namespace {

bool non_empty_sequence(const YAML::Node& n) { return n && n.IsSequence() && n.size() > 0; }

Status not_allowed(const char* field) {
  return invalid_argument(std::string("field ") + field + " is not allowed in agent mode");
}

}  // namespace

Status check_agent_config(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception&) {
    return Status::ok();  // the loader reports it
  }
  if (!root || !root.IsMap()) return Status::ok();
  if (const YAML::Node alerting = root["alerting"]; alerting && alerting.IsMap()) {
    if (non_empty_sequence(alerting["alertmanagers"]) ||
        non_empty_sequence(alerting["alert_relabel_configs"])) {
      return not_allowed("alerting");
    }
  }
  if (non_empty_sequence(root["rule_files"])) return not_allowed("rule_files");
  if (non_empty_sequence(root["remote_read"])) return not_allowed("remote_read");
  return Status::ok();
}

Result<config::Config> load_agent_config(const std::string& yaml, const std::string& filename) {
  Result<config::Config> loaded = config::load_config(yaml, filename);
  if (!loaded) {
    if (Status refused = check_agent_config(yaml); !refused) return refused;
    return loaded;
  }
  // Loaded: no alerting or remote_read section was present.
  if (!loaded->rule_files.empty()) return not_allowed("rule_files");
  return loaded;
}

void register_agent_metrics(api::SelfMetrics& m, const tsdb::agent::AgentStorage& storage) {
  using Kind = api::CallbackCollector::Kind;
  using Stats = tsdb::agent::AgentStats;
  const auto* st = &storage;
  auto add = [&](const char* name, const char* help, Kind kind, auto fn) {
    m.add_callback(name, help, kind, [st, fn] { return static_cast<double>(fn(st->stats())); });
  };
  add("prometheus_agent_active_series", "Number of active series being tracked by the WAL storage",
      Kind::kGauge, [](const Stats& s) { return s.active_series; });
  add("prometheus_agent_deleted_series", "Number of series pending deletion from the WAL",
      Kind::kGauge, [](const Stats& s) { return s.deleted_series; });
  add("prometheus_agent_samples_appended_total", "Total number of samples appended to the storage",
      Kind::kCounter, [](const Stats& s) { return s.samples_appended; });
  add("prometheus_agent_out_of_order_samples_total",
      "Total number of out of order samples ingestion failed attempts.", Kind::kCounter,
      [](const Stats& s) { return s.out_of_order; });
  add("prometheus_agent_corruptions_total", "Total number of WAL corruptions.", Kind::kCounter,
      [](const Stats& s) { return s.wal_corruptions; });
  add("prometheus_agent_data_replay_duration_seconds", "Time taken to replay the data on disk.",
      Kind::kGauge, [](const Stats& s) { return s.replay_seconds; });
  add("prometheus_agent_checkpoint_creations_total",
      "Total number of checkpoint creations attempted.", Kind::kCounter,
      [](const Stats& s) { return s.checkpoints + s.checkpoint_failures; });
  add("prometheus_agent_checkpoint_creations_failed_total",
      "Total number of checkpoint creations that failed.", Kind::kCounter,
      [](const Stats& s) { return s.checkpoint_failures; });
  add("prometheus_agent_checkpoint_deletions_total",
      "Total number of checkpoint deletions attempted.", Kind::kCounter,
      [](const Stats& s) { return s.checkpoint_deletions; });
  add("prometheus_agent_truncate_duration_seconds_sum", "Duration of WAL truncation.",
      Kind::kCounter, [](const Stats& s) { return s.truncate_seconds; });
  add("prometheus_agent_truncate_duration_seconds_count", "Duration of WAL truncation.",
      Kind::kCounter, [](const Stats& s) { return s.truncations; });
  add("promlite_agent_series_created_total", "Series created in the agent's series map.",
      Kind::kCounter, [](const Stats& s) { return s.series_created; });
  add("promlite_agent_memory_bytes", "Bytes held by the agent's series map.", Kind::kGauge,
      [](const Stats& s) { return s.memory_bytes; });
  add("prometheus_tsdb_wal_storage_size_bytes", "Size of the write log directory.", Kind::kGauge,
      [](const Stats& s) { return s.wal_bytes; });
  add("prometheus_tsdb_wal_segment_current",
      "Write log segment index that TSDB is currently writing to.", Kind::kGauge,
      [](const Stats& s) { return s.wal.current_segment; });
  add("prometheus_tsdb_wal_writes_failed_total", "Total number of write log writes that failed.",
      Kind::kCounter, [](const Stats& s) { return s.wal.write_errors; });
  add("prometheus_tsdb_wal_fsync_duration_seconds_sum", "Time spent in WAL fsyncs.", Kind::kCounter,
      [](const Stats& s) { return s.wal.fsync_seconds; });
  add("prometheus_tsdb_wal_fsync_duration_seconds_count", "WAL fsyncs.", Kind::kCounter,
      [](const Stats& s) { return s.wal.fsyncs; });
}

}  // namespace promlite::cmd
