#include "config/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace promlite::config {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kTestdata = std::string(PROMLITE_SOURCE_DIR) + "/tests/config/testdata/";

TEST(Config, GoodFileLoadsWithPrometheusDefaults) {
  auto c = load_config_file(kTestdata + "good.yml");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->global.scrape_interval, 15 * model::kSecond);
  EXPECT_EQ(c->global.scrape_timeout, 10 * model::kSecond);
  EXPECT_EQ(c->global.evaluation_interval, 30 * model::kSecond);
  EXPECT_EQ(c->global.external_labels.get("cluster"), "prod");
  ASSERT_EQ(c->rule_files.size(), 1u);
  EXPECT_EQ(c->rule_files[0], kTestdata + "rules/*.yml");
  ASSERT_EQ(c->scrape_configs.size(), 3u);

  const ScrapeConfig& fluss = c->scrape_configs[0];
  EXPECT_EQ(fluss.job_name, "fluss");
  EXPECT_EQ(fluss.scrape_interval, 10 * model::kSecond);
  EXPECT_EQ(fluss.scrape_timeout, 10 * model::kSecond);
  EXPECT_EQ(fluss.metrics_path, "/metrics");
  EXPECT_EQ(fluss.scheme, "http");
  EXPECT_TRUE(fluss.honor_timestamps);
  ASSERT_EQ(fluss.static_configs.size(), 1u);
  EXPECT_EQ(fluss.static_configs[0].targets.size(), 2u);
  EXPECT_EQ(fluss.static_configs[0].labels.get("component"), "fluss");

  const ScrapeConfig& producer = c->scrape_configs[1];
  EXPECT_EQ(producer.scrape_interval, 15 * model::kSecond);
  EXPECT_EQ(producer.scheme, "https");
  EXPECT_TRUE(producer.honor_labels);
  EXPECT_EQ(producer.params.at("format"), std::vector<std::string>{"prometheus"});
  ASSERT_TRUE(producer.http.basic_auth.has_value());
  EXPECT_EQ(producer.http.basic_auth->password_file, kTestdata + "secrets/pw");
  EXPECT_EQ(producer.http.tls_config.ca_file, kTestdata + "ca.pem");
  ASSERT_EQ(producer.file_sd_configs.size(), 1u);
  EXPECT_EQ(producer.file_sd_configs[0].refresh_interval, model::kMinute);
  ASSERT_EQ(producer.relabel_configs.size(), 1u);
  EXPECT_EQ(producer.relabel_configs[0].separator, ";");
  EXPECT_EQ(producer.relabel_configs[0].action, RelabelAction::kReplace);
  ASSERT_NE(producer.relabel_configs[0].compiled, nullptr);
  ASSERT_EQ(producer.metric_relabel_configs.size(), 1u);
  EXPECT_EQ(producer.metric_relabel_configs[0].action, RelabelAction::kLabelDrop);
  EXPECT_EQ(producer.sample_limit, 50000u);
  EXPECT_EQ(producer.body_size_limit, 10u << 20);

  const ScrapeConfig& k8s = c->scrape_configs[2];
  ASSERT_EQ(k8s.kubernetes_sd_configs.size(), 1u);
  EXPECT_EQ(k8s.kubernetes_sd_configs[0].role, "pod");
  EXPECT_EQ(k8s.kubernetes_sd_configs[0].namespaces, (std::vector<std::string>{"fluss", "flink"}));
  ASSERT_TRUE(k8s.http.authorization.has_value());
  EXPECT_EQ(k8s.http.authorization->type, "Bearer");

  ASSERT_EQ(c->remote_write.size(), 1u);
  EXPECT_EQ(c->remote_write[0].queue_config.max_shards, 10);
  EXPECT_EQ(c->remote_write[0].queue_config.capacity, 10000);
  EXPECT_EQ(c->remote_write[0].remote_timeout, 30 * model::kSecond);
  EXPECT_EQ(c->source, read(kTestdata + "good.yml"));
}

TEST(Config, EmptyFileIsValid) {
  auto c = load_config("", "");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->global.scrape_interval, model::kMinute);
  EXPECT_EQ(c->global.scrape_timeout, 10 * model::kSecond);
  EXPECT_TRUE(c->scrape_configs.empty());
}

TEST(Config, TimeoutDefaultsShrinkToShortInterval) {
  auto c = load_config(
      "global:\n  scrape_interval: 5s\nscrape_configs:\n  - job_name: a\n"
      "    scrape_interval: 2s\n",
      "");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->global.scrape_timeout, 5 * model::kSecond);
  EXPECT_EQ(c->scrape_configs[0].scrape_timeout, 2 * model::kSecond);
}

TEST(Config, EmbeddedDefaultsLoad) {
  for (bool k8s : {false, true}) {
    auto c = load_config(default_config_yaml("localhost:9090", k8s), "");
    ASSERT_TRUE(c.is_ok()) << c.status().to_string();
    EXPECT_EQ(c->scrape_configs.size(), k8s ? 2u : 1u);
    EXPECT_EQ(c->scrape_configs[0].static_configs[0].targets[0], "localhost:9090");
  }
}

struct BadCase {
  const char* name;
  const char* yaml;
  const char* want;  // substring of the error
};

class BadConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfig, IsRefusedWithALine) {
  const BadCase& c = GetParam();
  auto r = load_config(c.yaml, "bad.yml");
  ASSERT_FALSE(r.is_ok()) << c.name;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(c.want), std::string::npos)
      << c.name << ": got " << r.status().message();
  EXPECT_EQ(r.status().message().rfind("parsing YAML file bad.yml: ", 0), 0u)
      << r.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadConfig,
    ::testing::Values(
        BadCase{"unknown top field", "globl:\n  scrape_interval: 1s\n",
                "line 1: field globl not found in type config.plain"},
        BadCase{"unknown scrape field",
                "scrape_configs:\n  - job_name: a\n    scrape_intervall: 5s\n",
                "line 3: field scrape_intervall not found in type config.ScrapeConfig"},
        BadCase{
            "unsupported sd", "scrape_configs:\n  - job_name: a\n    consul_sd_configs: []\n",
            "line 3: field consul_sd_configs of config.ScrapeConfig is not supported by promlite"},
        BadCase{"duplicate job",
                "scrape_configs:\n  - job_name: a\n  - job_name: b\n  - job_name: a\n",
                "line 4: found multiple scrape configs with job name \"a\""},
        BadCase{
            "timeout > interval",
            "scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 10s\n",
            "scrape timeout greater than scrape interval for scrape config with job name \"a\""},
        BadCase{"global timeout > interval",
                "global:\n  scrape_interval: 5s\n  scrape_timeout: 6s\n",
                "global scrape timeout greater than scrape interval"},
        BadCase{"bad duration", "global:\n  scrape_interval: 5x\n",
                "line 2: not a valid duration string: \"5x\""},
        BadCase{"bad regex",
                "scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - regex: 'a('\n"
                "        target_label: x\n",
                "line 4: invalid regex \"a(\""},
        BadCase{"bad action",
                "scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: frob\n",
                "unknown relabel action \"frob\""},
        BadCase{"replace without target",
                "scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: replace\n",
                "relabel configuration for replace action requires 'target_label' value"},
        BadCase{"hashmod without modulus",
                "scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: hashmod\n"
                "        target_label: s\n",
                "relabel configuration for hashmod requires non-zero modulus"},
        BadCase{"labeldrop with source labels",
                "scrape_configs:\n  - job_name: a\n    metric_relabel_configs:\n"
                "      - action: labeldrop\n        source_labels: [a]\n",
                "labeldrop action requires only 'regex', and no other fields"},
        BadCase{"empty job name", "scrape_configs:\n  - scrape_interval: 5s\n",
                "job_name is empty"},
        BadCase{"bad scheme", "scrape_configs:\n  - job_name: a\n    scheme: ftp\n",
                "invalid scheme \"ftp\""},
        BadCase{"url target",
                "scrape_configs:\n  - job_name: a\n    static_configs:\n"
                "      - targets: ['http://x:80/metrics']\n",
                "line 4: \"http://x:80/metrics\" is not a valid hostname"},
        BadCase{"bad file_sd extension",
                "scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - files: [t.txt]\n",
                "path name \"t.txt\" is not valid for file discovery"},
        BadCase{"basic and bearer",
                "scrape_configs:\n  - job_name: a\n    basic_auth: {username: u}\n"
                "    authorization: {credentials: x}\n",
                "at most one of basic_auth, oauth2, bearer_token & bearer_token_file"},
        BadCase{"k8s role missing",
                "scrape_configs:\n  - job_name: a\n    kubernetes_sd_configs:\n      - namespaces: "
                "{}\n",
                "role missing"},
        BadCase{"remote write no url", "remote_write:\n  - name: x\n",
                "url for remote_write is empty"},
        BadCase{"bad body size", "scrape_configs:\n  - job_name: a\n    body_size_limit: 10XB\n",
                "invalid size \"10XB\""},
        BadCase{"wrong type", "scrape_configs:\n  - job_name: a\n    honor_labels: maybe\n",
                "line 3: cannot unmarshal !!str `maybe` into bool"},
        BadCase{"scalar instead of list", "scrape_configs: 5\n", "line 1: cannot unmarshal"},
        BadCase{"unsupported top", "alerting:\n  alertmanagers: []\n",
                "field alerting of config.plain is not supported by promlite"},
        BadCase{"yaml syntax", "global:\n  scrape_interval: [\n", "line "},
        BadCase{"duplicate key", "global:\n  scrape_interval: 5s\n  scrape_interval: 6s\n",
                "line 3: mapping key \"scrape_interval\" already defined"},
        BadCase{"bad label name", "global:\n  external_labels:\n    \"\": x\n",
                "is not a valid label name"}));

// Label names and values in the config must be valid UTF-8 by Go's rules
// (utf8.ValidString), as Prometheus reads them: overlong forms, surrogates,
// code points past U+10FFFF and broken sequences are refused.
TEST(Config, LabelsMustBeValidUtf8) {
  struct Case {
    const char* name;
    std::string bytes;
    bool valid;
  };
  const Case cases[] = {
      {"ascii", "abc", true},
      {"two, three and four bytes", "Z\xc3\xbcrich \xe2\x9c\x93 \xf0\x9d\x84\x9e", true},
      {"last code point", "\xf4\x8f\xbf\xbf", true},
      {"surrogate", "\xed\xa0\x80", false},
      {"overlong slash", "\xc0\xaf", false},
      {"overlong three bytes", "\xe0\x80\xaf", false},
      {"overlong four bytes", "\xf0\x80\x80\xaf", false},
      {"past U+10FFFF", "\xf4\x90\x80\x80", false},
      {"lead byte F5", "\xf5\x80\x80\x80", false},
      {"bad continuation", "\xe2\x28\xa1", false},
      {"truncated", "a\xc3", false},
      {"stray continuation", "\x80", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto value = load_config("global:\n  external_labels:\n    a: \"" + c.bytes + "\"\n", "");
    EXPECT_EQ(value.is_ok(), c.valid) << (value.is_ok() ? "" : value.status().message());
    if (!c.valid && !value.is_ok()) {
      EXPECT_NE(value.status().message().find("is not a valid label value"), std::string::npos)
          << value.status().message();
    }
    auto name = load_config("global:\n  external_labels:\n    \"" + c.bytes + "\": x\n", "");
    EXPECT_EQ(name.is_ok(), c.valid) << (name.is_ok() ? "" : name.status().message());
    if (!c.valid && !name.is_ok()) {
      EXPECT_NE(name.status().message().find("is not a valid label name"), std::string::npos)
          << name.status().message();
    }
  }
}

TEST(ParseBytes, Table) {
  EXPECT_EQ(*parse_bytes("0"), 0u);
  EXPECT_EQ(*parse_bytes("512B"), 512u);
  EXPECT_EQ(*parse_bytes("1KB"), 1024u);
  EXPECT_EQ(*parse_bytes("10MiB"), 10u << 20);
  EXPECT_EQ(*parse_bytes("2GB"), 2ull << 30);
  EXPECT_EQ(*parse_bytes("1TB"), 1ull << 40);
  EXPECT_FALSE(parse_bytes("").is_ok());
  EXPECT_FALSE(parse_bytes("10").is_ok());
  EXPECT_FALSE(parse_bytes("1.5GB").is_ok());
  EXPECT_FALSE(parse_bytes("GB").is_ok());
  EXPECT_FALSE(parse_bytes("99999999999EB").is_ok());
}

}  // namespace
}  // namespace promlite::config
