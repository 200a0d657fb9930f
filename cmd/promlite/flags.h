// Command-line flags, in Prometheus's style and names:
//   --config.file=prometheus.yml --storage.tsdb.path=data/ --web.listen-address=:9090
// Values may follow `=` or come as the next argument; booleans take --flag,
// --no-flag or --flag=true|false. Unknown flags and bad values are refused with
// a message naming them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/duration.h"
#include "model/log.h"
#include "model/status.h"

namespace promlite::cmd {

struct Flags {
  std::string config_file;  // empty: the embedded default
  std::string storage_path = "data/";
  model::Duration retention_time = 30 * model::kDay;
  uint64_t retention_size = 0;                // bytes; 0: no size limit
  uint64_t remote_wal_max_size = 4ull << 30;  // WAL bytes kept for lagging remote_write
  // Committed samples are fsynced to the WAL at most this long after commit
  // (a kill -9 loses nothing; an OS crash or power cut loses at most this).
  model::Duration wal_sync_interval = model::kSecond;
  // Memory for chunks already in the store kept in the head (the newest 2 h
  // at most) so that queries over recent data read memory; 0: none.
  uint64_t head_cache_size = 64ull << 20;
  std::string listen_address = "0.0.0.0:9090";
  bool enable_lifecycle = false;              // /-/quit; /-/reload is always on (see README)
  bool enable_remote_write_receiver = false;  // POST /api/v1/write
  bool enable_admin_api = false;              // /api/v1/admin/tsdb/*
  std::string cors_origin = ".*";             // fully anchored regex of allowed Origins
  model::Duration query_timeout = 2 * model::kMinute;
  int64_t query_max_samples = 50'000'000;
  int query_max_concurrency = 20;
  model::Duration query_lookback_delta = 5 * model::kMinute;
  // --enable-feature=a,b (repeatable): every name given, in order; the ones
  // promlite knows set the switches below, the others are logged and ignored
  // at startup as Prometheus does.
  std::vector<std::string> enable_features;
  bool promql_experimental_functions = false;  // promql-experimental-functions
  bool promql_duration_expr = false;           // promql-duration-expr
  // --agent: scrape and remote-write only, as Prometheus's agent mode (no
  // local queries; storage is a WAL under agent_storage_path).
  bool agent = false;
  std::string agent_storage_path = "data-agent/";
  uint64_t agent_wal_segment_size = 0;  // bytes; 0: the default (128MB)
  model::Duration agent_truncate_frequency = 2 * model::kHour;
  model::Duration agent_retention_min_time = 5 * model::kMinute;
  model::Duration agent_retention_max_time = 4 * model::kHour;
  bool agent_no_lockfile = false;
  // Flags given on the command line that only one mode accepts, as "--name"
  // (storage.tsdb.* and query.* are server-only, storage.agent.* agent-only).
  std::vector<std::string> server_only_given;
  std::vector<std::string> agent_only_given;
  log::Level log_level = log::Level::kInfo;
  log::Format log_format = log::Format::kLogfmt;
  bool version = false;
  bool help = false;
};

// Parses argv[1..]. The error message names the flag and the value.
Result<Flags> parse_flags(const std::vector<std::string>& args);

// Prometheus's check after parsing: server-only flags with --agent, or
// agent-only flags without it, are refused ("The following flag(s) can not be
// used in agent mode: [\"--storage.tsdb.path\"]"); promlite then exits 3.
Status check_mode_flags(const Flags& f);

// Every flag with its effective value, as /api/v1/status/flags lists them.
std::vector<std::pair<std::string, std::string>> flag_values(const Flags& f);

// The names in f.enable_features that promlite does not know.
std::vector<std::string> unknown_features(const Flags& f);

// The --help text.
std::string usage();

// Splits "host:port" (host may be empty or a bracketed IPv6 address).
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
Result<HostPort> parse_listen_address(const std::string& addr);

}  // namespace promlite::cmd
