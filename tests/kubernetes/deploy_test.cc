// deploy/: every prometheus.yml loads with promlite's own config loader, the
// Kubernetes manifests parse and carry what they must (minimal RBAC, probes,
// storage, resources), and the Grafana files parse.
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "config/config.h"
#include "scraper/discovery/file_sd_parse.h"
#include "scraper/target_labels.h"

namespace promlite {
namespace {

const std::filesystem::path kDeploy = std::filesystem::path(PROMLITE_SOURCE_DIR) / "deploy";

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<YAML::Node> manifests() {
  std::vector<YAML::Node> out;
  for (const auto& e : std::filesystem::directory_iterator(kDeploy / "kubernetes")) {
    if (e.path().extension() != ".yaml" || e.path().filename() == "kustomization.yaml" ||
        e.path().filename() == "workload-annotations.yaml") {
      continue;
    }
    for (auto& doc : YAML::LoadAll(slurp(e.path()))) out.push_back(doc);
  }
  return out;
}

YAML::Node find(const std::vector<YAML::Node>& docs, const std::string& kind) {
  for (const auto& d : docs) {
    if (d["kind"].as<std::string>() == kind) return d;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

TEST(DeployTest, LocalConfigsLoadAndTheirTargetFilesParse) {
  for (const char* f : {"local/prometheus.yml", "local/prometheus-compose.yml"}) {
    auto c = config::load_config_file((kDeploy / f).string());
    ASSERT_TRUE(c.is_ok()) << f << ": " << c.status().to_string();
  }
  auto c = config::load_config_file((kDeploy / "local/prometheus.yml").string());
  ASSERT_TRUE(c.is_ok());
  std::set<std::string> ports;
  for (const auto& sc : c->scrape_configs) {
    for (const auto& f : sc.file_sd_configs) {
      for (const auto& path : f.files) {
        auto groups = scraper::discovery::parse_file_sd(path, slurp(path));
        ASSERT_TRUE(groups.is_ok()) << path << ": " << groups.status().to_string();
        for (const auto& g : *groups) {
          for (const auto& t : g.targets) {
            std::string a(t.get("__address__"));
            ports.insert(a.substr(a.rfind(':') + 1));
          }
        }
      }
    }
  }
  EXPECT_EQ(ports, (std::set<std::string>{"8080", "9249"}));
}

TEST(DeployTest, KubernetesManifests) {
  auto docs = manifests();
  for (const auto& d : docs) {
    ASSERT_TRUE(d["apiVersion"] && d["kind"] && d["metadata"]["name"]);
  }
  // RBAC: pods and namespaces, get/list/watch, nothing more.
  auto role = find(docs, "ClusterRole");
  ASSERT_TRUE(role.IsDefined());
  for (const auto& rule : role["rules"]) {
    for (const auto& g : rule["apiGroups"]) EXPECT_EQ(g.as<std::string>(), "");
    for (const auto& r : rule["resources"]) {
      EXPECT_TRUE(r.as<std::string>() == "pods" || r.as<std::string>() == "namespaces");
    }
    std::set<std::string> verbs;
    for (const auto& v : rule["verbs"]) verbs.insert(v.as<std::string>());
    EXPECT_EQ(verbs, (std::set<std::string>{"get", "list", "watch"}));
  }
  auto binding = find(docs, "ClusterRoleBinding");
  ASSERT_TRUE(binding.IsDefined());
  EXPECT_EQ(binding["roleRef"]["name"].as<std::string>(), "promlite");
  EXPECT_EQ(binding["subjects"][0]["name"].as<std::string>(), "promlite");

  auto sts = find(docs, "StatefulSet");
  ASSERT_TRUE(sts.IsDefined());
  auto pod = sts["spec"]["template"]["spec"];
  EXPECT_EQ(pod["serviceAccountName"].as<std::string>(), "promlite");
  auto c = pod["containers"][0];
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/-/ready");
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/-/healthy");
  EXPECT_TRUE(c["resources"]["requests"]["cpu"] && c["resources"]["requests"]["memory"]);
  bool storage_flag = false, config_flag = false;
  for (const auto& a : c["args"]) {
    std::string s = a.as<std::string>();
    storage_flag |= s == "--storage.tsdb.path=/data";
    config_flag |= s == "--config.file=/etc/promlite/prometheus.yml";
  }
  EXPECT_TRUE(storage_flag);
  EXPECT_TRUE(config_flag);
  EXPECT_EQ(sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"].as<std::string>(), "data");

  auto svc = find(docs, "Service");
  ASSERT_TRUE(svc.IsDefined());
  EXPECT_EQ(svc["spec"]["ports"][0]["port"].as<int>(), 9090);

  // Every file kustomization.yaml lists exists.
  auto k = YAML::Load(slurp(kDeploy / "kubernetes/kustomization.yaml"));
  for (const auto& r : k["resources"]) {
    EXPECT_TRUE(std::filesystem::exists(kDeploy / "kubernetes" / r.as<std::string>()))
        << r.as<std::string>();
  }
}

TEST(DeployTest, ConfigMapPrometheusYmlIsTheDefaultAnnotationJob) {
  auto cm = find(manifests(), "ConfigMap");
  ASSERT_TRUE(cm.IsDefined());
  auto c = config::load_config(cm["data"]["prometheus.yml"].as<std::string>(), "");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  auto def = config::load_config(config::default_config_yaml("localhost:9090", true), "");
  ASSERT_TRUE(def.is_ok());
  auto job = [](const config::Config& cfg) -> const config::ScrapeConfig* {
    for (const auto& sc : cfg.scrape_configs) {
      if (sc.job_name == "kubernetes-pods") return &sc;
    }
    return nullptr;
  };
  ASSERT_NE(job(*c), nullptr);
  ASSERT_NE(job(*def), nullptr);
  const auto& a = job(*c)->relabel_configs;
  const auto& b = job(*def)->relabel_configs;
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].source_labels, b[i].source_labels) << i;
    EXPECT_EQ(a[i].regex, b[i].regex) << i;
    EXPECT_EQ(a[i].replacement, b[i].replacement) << i;
    EXPECT_EQ(a[i].target_label, b[i].target_label) << i;
  }
  EXPECT_EQ(job(*c)->kubernetes_sd_configs.at(0).role, "pod");
}

// deploy/kubernetes/sharded: the init container's own script renders the
// config for each ordinal; every rendered config loads, names its replica, and
// the replicas together keep every pod target exactly once, evenly enough.
TEST(DeployTest, ShardedStatefulSetSplitsTargetsAcrossReplicas) {
  auto docs = YAML::LoadAll(slurp(kDeploy / "kubernetes/sharded/statefulset.yaml"));
  YAML::Node cm, sts;
  for (const auto& d : docs) {
    if (d["kind"].as<std::string>() == "ConfigMap") cm = d;
    if (d["kind"].as<std::string>() == "StatefulSet") sts = d;
  }
  ASSERT_TRUE(cm.IsDefined() && sts.IsDefined());
  const int replicas = sts["spec"]["replicas"].as<int>();
  auto init = sts["spec"]["template"]["spec"]["initContainers"][0];
  std::string shards_env;
  for (const auto& e : init["env"]) {
    if (e["name"].as<std::string>() == "SHARDS") shards_env = e["value"].as<std::string>();
  }
  ASSERT_EQ(shards_env, std::to_string(replicas)) << "SHARDS must equal spec.replicas";
  std::string script = init["args"][0].as<std::string>();

  const auto dir =
      std::filesystem::temp_directory_path() / ("promlite-sharded-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "tmpl");
  std::filesystem::create_directories(dir / "config");
  std::ofstream(dir / "tmpl/promlite.yml.tmpl")
      << cm["data"]["promlite.yml.tmpl"].as<std::string>();
  for (const char* mount : {"/tmpl/", "/config/"}) {
    for (size_t p = script.find(mount); p != std::string::npos; p = script.find(mount, p + 1)) {
      script.replace(p, 1, dir.string() + "/");
      p += dir.string().size();
    }
  }
  std::ofstream(dir / "render.sh") << script;

  constexpr int kTargets = 300;
  std::vector<int> kept_by(kTargets, 0);
  std::vector<int> per_shard(static_cast<size_t>(replicas), 0);
  for (int ordinal = 0; ordinal < replicas; ++ordinal) {
    const std::string pod = "promlite-" + std::to_string(ordinal);
    const std::string cmd =
        "POD_NAME=" + pod + " SHARDS=" + shards_env + " sh " + (dir / "render.sh").string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    auto c = config::load_config(slurp(dir / "config/promlite.yml"), "promlite.yml");
    ASSERT_TRUE(c.is_ok()) << pod << ": " << c.status().to_string();
    EXPECT_EQ(c->global.external_labels.get("replica"), pod);
    ASSERT_EQ(c->remote_write.size(), 1u);
    ASSERT_EQ(c->scrape_configs.size(), 1u);
    const auto& job = c->scrape_configs[0];
    scraper::ScrapeSettings settings;
    settings.job_name = job.job_name;
    for (int i = 0; i < kTargets; ++i) {
      model::Labels target{{"__address__", "10.1." + std::to_string(i / 250) + "." +
                                               std::to_string(i % 250) + ":9249"},
                           {"__meta_kubernetes_pod_annotation_prometheus_io_scrape", "true"}};
      auto t = scraper::populate_target_labels(target, {}, settings, job.relabel_configs);
      ASSERT_NE(t.outcome, scraper::PopulatedTarget::Outcome::kError) << t.error;
      if (t.outcome == scraper::PopulatedTarget::Outcome::kKeep) {
        ++kept_by[static_cast<size_t>(i)];
        ++per_shard[static_cast<size_t>(ordinal)];
      }
    }
  }
  std::filesystem::remove_all(dir);
  for (int i = 0; i < kTargets; ++i) EXPECT_EQ(kept_by[static_cast<size_t>(i)], 1) << i;
  for (int n : per_shard) EXPECT_GT(n, kTargets / replicas / 2);
}

TEST(DeployTest, GrafanaFilesParse) {
  auto dash = nlohmann::json::parse(slurp(kDeploy / "grafana/fluss-flink-dashboard.json"));
  std::set<std::string> exprs;
  for (const auto& p : dash["panels"]) {
    if (p["type"] == "row") continue;
    ASSERT_FALSE(p["targets"].empty()) << p["title"];
    for (const auto& t : p["targets"]) exprs.insert(t["expr"].get<std::string>());
  }
  // The seed's queries are there as written.
  EXPECT_TRUE(exprs.count("sum(rate(fluss_client_writer_records_total[5m])) by (instance)"));
  EXPECT_TRUE(exprs.count(
      "sum(rate(flink_taskmanager_job_task_operator_numRecordsIn[5m])) by (job_name, task_name)"));
  EXPECT_TRUE(exprs.count("flink_taskmanager_job_task_operator_fluss_consumer_lag"));
  EXPECT_TRUE(
      exprs.count("histogram_quantile(0.95, sum(rate(fluss_client_writer_sendLatencyMs_"
                  "bucket[5m])) by (le, instance))"));
  for (const char* f : {"grafana/provisioning/datasources/promlite.yaml",
                        "grafana/provisioning/dashboards/promlite.yaml",
                        "grafana/provisioning/alerting/consumer-lag.yaml", "local/compose.yaml"}) {
    EXPECT_NO_THROW(YAML::Load(slurp(kDeploy / f))) << f;
  }
}

}  // namespace
}  // namespace promlite
