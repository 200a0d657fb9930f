#include "cmd/promlite/flags.h"

#include <re2/re2.h>

#include <charconv>
#include <functional>
#include <sstream>

#include "config/config.h"

namespace promlite::cmd {
namespace {

enum class Kind { kString, kDuration, kBytes, kInt, kBool };

struct FlagDef {
  const char* name;
  Kind kind;
  const char* default_text;
  const char* help;
  std::function<Status(Flags&, const std::string&)> set;
};

Result<int64_t> parse_int(const std::string& v) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) {
    return invalid_argument("expected an integer");
  }
  return n;
}

Result<bool> parse_bool(const std::string& v) {
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  return invalid_argument("expected true or false");
}

const std::vector<FlagDef>& flag_defs() {
  static const std::vector<FlagDef> defs = {
      {"config.file", Kind::kString, "",
       "Prometheus configuration file path. Without it promlite runs its embedded default: it "
       "scrapes itself and, inside Kubernetes, pods annotated prometheus.io/scrape=true.",
       [](Flags& f, const std::string& v) {
         f.config_file = v;
         return Status::ok();
       }},
      {"storage.tsdb.path", Kind::kString, "data/", "Base path for metrics storage.",
       [](Flags& f, const std::string& v) {
         if (v.empty()) return invalid_argument("must not be empty");
         f.storage_path = v;
         return Status::ok();
       }},
      {"storage.tsdb.retention.time", Kind::kDuration, "30d",
       "How long to retain samples in storage.",
       [](Flags& f, const std::string& v) {
         auto d = model::parse_duration(v);
         if (!d) return d.status();
         f.retention_time = *d;
         return Status::ok();
       }},
      {"storage.tsdb.retention.size", Kind::kBytes, "0",
       "Maximum number of bytes the data directory may use (units: B, KB, MB, GB, TB, PB, EB; "
       "base 2). 0 disables the limit.",
       [](Flags& f, const std::string& v) {
         auto b = config::parse_bytes(v);
         if (!b) return b.status();
         f.retention_size = *b;
         return Status::ok();
       }},
      {"storage.remote.wal-max-size", Kind::kBytes, "4GB",
       "Most WAL bytes kept for remote_write destinations that lag behind (down or slow); "
       "beyond it the oldest segments are deleted and the samples in them are not sent.",
       [](Flags& f, const std::string& v) {
         auto b = config::parse_bytes(v);
         if (!b) return b.status();
         f.remote_wal_max_size = *b;
         return Status::ok();
       }},
      {"storage.tsdb.wal-sync-interval", Kind::kDuration, "1s",
       "How often the write-ahead log is fsynced. Samples committed longer ago than this "
       "survive an OS crash or power loss (a killed process loses nothing). 0s fsyncs every "
       "commit.",
       [](Flags& f, const std::string& v) {
         auto d = model::parse_duration(v);
         if (!d) return d.status();
         f.wal_sync_interval = *d;
         return Status::ok();
       }},
      {"storage.tsdb.head-cache-size", Kind::kBytes, "64MB",
       "Memory for the newest chunks (up to 2h old) kept in the head after they are written to "
       "the store, so that queries over recent data read memory instead of the store (units: B, "
       "KB, MB, GB, TB, PB, EB; base 2). 0 drops chunks from memory once written.",
       [](Flags& f, const std::string& v) {
         auto b = config::parse_bytes(v);
         if (!b) return b.status();
         f.head_cache_size = *b;
         return Status::ok();
       }},
      {"agent", Kind::kBool, "false", "Run promlite in agent mode: scrape and remote-write only.",
       [](Flags& f, const std::string& v) {
         auto b = parse_bool(v);
         if (!b) return b.status();
         f.agent = *b;
         return Status::ok();
       }},
      {"storage.agent.path", Kind::kString, "data-agent/", "Base path for metrics storage.",
       [](Flags& f, const std::string& v) {
         if (v.empty()) return invalid_argument("must not be empty");
         f.agent_storage_path = v;
         return Status::ok();
       }},
      {"storage.agent.wal-segment-size", Kind::kBytes, "128MB",
       "Size at which to split WAL segment files (10MB to 256MB).",
       [](Flags& f, const std::string& v) {
         auto b = config::parse_bytes(v);
         if (!b) return b.status();
         if (*b < (10u << 20) || *b > (256u << 20)) {
           return invalid_argument("must be set between 10MB and 256MB");
         }
         f.agent_wal_segment_size = *b;
         return Status::ok();
       }},
      {"storage.agent.wal-truncate-frequency", Kind::kDuration, "2h",
       "The frequency at which to truncate the WAL and remove old data.",
       [](Flags& f, const std::string& v) {
         auto d = model::parse_duration(v);
         if (!d) return d.status();
         if (*d <= 0) return invalid_argument("must be positive");
         f.agent_truncate_frequency = *d;
         return Status::ok();
       }},
      {"storage.agent.retention.min-time", Kind::kDuration, "5m",
       "Minimum age samples may be before being considered for deletion when the WAL is "
       "truncated.",
       [](Flags& f, const std::string& v) {
         auto d = model::parse_duration(v);
         if (!d) return d.status();
         f.agent_retention_min_time = *d;
         return Status::ok();
       }},
      {"storage.agent.retention.max-time", Kind::kDuration, "4h",
       "Maximum age samples may be before being forcibly deleted when the WAL is truncated.",
       [](Flags& f, const std::string& v) {
         auto d = model::parse_duration(v);
         if (!d) return d.status();
         f.agent_retention_max_time = *d;
         return Status::ok();
       }},
      {"storage.agent.no-lockfile", Kind::kBool, "false",
       "Do not create lockfile in data directory.",
       [](Flags& f, const std::string& v) {
         auto b = parse_bool(v);
         if (!b) return b.status();
         f.agent_no_lockfile = *b;
         return Status::ok();
       }},
      {"web.listen-address", Kind::kString, "0.0.0.0:9090",
       "Address to listen on for the API, /metrics and health endpoints.",
       [](Flags& f, const std::string& v) {
         auto hp = parse_listen_address(v);
         if (!hp) return hp.status();
         f.listen_address = v;
         return Status::ok();
       }},
      {"web.enable-lifecycle", Kind::kBool, "false",
       "Enable shutdown via HTTP (/-/quit). Reload (/-/reload) is always enabled.",
       [](Flags& f, const std::string& v) {
         auto b = parse_bool(v);
         if (!b) return b.status();
         f.enable_lifecycle = *b;
         return Status::ok();
       }},
      {"web.enable-remote-write-receiver", Kind::kBool, "false",
       "Accept remote-write requests (protobuf + snappy) on /api/v1/write.",
       [](Flags& f, const std::string& v) {
         auto b = parse_bool(v);
         if (!b) return b.status();
         f.enable_remote_write_receiver = *b;
         return Status::ok();
       }},
      {"web.enable-admin-api", Kind::kBool, "false",
       "Enable API endpoints for admin control actions (/api/v1/admin/tsdb/*).",
       [](Flags& f, const std::string& v) {
         auto b = parse_bool(v);
         if (!b) return b.status();
         f.enable_admin_api = *b;
         return Status::ok();
       }},
      {"web.cors.origin", Kind::kString, ".*",
       "Regex for CORS origin. It is fully anchored. Example: 'https?://(domain1|domain2)\\.com'",
       [](Flags& f, const std::string& v) {
         re2::RE2 re("^(?:" + v + ")$", re2::RE2::Quiet);
         if (!re.ok()) return invalid_argument("could not compile CORS regex: " + re.error());
         f.cors_origin = v;
         return Status::ok();
       }},
      {"query.timeout", Kind::kDuration, "2m",
       "Maximum time a query may take before it is aborted.",
       [](Flags& f, const std::string& v) {
         auto d = model::parse_duration(v);
         if (!d) return d.status();
         if (*d <= 0) return invalid_argument("must be positive");
         f.query_timeout = *d;
         return Status::ok();
       }},
      {"query.max-samples", Kind::kInt, "50000000",
       "Maximum number of samples a single query can load into memory.",
       [](Flags& f, const std::string& v) {
         auto n = parse_int(v);
         if (!n) return n.status();
         if (*n <= 0) return invalid_argument("must be positive");
         f.query_max_samples = *n;
         return Status::ok();
       }},
      {"query.max-concurrency", Kind::kInt, "20",
       "Maximum number of queries executed concurrently.",
       [](Flags& f, const std::string& v) {
         auto n = parse_int(v);
         if (!n) return n.status();
         if (*n <= 0 || *n > 10000) return invalid_argument("must be between 1 and 10000");
         f.query_max_concurrency = static_cast<int>(*n);
         return Status::ok();
       }},
      {"query.lookback-delta", Kind::kDuration, "5m",
       "How far back to look for a sample when evaluating an instant vector selector.",
       [](Flags& f, const std::string& v) {
         auto d = model::parse_duration(v);
         if (!d) return d.status();
         if (*d <= 0) return invalid_argument("must be positive");
         f.query_lookback_delta = *d;
         return Status::ok();
       }},
      {"enable-feature", Kind::kString, "",
       "Comma-separated feature names to enable (repeatable): promql-experimental-functions, "
       "promql-duration-expr. Unknown names are logged and ignored.",
       [](Flags& f, const std::string& v) {
         std::stringstream in(v);
         for (std::string name; std::getline(in, name, ',');) {
           if (name.empty()) continue;
           f.enable_features.push_back(name);
           if (name == "promql-experimental-functions") f.promql_experimental_functions = true;
           if (name == "promql-duration-expr") f.promql_duration_expr = true;
         }
         return Status::ok();
       }},
      {"log.level", Kind::kString, "info",
       "Only log messages with the given severity or above: "
       "debug, info, warn, error.",
       [](Flags& f, const std::string& v) {
         auto l = log::parse_level(v);
         if (!l) return l.status();
         f.log_level = *l;
         return Status::ok();
       }},
      {"log.format", Kind::kString, "logfmt", "Output format of log messages: logfmt, json.",
       [](Flags& f, const std::string& v) {
         auto l = log::parse_format(v);
         if (!l) return l.status();
         f.log_format = *l;
         return Status::ok();
       }},
      {"version", Kind::kBool, "false", "Show the version and exit.",
       [](Flags& f, const std::string& v) {
         auto b = parse_bool(v);
         if (!b) return b.status();
         f.version = *b;
         return Status::ok();
       }},
      {"help", Kind::kBool, "false", "Show this help and exit.",
       [](Flags& f, const std::string& v) {
         auto b = parse_bool(v);
         if (!b) return b.status();
         f.help = *b;
         return Status::ok();
       }},
  };
  return defs;
}

std::string join_features(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

enum class Mode { kBoth, kServerOnly, kAgentOnly };

// As Prometheus marks them: TSDB storage and the query engine belong to the
// server, storage.agent.* to the agent.
Mode flag_mode(std::string_view name) {
  if (name.starts_with("storage.tsdb.") || name.starts_with("query.")) return Mode::kServerOnly;
  if (name.starts_with("storage.agent.")) return Mode::kAgentOnly;
  return Mode::kBoth;
}

// Go's %q of a []string: ["--a" "--b"].
std::string quote_list(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? " \"" : "\"") + names[i] + "\"";
  return out + "]";
}

const FlagDef* find_flag(std::string_view name) {
  for (const auto& d : flag_defs()) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> unknown_features(const Flags& f) {
  std::vector<std::string> out;
  for (const auto& n : f.enable_features) {
    if (n != "promql-experimental-functions" && n != "promql-duration-expr") out.push_back(n);
  }
  return out;
}

Result<HostPort> parse_listen_address(const std::string& addr) {
  auto bad = [&](const std::string& why) {
    return invalid_argument("invalid listen address \"" + addr + "\": " + why);
  };
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return bad("missing port");
  HostPort hp;
  hp.host = addr.substr(0, colon);
  if (hp.host.size() >= 2 && hp.host.front() == '[' && hp.host.back() == ']') {
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  } else if (hp.host.find(':') != std::string::npos) {
    return bad("IPv6 addresses must be in brackets");
  }
  std::string port = addr.substr(colon + 1);
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || p != port.data() + port.size() || value > 65535) {
    return bad("invalid port \"" + port + "\"");
  }
  hp.port = static_cast<uint16_t>(value);
  return hp;
}

Result<Flags> parse_flags(const std::vector<std::string>& args) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h") {
      flags.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      return invalid_argument("unexpected argument '" + arg + "', try --help");
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const FlagDef* def = find_flag(name);
    if (!def && !has_value && name.rfind("no-", 0) == 0) {
      const FlagDef* neg = find_flag(name.substr(3));
      if (neg && neg->kind == Kind::kBool) {
        def = neg;
        value = "false";
        has_value = true;
      }
    }
    if (!def) return invalid_argument("unknown long flag '--" + name + "', try --help");
    if (!has_value) {
      if (def->kind == Kind::kBool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return invalid_argument("expected argument for flag '--" + name + "'");
      }
    }
    if (Status s = def->set(flags, value); !s) {
      return invalid_argument("invalid value \"" + value + "\" for flag '--" + name +
                              "': " + s.message());
    }
    Mode mode = flag_mode(def->name);
    if (mode == Mode::kServerOnly) flags.server_only_given.push_back(std::string("--") + def->name);
    if (mode == Mode::kAgentOnly) flags.agent_only_given.push_back(std::string("--") + def->name);
  }
  return flags;
}

Status check_mode_flags(const Flags& f) {
  if (f.agent && !f.server_only_given.empty()) {
    return invalid_argument("The following flag(s) can not be used in agent mode: " +
                            quote_list(f.server_only_given));
  }
  if (!f.agent && !f.agent_only_given.empty()) {
    return invalid_argument("The following flag(s) can only be used in agent mode: " +
                            quote_list(f.agent_only_given));
  }
  return Status::ok();
}

std::vector<std::pair<std::string, std::string>> flag_values(const Flags& f) {
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  const char* levels[] = {"debug", "info", "warn", "error"};
  return {
      {"config.file", f.config_file},
      {"storage.tsdb.path", f.storage_path},
      {"storage.tsdb.retention.time", model::format_duration(f.retention_time)},
      {"storage.tsdb.retention.size", std::to_string(f.retention_size) + "B"},
      {"storage.remote.wal-max-size", std::to_string(f.remote_wal_max_size) + "B"},
      {"storage.tsdb.wal-sync-interval", model::format_duration(f.wal_sync_interval)},
      {"storage.tsdb.head-cache-size", std::to_string(f.head_cache_size) + "B"},
      {"agent", b(f.agent)},
      {"storage.agent.path", f.agent_storage_path},
      {"storage.agent.wal-segment-size",
       std::to_string(f.agent_wal_segment_size ? f.agent_wal_segment_size : 128u << 20) + "B"},
      {"storage.agent.wal-truncate-frequency", model::format_duration(f.agent_truncate_frequency)},
      {"storage.agent.retention.min-time", model::format_duration(f.agent_retention_min_time)},
      {"storage.agent.retention.max-time", model::format_duration(f.agent_retention_max_time)},
      {"storage.agent.no-lockfile", b(f.agent_no_lockfile)},
      {"web.listen-address", f.listen_address},
      {"web.enable-lifecycle", b(f.enable_lifecycle)},
      {"web.enable-remote-write-receiver", b(f.enable_remote_write_receiver)},
      {"web.enable-admin-api", b(f.enable_admin_api)},
      {"web.cors.origin", f.cors_origin},
      {"query.timeout", model::format_duration(f.query_timeout)},
      {"query.max-samples", std::to_string(f.query_max_samples)},
      {"query.max-concurrency", std::to_string(f.query_max_concurrency)},
      {"query.lookback-delta", model::format_duration(f.query_lookback_delta)},
      {"enable-feature", join_features(f.enable_features)},
      {"log.level", levels[static_cast<int>(f.log_level)]},
      {"log.format", f.log_format == log::Format::kJson ? "json" : "logfmt"},
  };
}

std::string usage() {
  std::ostringstream out;
  out << "usage: promlite [<flags>]\n\n"
         "A lightweight, Prometheus-compatible monitoring server: discovers and scrapes\n"
         "targets, stores samples, and answers PromQL over Prometheus's HTTP API.\n\n"
         "Flags:\n";
  for (const auto& d : flag_defs()) {
    std::string left = std::string("  --") + d.name;
    if (d.kind != Kind::kBool)
      left += d.kind == Kind::kDuration ? "=DURATION"
              : d.kind == Kind::kBytes  ? "=SIZE"
              : d.kind == Kind::kInt    ? "=INT"
                                        : "=STRING";
    out << left << "\n      " << d.help;
    Mode mode = flag_mode(d.name);
    if (mode == Mode::kServerOnly) out << " Use with server mode only.";
    if (mode == Mode::kAgentOnly) out << " Use with agent mode only.";
    if (d.kind != Kind::kBool && *d.default_text) out << " (default: " << d.default_text << ")";
    out << "\n";
  }
  return out.str();
}

}  // namespace promlite::cmd
