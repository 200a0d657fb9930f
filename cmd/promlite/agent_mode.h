// Agent mode (--agent) pieces of the promlite process: the configuration
// sections Prometheus's agent refuses, and the agent storage's self-metrics.
#pragma once

#include <string>
#include <string_view>

#include "api/self_metrics.h"
#include "config/config.h"
#include "model/status.h"
#include "tsdb/agent/agent_storage.h"

namespace promlite::cmd {

// Prometheus's config.LoadFile in agent mode: `alerting` with Alertmanagers or
// alert relabeling, `rule_files` and `remote_read` are refused, in that order,
// with "field <name> is not allowed in agent mode". Empty sections pass.
// Checked on the YAML text, before promlite's loader (which refuses alerting
// and remote_read in any mode as unsupported); text that is not YAML passes
// here and fails in the loader.
Status check_agent_config(std::string_view yaml);

// config::load_config for agent mode, with the text parsed once when it is
// valid: a loaded configuration is refused only for rule_files (promlite's
// loader refuses any alerting or remote_read section). When the loader fails,
// check_agent_config() runs on the text so that its message comes first, as
// in Prometheus. Same result as check_agent_config() then load_config().
Result<config::Config> load_agent_config(const std::string& yaml, const std::string& filename);

// prometheus_agent_* (as Prometheus's tsdb/agent) and the WAL's
// prometheus_tsdb_wal_* metrics, read from `storage` at each scrape.
// `storage` must outlive `m`'s use.
void register_agent_metrics(api::SelfMetrics& m, const tsdb::agent::AgentStorage& storage);

}  // namespace promlite::cmd
