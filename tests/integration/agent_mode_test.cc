// Agent mode end to end: promlite --agent scrapes a second promlite and
// remote-writes to it (--web.enable-remote-write-receiver); it keeps only a
// WAL, answers the query endpoints with Prometheus's agent error, refuses the
// flags and config sections Prometheus's agent refuses, and resumes after a
// restart.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tests/testutil/http_client.h"
#include "tests/testutil/process.h"

namespace promlite {
namespace {

namespace fs = std::filesystem;
using testutil::http_get;
using testutil::http_request;
using testutil::PromliteProcess;
using testutil::url_encode;

// The value of a one-element instant vector, or -1.
double query_value(uint16_t port, const std::string& q) {
  auto r = http_get(port, "/api/v1/query?query=" + url_encode(q));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200 || j.is_discarded() || !j.contains("data")) return -1;
  const auto& res = j["data"]["result"];
  if (!res.is_array() || res.size() != 1) return -1;
  return std::stod(res[0]["value"][1].get<std::string>());
}

// The first sample of `name` (with any labels) on /metrics, or -1.
double metric_value(uint16_t port, const std::string& name) {
  std::string body = http_get(port, "/metrics").body;
  for (size_t p = 0; (p = body.find(name, p)) != std::string::npos; p += name.size()) {
    if (p > 0 && body[p - 1] != '\n') continue;
    char next = body[p + name.size()];
    if (next != ' ' && next != '{') continue;
    size_t eol = body.find('\n', p);
    size_t sp = body.rfind(' ', eol);
    return std::stod(body.substr(sp + 1, eol - sp - 1));
  }
  return -1;
}

bool eventually(const std::function<bool()>& f, int ms) {
  for (auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
       std::chrono::steady_clock::now() < end;) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return f();
}

std::set<std::string> entries(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    out.insert(name.starts_with("checkpoint.") ? "checkpoint.*" : name);
  }
  return out;
}

TEST(AgentMode, ForwardsRefusesQueriesAndResumesAfterRestart) {
  const std::string dir = testutil::make_temp_dir("agent_mode");
  PromliteProcess receiver(
      {"--storage.tsdb.path=" + dir + "/rx", "--web.enable-remote-write-receiver"});
  ASSERT_TRUE(receiver.started()) << receiver.log();
  std::ofstream(dir + "/agent.yml")
      << "global:\n  scrape_interval: 200ms\n  external_labels: {replica: agent}\n"
      << "scrape_configs:\n  - job_name: rx\n    static_configs:\n"
      << "      - targets: ['127.0.0.1:" << receiver.port() << "']\n"
      << "remote_write:\n  - url: http://127.0.0.1:" << receiver.port() << "/api/v1/write\n"
      << "    name: rx\n    queue_config: {batch_send_deadline: 100ms}\n";
  const std::string agent_dir = dir + "/agent";
  const std::vector<std::string> agent_args = {"--agent", "--config.file=" + dir + "/agent.yml",
                                               "--storage.agent.path=" + agent_dir,
                                               "--storage.agent.wal-truncate-frequency=1s"};
  auto agent = std::make_unique<PromliteProcess>(agent_args);
  ASSERT_TRUE(agent->started()) << agent->log();
  const uint16_t port = agent->port();

  // Query-side endpoints answer as Prometheus's agent.
  const std::string agent_error =
      R"({"status":"error","errorType":"execution","error":"unavailable with Prometheus Agent"})";
  for (const char* path :
       {"/api/v1/query?query=up", "/api/v1/query_range?query=up&start=0&end=1&step=1",
        "/api/v1/labels", "/api/v1/label/job/values", "/api/v1/series?match[]=up",
        "/api/v1/status/tsdb", "/api/v1/rules", "/api/v1/alerts", "/api/v1/query_exemplars",
        "/api/v1/format_query?query=up", "/api/v1/parse_query?query=up"}) {
    auto r = http_get(port, path);
    EXPECT_EQ(r.status, 422) << path;
    EXPECT_EQ(r.body, agent_error) << path;
  }
  EXPECT_EQ(http_request(port, "POST", "/api/v1/admin/tsdb/snapshot").status, 422);
  auto fed = http_get(port, "/federate?match[]=up");
  EXPECT_EQ(fed.status, 500);
  EXPECT_EQ(fed.body, "unsupported operation with WAL-only storage\n");
  // What keeps working.
  EXPECT_EQ(http_get(port, "/-/healthy").status, 200);
  EXPECT_EQ(http_get(port, "/-/ready").body, "Promlite Agent is Ready.\n");
  EXPECT_EQ(http_get(port, "/api/v1/targets").status, 200);
  EXPECT_EQ(http_get(port, "/api/v1/status/config").status, 200);
  EXPECT_EQ(http_get(port, "/api/v1/status/buildinfo").status, 200);
  EXPECT_EQ(http_get(port, "/api/v1/status/walreplay").body,
            R"({"status":"success","data":{"min":0,"max":0,"current":0}})");
  EXPECT_EQ(http_request(port, "POST", "/-/reload").status, 200);

  // Samples arrive at the receiver, labelled by the agent's external labels.
  const std::string q = "count_over_time(up{job=\"rx\",replica=\"agent\"}[10m])";
  ASSERT_TRUE(eventually([&] { return query_value(receiver.port(), q) >= 5; }, 15000))
      << agent->log();
  EXPECT_GT(metric_value(port, "prometheus_agent_active_series"), 0);
  EXPECT_GT(metric_value(port, "prometheus_agent_samples_appended_total"), 0);
  // The WAL is truncated (a checkpoint every second here).
  ASSERT_TRUE(eventually(
      [&] { return metric_value(port, "prometheus_agent_checkpoint_creations_total") >= 1; },
      5000));
  EXPECT_EQ(metric_value(port, "prometheus_remote_storage_samples_failed_total"), 0);
  // Only a WAL: no store, no TSDB directory.
  // (remote/ holds the queue's saved position once it has been saved.)
  const std::set<std::string> allowed = {"lock", "wal", "checkpoint.*", "remote"};
  for (const auto& name : entries(agent_dir)) EXPECT_TRUE(allowed.count(name)) << name;
  EXPECT_TRUE(entries(agent_dir).count("wal"));
  EXPECT_FALSE(fs::exists(agent_dir + "/store"));

  EXPECT_EQ(agent->stop(SIGTERM), 0);
  const double before = query_value(receiver.port(), q);
  ASSERT_GE(before, 5);
  // A restart replays the checkpoint and WAL, and the queue resumes.
  agent = std::make_unique<PromliteProcess>(agent_args);
  ASSERT_TRUE(agent->started()) << agent->log();
  EXPECT_GT(metric_value(agent->port(), "prometheus_agent_active_series"), 0)
      << "series come back from the checkpoint";
  EXPECT_TRUE(eventually([&] { return query_value(receiver.port(), q) >= before + 5; }, 15000))
      << "receiver has " << query_value(receiver.port(), q) << ", had " << before << "\n"
      << agent->log();
  EXPECT_EQ(metric_value(agent->port(), "prometheus_remote_storage_samples_failed_total"), 0);
  EXPECT_EQ(agent->stop(SIGTERM), 0);
  EXPECT_EQ(receiver.stop(SIGTERM), 0);
  fs::remove_all(dir);
}

TEST(AgentMode, RefusesServerFlagsAndConfigSections) {
  const std::string dir = testutil::make_temp_dir("agent_refuse");
  std::string out;
  EXPECT_EQ(testutil::run_binary({"--agent", "--storage.tsdb.path=x", "--query.timeout=1m"}, &out),
            3);
  EXPECT_NE(out.find(R"(The following flag(s) can not be used in agent mode: )"
                     R"(["--storage.tsdb.path" "--query.timeout"])"),
            std::string::npos)
      << out;
  EXPECT_EQ(testutil::run_binary({"--storage.agent.path=x"}, &out), 3);
  EXPECT_NE(out.find(R"(The following flag(s) can only be used in agent mode: )"
                     R"(["--storage.agent.path"])"),
            std::string::npos)
      << out;

  struct {
    const char* yaml;
    const char* want;
  } cases[] = {
      {"alerting:\n  alertmanagers:\n    - static_configs: [{targets: ['a:9093']}]\n",
       "field alerting is not allowed in agent mode"},
      {"rule_files: ['rules.yml']\n", "field rule_files is not allowed in agent mode"},
      {"remote_read:\n  - url: http://127.0.0.1:1/api/v1/read\n",
       "field remote_read is not allowed in agent mode"},
  };
  for (const auto& c : cases) {
    std::ofstream(dir + "/bad.yml") << c.yaml;
    EXPECT_NE(testutil::run_binary(
                  {"--agent", "--config.file=" + dir + "/bad.yml",
                   "--storage.agent.path=" + dir + "/a", "--web.listen-address=127.0.0.1:0"},
                  &out),
              0);
    EXPECT_NE(out.find(c.want), std::string::npos) << out;
  }
  // Empty sections pass (promlite's loader refuses any `alerting` or
  // `remote_read`, even empty, in both modes), and the refusal applies to
  // reloads too.
  std::ofstream(dir + "/ok.yml") << "rule_files: []\n";
  PromliteProcess agent(
      {"--agent", "--config.file=" + dir + "/ok.yml", "--storage.agent.path=" + dir + "/a"});
  ASSERT_TRUE(agent.started()) << agent.log();
  std::ofstream(dir + "/ok.yml") << "rule_files: ['rules.yml']\n";
  auto r = http_request(agent.port(), "POST", "/-/reload");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("field rule_files is not allowed in agent mode"), std::string::npos)
      << r.body;
  EXPECT_EQ(agent.stop(SIGTERM), 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace promlite
