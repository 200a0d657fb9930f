// Agent mode's configuration loading: one read and (when valid) one parse,
// with the same answers as checking the agent's refusals and then loading.
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cmd/promlite/agent_mode.h"
#include "cmd/promlite/config_manager.h"

namespace promlite::cmd {
namespace {

namespace fs = std::filesystem;

// The two-step reference: the agent's refusals first, then the loader.
Result<config::Config> check_then_load(const std::string& yaml, const std::string& file) {
  if (Status s = check_agent_config(yaml); !s) return s;
  return config::load_config(yaml, file);
}

TEST(LoadAgentConfig, SameAnswersAsCheckThenLoad) {
  struct Case {
    const char* yaml;
    const char* want;  // a part of the error; empty: loads
  };
  const Case cases[] = {
      {"global:\n  scrape_interval: 15s\n", ""},
      {"", ""},
      {"rule_files:\n", ""},
      {"rule_files: []\n", ""},
      {"rule_files: [a.yml]\n", "field rule_files is not allowed in agent mode"},
      {"rule_files: ['x/*/y.yml']\n", "field rule_files is not allowed in agent mode"},
      {"alerting:\n  alertmanagers:\n  - static_configs: [{targets: ['a:9093']}]\n",
       "field alerting is not allowed in agent mode"},
      {"alerting:\n  alert_relabel_configs: [{action: drop}]\n",
       "field alerting is not allowed in agent mode"},
      {"alerting: {}\n", "not supported by promlite"},
      {"remote_read:\n- url: http://x/read\n", "field remote_read is not allowed in agent mode"},
      {"remote_read: []\n", "not supported by promlite"},
      {"remote_read: [{url: 'http://x'}]\nrule_files: [r]\nalerting:\n  alertmanagers: [{}]\n",
       "field alerting is not allowed in agent mode"},
      {"scrape_configs: [{job_name: a}, {job_name: a}]\nrule_files: [r]\n",
       "field rule_files is not allowed in agent mode"},
      {"scrape_configs: [{job_name: a}, {job_name: a}]\n", "found multiple scrape configs"},
      {"rule_files: r.yml\n", "cannot unmarshal"},
      {"global: [\n", "parsing YAML file"},
      {"- a\n", "the top level must be a mapping"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.yaml);
    auto got = load_agent_config(c.yaml, "/etc/p/agent.yml");
    auto want = check_then_load(c.yaml, "/etc/p/agent.yml");
    ASSERT_EQ(got.is_ok(), want.is_ok());
    if (!got) {
      EXPECT_EQ(got.status().code(), want.status().code());
      EXPECT_EQ(got.status().message(), want.status().message());
      EXPECT_NE(got.status().message().find(c.want), std::string::npos) << got.status().message();
      EXPECT_NE(*c.want, '\0');
      continue;
    }
    EXPECT_EQ(*c.want, '\0');
    EXPECT_EQ(got->source, c.yaml);
    EXPECT_EQ(got->filename, "/etc/p/agent.yml");
    EXPECT_EQ(got->rule_files, want->rule_files);
    EXPECT_EQ(got->global.scrape_interval, want->global.scrape_interval);
  }
}

class ConfigManagerAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("agent_cfg_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& text) { std::ofstream(file()) << text; }
  std::string file() const { return (dir_ / "prometheus.yml").string(); }

  fs::path dir_;
  prometheus::Registry reg_;
};

TEST_F(ConfigManagerAgentTest, ReloadsAndRefusesAsBefore) {
  ConfigManager cm(file(), "127.0.0.1:9090", false, reg_);
  cm.set_agent_mode(true);
  int notified = 0;
  cm.subscribe([&](std::shared_ptr<const config::Config>) { ++notified; });

  const std::string good = "global:\n  scrape_interval: 7s\nscrape_configs:\n- job_name: a\n";
  write(good);
  ASSERT_TRUE(cm.reload().is_ok());
  auto first = cm.current();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->source, good);
  EXPECT_EQ(first->filename, file());
  EXPECT_EQ(first->global.scrape_interval, 7 * model::kSecond);
  EXPECT_EQ(notified, 1);

  // Refused: the running configuration stays.
  write(good + "rule_files: [r.yml]\n");
  Status s = cm.reload();
  EXPECT_EQ(s.message(), "field rule_files is not allowed in agent mode");
  write("alerting:\n  alertmanagers: [{static_configs: [{targets: ['a:1']}]}]\n");
  EXPECT_EQ(cm.reload().message(), "field alerting is not allowed in agent mode");
  EXPECT_EQ(cm.current(), first);
  EXPECT_EQ(notified, 1);

  fs::remove(file());
  s = cm.reload();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "open " + file() + ": No such file or directory");
  EXPECT_EQ(cm.current(), first);

  write(good);
  ASSERT_TRUE(cm.reload().is_ok());
  EXPECT_NE(cm.current(), first);
  EXPECT_EQ(notified, 2);
}

// Outside agent mode the same file loads, rule_files and all.
TEST_F(ConfigManagerAgentTest, ServerModeAcceptsRuleFiles) {
  ConfigManager cm(file(), "127.0.0.1:9090", false, reg_);
  write("rule_files: [r.yml]\n");
  ASSERT_TRUE(cm.reload().is_ok());
  ASSERT_EQ(cm.current()->rule_files.size(), 1u);
  EXPECT_EQ(cm.current()->rule_files[0], (dir_ / "r.yml").string());
  fs::remove(file());
  EXPECT_EQ(cm.reload().message(), "open " + file() + ": No such file or directory");
}

}  // namespace
}  // namespace promlite::cmd
