// Target label population and scrape URLs, following Prometheus 3's
// scrape.PopulateLabels and Target.URL.
#include "scraper/target_labels.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace promlite::scraper {
namespace {

using config::RelabelAction;
using model::Labels;
using Outcome = PopulatedTarget::Outcome;

config::RelabelConfig rule(RelabelAction action, std::vector<std::string> source, std::string regex,
                           std::string target = "", std::string replacement = "$1") {
  config::RelabelConfig c;
  c.action = action;
  c.source_labels = std::move(source);
  c.regex = std::move(regex);
  c.target_label = std::move(target);
  c.replacement = std::move(replacement);
  Status s = c.compile();
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  return c;
}

ScrapeSettings settings() {
  ScrapeSettings s;
  s.job_name = "node";
  s.scheme = "http";
  s.metrics_path = "/metrics";
  s.scrape_interval = 15 * model::kSecond;
  s.scrape_timeout = 10 * model::kSecond;
  return s;
}

TEST(TargetLabelsTest, DiscoveredLabels) {
  ScrapeSettings s = settings();
  s.scrape_interval = 90 * model::kSecond;
  s.params = {{"module", {"if_mib", "other"}}, {"empty", {}}, {"target", {"x"}}};
  Labels target{{"__address__", "127.0.0.1:9100"}, {"zone", "t"}, {"__param_target", "mine"}};
  Labels group{{"zone", "g"}, {"team", "a"}, {"__meta_filepath", "/f.yml"}};
  EXPECT_EQ(discovered_labels(target, group, s),
            (Labels{{"__address__", "127.0.0.1:9100"},
                    {"__meta_filepath", "/f.yml"},
                    {"__metrics_path__", "/metrics"},
                    {"__param_module", "if_mib"},
                    {"__param_target", "mine"},  // the target's own value wins
                    {"__scheme__", "http"},
                    {"__scrape_interval__", "1m30s"},
                    {"__scrape_timeout__", "10s"},
                    {"job", "node"},
                    {"team", "a"},
                    {"zone", "t"}}));
}

TEST(TargetLabelsTest, TargetLabelsOverrideScrapeSettings) {
  Labels target{{"__address__", "h:1"}, {"job", "custom"}, {"__scheme__", "https"}};
  Labels got = discovered_labels(target, Labels{}, settings());
  EXPECT_EQ(got.get("job"), "custom");
  EXPECT_EQ(got.get("__scheme__"), "https");
}

TEST(TargetLabelsTest, PopulateWithoutRules) {
  PopulatedTarget t = populate_target_labels(
      Labels{{"__address__", "127.0.0.1:9100"}},
      Labels{{"__meta_filepath", "/etc/t.json"}, {"env", "prod"}}, settings(), {});
  ASSERT_EQ(t.outcome, Outcome::kKeep) << t.error;
  EXPECT_EQ(t.discovered.get("__meta_filepath"), "/etc/t.json");
  EXPECT_EQ(t.internal, (Labels{{"__address__", "127.0.0.1:9100"},
                                {"__metrics_path__", "/metrics"},
                                {"__scheme__", "http"},
                                {"__scrape_interval__", "15s"},
                                {"__scrape_timeout__", "10s"},
                                {"env", "prod"},
                                {"instance", "127.0.0.1:9100"},
                                {"job", "node"}}));
  EXPECT_EQ(t.labels, (Labels{{"env", "prod"}, {"instance", "127.0.0.1:9100"}, {"job", "node"}}));
  EXPECT_EQ(t.interval, 15 * model::kSecond);
  EXPECT_EQ(t.timeout, 10 * model::kSecond);
}

TEST(TargetLabelsTest, KubernetesStyleRules) {
  config::RelabelConfigs rules = {
      rule(RelabelAction::kKeep, {"__meta_kubernetes_pod_annotation_prometheus_io_scrape"}, "true"),
      rule(RelabelAction::kReplace, {"__meta_kubernetes_pod_annotation_prometheus_io_path"}, "(.+)",
           "__metrics_path__"),
      rule(RelabelAction::kReplace,
           {"__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port"},
           "([^:]+)(?::\\d+)?;(\\d+)", "__address__", "$1:$2"),
      rule(RelabelAction::kLabelMap, {}, "__meta_kubernetes_pod_label_(.+)", "", "$1"),
      rule(RelabelAction::kReplace, {"__meta_kubernetes_pod_name"}, "(.*)", "pod"),
  };
  Labels pod{{"__address__", "10.0.0.7:8080"},
             {"__meta_kubernetes_pod_annotation_prometheus_io_scrape", "true"},
             {"__meta_kubernetes_pod_annotation_prometheus_io_path", "/stats"},
             {"__meta_kubernetes_pod_annotation_prometheus_io_port", "9249"},
             {"__meta_kubernetes_pod_label_app", "flink"},
             {"__meta_kubernetes_pod_name", "tm-0"}};
  PopulatedTarget t = populate_target_labels(pod, Labels{}, settings(), rules);
  ASSERT_EQ(t.outcome, Outcome::kKeep) << t.error;
  EXPECT_EQ(
      t.labels,
      (Labels{{"app", "flink"}, {"instance", "10.0.0.7:9249"}, {"job", "node"}, {"pod", "tm-0"}}));
  EXPECT_EQ(t.internal.get("__metrics_path__"), "/stats");
  EXPECT_EQ(scrape_url(t.internal, {}), "http://10.0.0.7:9249/stats");

  Labels unannotated{{"__address__", "10.0.0.8:8080"}};
  PopulatedTarget d = populate_target_labels(unannotated, Labels{}, settings(), rules);
  EXPECT_EQ(d.outcome, Outcome::kDropped);
  EXPECT_EQ(d.discovered.get("__address__"), "10.0.0.8:8080");
}

TEST(TargetLabelsTest, InstanceKeptWhenSet) {
  PopulatedTarget t = populate_target_labels(Labels{{"__address__", "h:1"}, {"instance", "mine"}},
                                             Labels{}, settings(), {});
  ASSERT_EQ(t.outcome, Outcome::kKeep) << t.error;
  EXPECT_EQ(t.labels.get("instance"), "mine");
}

TEST(TargetLabelsTest, IntervalAndTimeoutFromRelabeling) {
  config::RelabelConfigs rules = {
      rule(RelabelAction::kReplace, {}, "(.*)", "__scrape_interval__", "2m"),
      rule(RelabelAction::kReplace, {}, "(.*)", "__scrape_timeout__", "1m30s"),
  };
  PopulatedTarget t =
      populate_target_labels(Labels{{"__address__", "h:1"}}, Labels{}, settings(), rules);
  ASSERT_EQ(t.outcome, Outcome::kKeep) << t.error;
  EXPECT_EQ(t.interval, 2 * model::kMinute);
  EXPECT_EQ(t.timeout, 90 * model::kSecond);
}

TEST(TargetLabelsTest, Errors) {
  struct ErrCase {
    std::string name;
    Labels target;
    config::RelabelConfigs rules;
    std::string error;
  };
  std::vector<ErrCase> cases = {
      {"no_address", Labels{{"foo", "bar"}}, {}, "no address"},
      {"address_deleted_by_rule",
       Labels{{"__address__", "h:1"}},
       {rule(RelabelAction::kLabelDrop, {}, "__address__")},
       "no address"},
      {"address_with_scheme",
       Labels{{"__address__", "http://h:1"}},
       {},
       "\"http://h:1\" is not a valid hostname"},
      {"address_with_path",
       Labels{{"__address__", "h:1/metrics"}},
       {},
       "\"h:1/metrics\" is not a valid hostname"},
      {"bad_interval",
       Labels{{"__address__", "h:1"}, {"__scrape_interval__", "soon"}},
       {},
       "error parsing scrape interval: "},
      {"zero_interval",
       Labels{{"__address__", "h:1"}, {"__scrape_interval__", "0s"}},
       {},
       "scrape interval cannot be 0"},
      {"bad_timeout",
       Labels{{"__address__", "h:1"}, {"__scrape_timeout__", "1x"}},
       {},
       "error parsing scrape timeout: "},
      {"zero_timeout",
       Labels{{"__address__", "h:1"}, {"__scrape_timeout__", "0"}},
       {},
       "scrape timeout cannot be 0"},
      {"timeout_above_interval",
       Labels{{"__address__", "h:1"}, {"__scrape_timeout__", "20s"}},
       {},
       "scrape timeout cannot be greater than scrape interval (\"20s\" > \"15s\")"},
      {"invalid_utf8_value",
       Labels{{"__address__", "h:1"}, {"x", "a\xff"}},
       {},
       "invalid label value for \"x\": \"a\\xff\""},
      // Go's utf8.ValidString: no surrogates, no overlong forms.
      {"surrogate_value",
       Labels{{"__address__", "h:1"}, {"x", "\xed\xa0\x80"}},
       {},
       "invalid label value for \"x\": \"\\xed\\xa0\\x80\""},
      {"overlong_value",
       Labels{{"__address__", "h:1"}, {"x", "\xc0\xaf"}},
       {},
       "invalid label value for \"x\": \"\\xc0\\xaf\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    PopulatedTarget t = populate_target_labels(c.target, Labels{}, settings(), c.rules);
    EXPECT_EQ(t.outcome, Outcome::kError);
    EXPECT_EQ(t.error.substr(0, c.error.size()), c.error) << t.error;
    EXPECT_FALSE(t.discovered.empty());
  }
}

TEST(TargetLabelsTest, MetaLabelsUsableByRulesThenRemoved) {
  config::RelabelConfigs rules = {
      rule(RelabelAction::kReplace, {"__meta_filepath"}, ".*/(.*)\\.json", "file"),
      rule(RelabelAction::kReplace, {}, "(.*)", "__tmp_x", "kept-internally"),
  };
  PopulatedTarget t =
      populate_target_labels(Labels{{"__address__", "h:1"}},
                             Labels{{"__meta_filepath", "/sd/web.json"}}, settings(), rules);
  ASSERT_EQ(t.outcome, Outcome::kKeep) << t.error;
  EXPECT_EQ(t.labels.get("file"), "web");
  EXPECT_FALSE(t.internal.has("__meta_filepath"));
  EXPECT_EQ(t.internal.get("__tmp_x"), "kept-internally");  // like Prometheus's Target
  EXPECT_FALSE(t.labels.has("__tmp_x"));
}

TEST(ScrapeUrlTest, Table) {
  struct UrlCase {
    std::string name;
    Labels internal;
    std::map<std::string, std::vector<std::string>> params;
    std::string want;
  };
  std::vector<UrlCase> cases = {
      {"plain",
       Labels{{"__address__", "h:9100"}, {"__scheme__", "http"}, {"__metrics_path__", "/metrics"}},
       {},
       "http://h:9100/metrics"},
      {"https_and_path_without_slash",
       Labels{{"__address__", "h"}, {"__scheme__", "https"}, {"__metrics_path__", "m"}},
       {},
       "https://h/m"},
      {"params_sorted_and_escaped",
       Labels{{"__address__", "h:1"}, {"__scheme__", "http"}, {"__metrics_path__", "/probe"}},
       {{"target", {"http://a b/?x=1&y"}}, {"module", {"http_2xx", "b"}}},
       "http://h:1/probe?module=http_2xx&module=b&target=http%3A%2F%2Fa+b%2F%3Fx%3D1%26y"},
      {"param_label_overrides_first_value",
       Labels{{"__address__", "h:1"},
              {"__scheme__", "http"},
              {"__metrics_path__", "/probe"},
              {"__param_module", "icmp"},
              {"__param_extra", "1"}},
       {{"module", {"http_2xx", "b"}}},
       "http://h:1/probe?extra=1&module=icmp&module=b"},
      {"path_escaping",
       Labels{{"__address__", "h:1"}, {"__scheme__", "http"}, {"__metrics_path__", "/a b/c?d;e=f"}},
       {},
       "http://h:1/a%20b/c%3Fd;e=f"},
      {"ipv6_host",
       Labels{
           {"__address__", "[::1]:9090"}, {"__scheme__", "http"}, {"__metrics_path__", "/metrics"}},
       {},
       "http://[::1]:9090/metrics"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(scrape_url(c.internal, c.params), c.want);
  }
}

}  // namespace
}  // namespace promlite::scraper
