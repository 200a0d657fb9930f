#include "cmd/promlite/flags.h"

#include <gtest/gtest.h>

#include "cmd/promlite/agent_mode.h"

namespace promlite::cmd {
namespace {

TEST(Flags, Defaults) {
  auto f = parse_flags({});
  ASSERT_TRUE(f.is_ok());
  EXPECT_EQ(f->config_file, "");
  EXPECT_EQ(f->storage_path, "data/");
  EXPECT_EQ(f->retention_time, 30 * model::kDay);
  EXPECT_EQ(f->retention_size, 0u);
  EXPECT_EQ(f->listen_address, "0.0.0.0:9090");
  EXPECT_EQ(f->query_timeout, 2 * model::kMinute);
  EXPECT_EQ(f->query_max_samples, 50'000'000);
  EXPECT_EQ(f->query_max_concurrency, 20);
  EXPECT_EQ(f->query_lookback_delta, 5 * model::kMinute);
  EXPECT_EQ(f->log_level, log::Level::kInfo);
  EXPECT_EQ(f->log_format, log::Format::kLogfmt);
}

TEST(Flags, PrometheusStyleValues) {
  auto f = parse_flags({"--config.file=prometheus.yml", "--storage.tsdb.path", "/var/lib/p",
                        "--storage.tsdb.retention.time=15d", "--storage.tsdb.retention.size=2GB",
                        "--web.listen-address=:9091", "--query.timeout=30s",
                        "--query.max-samples=1000", "--query.max-concurrency=4",
                        "--query.lookback-delta=1m", "--log.level=debug", "--log.format=json",
                        "--web.enable-lifecycle", "--storage.tsdb.head-cache-size=16MB"});
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  EXPECT_EQ(f->config_file, "prometheus.yml");
  EXPECT_EQ(f->storage_path, "/var/lib/p");
  EXPECT_EQ(f->retention_time, 15 * model::kDay);
  EXPECT_EQ(f->retention_size, 2ull << 30);
  EXPECT_EQ(f->listen_address, ":9091");
  EXPECT_EQ(f->query_timeout, 30 * model::kSecond);
  EXPECT_EQ(f->query_max_samples, 1000);
  EXPECT_EQ(f->query_max_concurrency, 4);
  EXPECT_EQ(f->query_lookback_delta, model::kMinute);
  EXPECT_EQ(f->log_level, log::Level::kDebug);
  EXPECT_EQ(f->log_format, log::Format::kJson);
  EXPECT_TRUE(f->enable_lifecycle);
  EXPECT_EQ(f->head_cache_size, 16ull << 20);
  EXPECT_EQ(parse_flags({})->head_cache_size, 64ull << 20);
  EXPECT_FALSE(
      parse_flags({"--web.enable-lifecycle", "--no-web.enable-lifecycle"})->enable_lifecycle);
  EXPECT_TRUE(parse_flags({"--version"})->version);
  EXPECT_TRUE(parse_flags({"-h"})->help);
}

TEST(Flags, RefusedWithAMessageNamingThem) {
  struct {
    std::vector<std::string> args;
    const char* want;
  } cases[] = {
      {{"--bogus=1"}, "unknown long flag '--bogus'"},
      {{"--storage.tsdb.retention.time=forever"},
       "invalid value \"forever\" for flag '--storage.tsdb.retention.time'"},
      {{"--storage.tsdb.retention.size=10"},
       "invalid value \"10\" for flag '--storage.tsdb.retention.size'"},
      {{"--storage.tsdb.head-cache-size=lots"},
       "invalid value \"lots\" for flag '--storage.tsdb.head-cache-size'"},
      {{"--web.listen-address=9090"}, "invalid listen address \"9090\": missing port"},
      {{"--web.listen-address=:99999"}, "invalid port \"99999\""},
      {{"--query.max-samples=-5"}, "'--query.max-samples': must be positive"},
      {{"--query.max-concurrency=abc"}, "'--query.max-concurrency': expected an integer"},
      {{"--log.level=loud"}, "unrecognized log level \"loud\""},
      {{"--log.format=xml"}, "unrecognized log format \"xml\""},
      {{"--config.file"}, "expected argument for flag '--config.file'"},
      {{"stray"}, "unexpected argument 'stray'"},
      {{"--version=maybe"}, "invalid value \"maybe\" for flag '--version'"},
      {{"--no-config.file"}, "unknown long flag '--no-config.file'"},
  };
  for (const auto& c : cases) {
    auto f = parse_flags(c.args);
    ASSERT_FALSE(f.is_ok()) << c.args[0];
    EXPECT_NE(f.status().message().find(c.want), std::string::npos)
        << c.args[0] << ": " << f.status().message();
  }
}

TEST(Flags, ListenAddress) {
  EXPECT_EQ(parse_listen_address(":9090")->host, "");
  EXPECT_EQ(parse_listen_address(":9090")->port, 9090);
  EXPECT_EQ(parse_listen_address("[::1]:80")->host, "::1");
  EXPECT_EQ(parse_listen_address("127.0.0.1:0")->port, 0);
  EXPECT_FALSE(parse_listen_address("::1:80").is_ok());
}

TEST(Flags, AgentMode) {
  auto f = parse_flags(
      {"--agent", "--storage.agent.path=/var/lib/agent", "--storage.agent.wal-segment-size=32MB",
       "--storage.agent.wal-truncate-frequency=30m", "--storage.agent.retention.min-time=1m",
       "--storage.agent.retention.max-time=8h", "--storage.agent.no-lockfile"});
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  EXPECT_TRUE(f->agent);
  EXPECT_EQ(f->agent_storage_path, "/var/lib/agent");
  EXPECT_EQ(f->agent_wal_segment_size, 32ull << 20);
  EXPECT_EQ(f->agent_truncate_frequency, 30 * model::kMinute);
  EXPECT_EQ(f->agent_retention_min_time, model::kMinute);
  EXPECT_EQ(f->agent_retention_max_time, 8 * model::kHour);
  EXPECT_TRUE(f->agent_no_lockfile);
  EXPECT_TRUE(check_mode_flags(*f).is_ok());

  auto d = parse_flags({});
  ASSERT_TRUE(d.is_ok());
  EXPECT_FALSE(d->agent);
  EXPECT_EQ(d->agent_storage_path, "data-agent/");
  EXPECT_EQ(d->agent_retention_min_time, 5 * model::kMinute);
  EXPECT_EQ(d->agent_retention_max_time, 4 * model::kHour);
  EXPECT_EQ(d->agent_truncate_frequency, 2 * model::kHour);
  EXPECT_TRUE(check_mode_flags(*d).is_ok());

  // Prometheus's mode checks, with its messages (Go's %q of the list).
  struct {
    std::vector<std::string> args;
    const char* want;  // "" when accepted
  } cases[] = {
      {{"--agent", "--storage.tsdb.path=x", "--query.timeout=1m"},
       R"(The following flag(s) can not be used in agent mode: ["--storage.tsdb.path" )"
       R"("--query.timeout"])"},
      {{"--storage.agent.retention.max-time=1h"},
       R"(The following flag(s) can only be used in agent mode: )"
       R"(["--storage.agent.retention.max-time"])"},
      {{"--agent", "--web.enable-remote-write-receiver", "--storage.remote.wal-max-size=1GB",
        "--enable-feature=x"},
       ""},
      {{"--no-agent", "--storage.tsdb.path=x"}, ""},
  };
  for (const auto& c : cases) {
    auto p = parse_flags(c.args);
    ASSERT_TRUE(p.is_ok()) << c.args[0];
    Status s = check_mode_flags(*p);
    if (*c.want == 0) {
      EXPECT_TRUE(s.is_ok()) << s.message();
    } else {
      EXPECT_EQ(s.message(), c.want);
    }
  }
  auto bad = parse_flags({"--agent", "--storage.agent.wal-segment-size=1MB"});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("must be set between 10MB and 256MB"), std::string::npos);
}

// The configuration sections Prometheus's agent mode refuses, in its order.
TEST(Flags, AgentModeConfigSections) {
  struct {
    const char* yaml;
    const char* want;  // "" when accepted
  } cases[] = {
      {"scrape_configs: []\nremote_write: [{url: 'http://x/api/v1/write'}]\n", ""},
      {"alerting: {alertmanagers: []}\nrule_files: []\nremote_read: []\n", ""},
      {"alerting:\n  alertmanagers: [{static_configs: [{targets: ['a:9093']}]}]\n",
       "field alerting is not allowed in agent mode"},
      {"alerting:\n  alert_relabel_configs: [{action: drop}]\n",
       "field alerting is not allowed in agent mode"},
      {"rule_files: ['a.yml']\nremote_read: [{url: 'http://x'}]\n",
       "field rule_files is not allowed in agent mode"},
      {"remote_read:\n  - url: http://x/api/v1/read\n",
       "field remote_read is not allowed in agent mode"},
      {"not: [valid", ""},  // left to the loader
  };
  for (const auto& c : cases) {
    Status s = check_agent_config(c.yaml);
    if (*c.want == 0) {
      EXPECT_TRUE(s.is_ok()) << c.yaml << ": " << s.message();
    } else {
      EXPECT_EQ(s.message(), c.want) << c.yaml;
    }
  }
}

TEST(Flags, UsageListsEveryFlag) {
  std::string u = usage();
  for (const char* name :
       {"--config.file", "--storage.tsdb.path", "--storage.tsdb.retention.time",
        "--storage.tsdb.retention.size", "--web.listen-address", "--query.timeout",
        "--query.max-samples", "--query.max-concurrency", "--query.lookback-delta", "--log.level",
        "--log.format", "--version", "--agent", "--storage.agent.path",
        "--storage.agent.retention.min-time", "--storage.agent.retention.max-time"}) {
    EXPECT_NE(u.find(name), std::string::npos) << name;
  }
  EXPECT_NE(u.find("Base path for metrics storage. Use with agent mode only."), std::string::npos);
}

}  // namespace
}  // namespace promlite::cmd
