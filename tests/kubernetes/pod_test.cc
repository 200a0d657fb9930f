// Pod objects (as the API server returns them) -> the pod role's target groups.
#include "scraper/discovery/kubernetes/pod.h"

#include <gtest/gtest.h>

#include "tests/kubernetes/pod_fixtures.h"

namespace promlite::scraper::discovery::kubernetes {
namespace {

TargetGroup group_of(const std::string& json) {
  std::vector<Pod> pods;
  auto env = parse_document(json, DocumentKind::kPod, [&](Pod&& p) { pods.push_back(p); });
  EXPECT_TRUE(env.is_ok()) << env.status().to_string();
  EXPECT_EQ(pods.size(), 1u);
  if (pods.empty()) return {};
  return build_pod_group(pods.front());
}

std::vector<std::string> addresses(const TargetGroup& g) {
  std::vector<std::string> out;
  for (const auto& t : g.targets) out.emplace_back(t.get("__address__"));
  return out;
}

struct Case {
  std::string name;
  std::string json;
  std::string source;
  std::vector<std::string> addresses;
  // Group labels that must be present with these values ("" = must be absent).
  std::vector<std::pair<std::string, std::string>> group_labels;
  // Labels of target 0 (when there is one).
  std::vector<std::pair<std::string, std::string>> first_target;
};

std::vector<Case> cases() {
  return {
      {"fluss_coordinator",
       testdata::fluss_coordinator_pod(),
       "pod/fluss/coordinator-server-0",
       {"10.244.1.17:9123", "10.244.1.17:9249"},
       {{"__meta_kubernetes_namespace", "fluss"},
        {"__meta_kubernetes_pod_name", "coordinator-server-0"},
        {"__meta_kubernetes_pod_ip", "10.244.1.17"},
        {"__meta_kubernetes_pod_uid", "5e1f0c9a-8d2b-4c1e-9f3a-0b7d6e5c4a21"},
        {"__meta_kubernetes_pod_node_name", "worker-1"},
        {"__meta_kubernetes_pod_host_ip", "172.18.0.3"},
        {"__meta_kubernetes_pod_phase", "Running"},
        {"__meta_kubernetes_pod_ready", "true"},
        {"__meta_kubernetes_pod_start_time", "2026-11-20T08:15:02Z"},
        {"__meta_kubernetes_pod_controller_kind", "StatefulSet"},
        {"__meta_kubernetes_pod_controller_name", "coordinator-server"},
        {"__meta_kubernetes_pod_label_app_kubernetes_io_name", "fluss"},
        {"__meta_kubernetes_pod_labelpresent_app_kubernetes_io_name", "true"},
        {"__meta_kubernetes_pod_label_statefulset_kubernetes_io_pod_name", "coordinator-server-0"},
        {"__meta_kubernetes_pod_annotation_prometheus_io_scrape", "true"},
        {"__meta_kubernetes_pod_annotationpresent_prometheus_io_scrape", "true"},
        {"__meta_kubernetes_pod_annotation_prometheus_io_port", "9249"}},
       {{"__meta_kubernetes_pod_container_name", "coordinator"},
        {"__meta_kubernetes_pod_container_image", "apache/fluss:0.7.0"},
        {"__meta_kubernetes_pod_container_id",
         "containerd://1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00"},
        {"__meta_kubernetes_pod_container_port_name", "rpc"},
        {"__meta_kubernetes_pod_container_port_number", "9123"},
        {"__meta_kubernetes_pod_container_port_protocol", "TCP"},
        {"__meta_kubernetes_pod_container_init", "false"}}},
      {"flink_taskmanager_multi_container",
       testdata::flink_taskmanager_pod(),
       "pod/flink/aggregator-taskmanager-1-1",
       {"10.244.2.31:6122", "10.244.2.31:9249", "10.244.2.31"},
       {{"__meta_kubernetes_pod_controller_kind", "ReplicaSet"},
        {"__meta_kubernetes_pod_ready", "false"},
        {"__meta_kubernetes_pod_label_component", "taskmanager"}},
       {{"__meta_kubernetes_pod_container_name", "flink-main-container"}}},
      {"producer_no_ports_and_init_container",
       testdata::producer_pod(),
       "pod/fluss/producer-7d9f8b6c5-x2k4q",
       {"10.244.3.8", "10.244.3.8:8080"},
       {{"__meta_kubernetes_pod_controller_kind", "ReplicaSet"},
        {"__meta_kubernetes_pod_controller_name", "producer-7d9f8b6c5"},
        {"__meta_kubernetes_pod_annotation_prometheus_io_port", "8080"}},
       {{"__meta_kubernetes_pod_container_name", "producer"},
        {"__meta_kubernetes_pod_container_port_number", ""},
        {"__meta_kubernetes_pod_container_init", "false"},
        {"__meta_kubernetes_pod_container_id", "containerd://aaa111"}}},
      {"pending_without_ip", testdata::pending_pod(), "pod/fluss/tablet-server-2", {}, {}, {}},
      {"succeeded", testdata::finished_pod("Succeeded"), "pod/jobs/migrate-abc12", {}, {}, {}},
      {"failed", testdata::finished_pod("Failed"), "pod/jobs/migrate-abc12", {}, {}, {}},
      {"ipv6_and_sanitising",
       testdata::ipv6_pod(),
       "pod/default/v6",
       {"[fd00:10:244::5]:9249"},
       {{"__meta_kubernetes_pod_label_example_com_tier_name", "db"},
        {"__meta_kubernetes_pod_labelpresent_example_com_tier_name", "true"},
        {"__meta_kubernetes_pod_annotation_n_me", "v"},
        {"__meta_kubernetes_pod_ready", "unknown"},
        {"__meta_kubernetes_pod_controller_kind", ""}},
       {{"__meta_kubernetes_pod_container_port_name", ""}}},
  };
}

TEST(PodGroupTest, Table) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    TargetGroup g = group_of(c.json);
    EXPECT_EQ(g.source, c.source);
    EXPECT_EQ(addresses(g), c.addresses);
    if (c.addresses.empty()) {
      EXPECT_TRUE(g.labels.empty()) << g.labels.to_string();
    }
    for (const auto& [k, v] : c.group_labels) EXPECT_EQ(g.labels.get(k), v) << k;
    if (!g.targets.empty()) {
      for (const auto& [k, v] : c.first_target) EXPECT_EQ(g.targets[0].get(k), v) << k;
    }
  }
}

TEST(PodGroupTest, InitContainerTargetsComeLastAndAreMarked) {
  TargetGroup g = group_of(testdata::producer_pod());
  ASSERT_EQ(g.targets.size(), 2u);
  const auto& init = g.targets[1];
  EXPECT_EQ(init.get("__meta_kubernetes_pod_container_name"), "wait-for-fluss");
  EXPECT_EQ(init.get("__meta_kubernetes_pod_container_init"), "true");
  EXPECT_EQ(init.get("__meta_kubernetes_pod_container_port_number"), "8080");
  EXPECT_EQ(init.get("__meta_kubernetes_pod_container_id"), "containerd://init999");
}

TEST(PodGroupTest, TargetsCarryOnlyTheirOwnLabels) {
  TargetGroup g = group_of(testdata::fluss_coordinator_pod());
  ASSERT_FALSE(g.targets.empty());
  for (const auto& t : g.targets) {
    for (const auto& l : t) {
      EXPECT_TRUE(l.name == "__address__" ||
                  l.name.rfind("__meta_kubernetes_pod_container_", 0) == 0)
          << l.name;
    }
  }
}

TEST(PodGroupTest, SanitizeLabelName) {
  struct {
    std::string in, want;
  } cases[] = {
      {"app", "app"},
      {"app.kubernetes.io/name", "app_kubernetes_io_name"},
      {"a-b_c9", "a_b_c9"},
      {"9lives", "9lives"},     // only the prefix makes it a valid name
      {"caf\xc3\xa9", "caf_"},  // one '_' per UTF-8 character
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(sanitize_label_name(c.in), c.want) << c.in;
}

TEST(PodDocumentTest, ListStreamsEveryItemAndReadsMetadata) {
  std::string list =
      "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{"
      "\"resourceVersion\":\"12345\",\"continue\":\"tok\"},\"items\":[" +
      testdata::fluss_coordinator_pod() + "," + testdata::producer_pod() + "]}";
  std::vector<std::string> names;
  auto env = parse_document(list, DocumentKind::kList, [&](Pod&& p) { names.push_back(p.name); });
  ASSERT_TRUE(env.is_ok()) << env.status().to_string();
  EXPECT_EQ(env->kind, "PodList");
  EXPECT_EQ(env->resource_version, "12345");
  EXPECT_EQ(env->continue_token, "tok");
  EXPECT_EQ(names, (std::vector<std::string>{"coordinator-server-0", "producer-7d9f8b6c5-x2k4q"}));
}

TEST(PodDocumentTest, WatchEvents) {
  std::vector<Pod> pods;
  auto on = [&](Pod&& p) { pods.push_back(p); };
  auto added = parse_document("{\"type\":\"ADDED\",\"object\":" + testdata::producer_pod() + "}",
                              DocumentKind::kEvent, on);
  ASSERT_TRUE(added.is_ok());
  EXPECT_EQ(added->type, "ADDED");
  EXPECT_EQ(added->resource_version, "88121");
  ASSERT_EQ(pods.size(), 1u);

  auto bookmark = parse_document(
      R"({"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"90001","annotations":{"k8s.io/initial-events-end":"true"}}}})",
      DocumentKind::kEvent, on);
  ASSERT_TRUE(bookmark.is_ok());
  EXPECT_EQ(bookmark->type, "BOOKMARK");
  EXPECT_EQ(bookmark->resource_version, "90001");

  auto error = parse_document(
      R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (90001)","reason":"Expired","code":410}})j",
      DocumentKind::kEvent, on);
  ASSERT_TRUE(error.is_ok());
  EXPECT_EQ(error->type, "ERROR");
  EXPECT_EQ(error->status_code, 410);
  EXPECT_EQ(error->status_reason, "Expired");
  EXPECT_EQ(error->status_message, "too old resource version: 1 (90001)");
}

TEST(PodDocumentTest, LabelsNamedLikePodFieldsStayLabels) {
  // A label called "name" or "spec" must not be taken for the pod's fields.
  std::vector<Pod> pods;
  auto env = parse_document(
      R"({"metadata":{"name":"p","namespace":"n","labels":{"name":"x","podIP":"y"}},"status":{"podIP":"10.0.0.1","phase":"Running"}})",
      DocumentKind::kPod, [&](Pod&& p) { pods.push_back(p); });
  ASSERT_TRUE(env.is_ok());
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].name, "p");
  EXPECT_EQ(pods[0].pod_ip, "10.0.0.1");
  EXPECT_EQ(pods[0].labels.size(), 2u);
}

TEST(PodDocumentTest, BadJsonIsAnError) {
  for (std::string bad : {"{", "{\"items\":[}", "nope", ""}) {
    auto env = parse_document(bad, DocumentKind::kList, [](Pod&&) {});
    EXPECT_FALSE(env.is_ok()) << bad;
  }
}

}  // namespace
}  // namespace promlite::scraper::discovery::kubernetes
