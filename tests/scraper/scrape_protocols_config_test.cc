// The scrape negotiation fields of prometheus.yml as Prometheus 3.5 loads
// them: defaults, inheritance from global, and its validation messages.
#include <gtest/gtest.h>

#include "config/config.h"

namespace promlite::config {
namespace {

Result<Config> load(const std::string& yaml) { return load_config(yaml, ""); }

TEST(ScrapeProtocolsConfig, DefaultsAndInheritance) {
  auto c = load(
      "global:\n  scrape_protocols: [PrometheusText0.0.4]\n"
      "scrape_configs:\n  - job_name: a\n  - job_name: b\n"
      "    scrape_protocols: [OpenMetricsText1.0.0, PrometheusProto]\n"
      "    fallback_scrape_protocol: PrometheusText1.0.0\n"
      "    metric_name_validation_scheme: legacy\n"
      "    always_scrape_classic_histograms: true\n");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  const auto& a = c->scrape_configs[0];
  EXPECT_EQ(a.scrape_protocols, std::vector<std::string>{"PrometheusText0.0.4"});
  EXPECT_EQ(a.fallback_scrape_protocol, "");
  EXPECT_EQ(a.metric_name_validation_scheme, "utf8");
  EXPECT_EQ(a.metric_name_escaping_scheme, "allow-utf-8");
  const auto& b = c->scrape_configs[1];
  EXPECT_EQ(b.scrape_protocols,
            (std::vector<std::string>{"OpenMetricsText1.0.0", "PrometheusProto"}));
  EXPECT_EQ(b.fallback_scrape_protocol, "PrometheusText1.0.0");
  EXPECT_EQ(b.metric_name_validation_scheme, "legacy");
  EXPECT_EQ(b.metric_name_escaping_scheme, "underscores");
  EXPECT_TRUE(b.always_scrape_classic_histograms);

  auto d = load("scrape_configs:\n  - job_name: d\n");
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(d->scrape_configs[0].scrape_protocols, default_scrape_protocols());
}

TEST(ScrapeProtocolsConfig, ErrorsReadLikePrometheus) {
  const std::pair<const char*, const char*> cases[] = {
      {"scrape_configs:\n  - job_name: x\n    scrape_protocols: []\n",
       "scrape_protocols cannot be empty for scrape config with job name \"x\""},
      {"scrape_configs:\n  - job_name: x\n    scrape_protocols: [Foo]\n",
       "scrape_protocols: unknown scrape protocol Foo, supported: [OpenMetricsText0.0.1 "
       "OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0] for "
       "scrape config with job name \"x\""},
      {"scrape_configs:\n  - job_name: x\n"
       "    scrape_protocols: [PrometheusText0.0.4, prometheustext0.0.4]\n",
       "duplicated protocol in scrape_protocols, got [PrometheusText0.0.4 prometheustext0.0.4] "
       "for scrape config with job name \"x\""},
      {"global:\n  scrape_protocols: []\n", "scrape_protocols cannot be empty for global config"},
      {"scrape_configs:\n  - job_name: x\n    fallback_scrape_protocol: text\n",
       "invalid fallback_scrape_protocol for scrape config with job name \"x\": unknown scrape "
       "protocol text, supported: ["},
      {"scrape_configs:\n  - job_name: x\n    scrape_protocols: [PrometheusProto]\n",
       "PrometheusProto (protobuf) is not supported by promlite"},
      {"scrape_configs:\n  - job_name: x\n    fallback_scrape_protocol: PrometheusProto\n",
       "fallback_scrape_protocol PrometheusProto is not supported by promlite"},
      {"scrape_configs:\n  - job_name: x\n    metric_name_validation_scheme: ascii\n",
       "unknown scrape config name validation method specified, must be either 'legacy' or "
       "'utf8', got ascii"},
      {"scrape_configs:\n  - job_name: x\n    metric_name_escaping_scheme: slashes\n",
       "unknown scrape config name escaping method specified"},
      {"scrape_configs:\n  - job_name: x\n    metric_name_validation_scheme: legacy\n"
       "    metric_name_escaping_scheme: allow-utf-8\n",
       "utf8 metric names requested but validation scheme is not set to UTF8"},
      {"scrape_configs:\n  - job_name: x\n    convert_classic_histograms_to_nhcb: true\n",
       "convert_classic_histograms_to_nhcb: true is not supported by promlite"},
      // Renamed in Prometheus 3 (always_scrape_classic_histograms): 3.5 refuses it.
      {"scrape_configs:\n  - job_name: x\n    scrape_classic_histograms: true\n",
       "field scrape_classic_histograms not found in type config.ScrapeConfig"},
  };
  for (const auto& [yaml, want] : cases) {
    auto c = load(yaml);
    ASSERT_FALSE(c.is_ok()) << yaml;
    EXPECT_NE(c.status().message().find(want), std::string::npos) << yaml << "\n"
                                                                  << c.status().message();
  }
}

}  // namespace
}  // namespace promlite::config
