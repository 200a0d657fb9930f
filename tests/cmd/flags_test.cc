#include "cmd/promlite/flags.h"

#include <gtest/gtest.h>

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
  auto f =
      parse_flags({"--config.file=prometheus.yml", "--storage.tsdb.path", "/var/lib/p",
                   "--storage.tsdb.retention.time=15d", "--storage.tsdb.retention.size=2GB",
                   "--web.listen-address=:9091", "--query.timeout=30s", "--query.max-samples=1000",
                   "--query.max-concurrency=4", "--query.lookback-delta=1m", "--log.level=debug",
                   "--log.format=json", "--web.enable-lifecycle"});
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

TEST(Flags, UsageListsEveryFlag) {
  std::string u = usage();
  for (const char* name : {"--config.file", "--storage.tsdb.path", "--storage.tsdb.retention.time",
                           "--storage.tsdb.retention.size", "--web.listen-address",
                           "--query.timeout", "--query.max-samples", "--query.max-concurrency",
                           "--query.lookback-delta", "--log.level", "--log.format", "--version"}) {
    EXPECT_NE(u.find(name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace promlite::cmd
