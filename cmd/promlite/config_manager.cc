#include "cmd/promlite/config_manager.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cmd/promlite/agent_mode.h"
#include "model/duration.h"
#include "model/log.h"

namespace promlite::cmd {

namespace {

// Reads the file as config::load_config_file does (same error when it cannot
// be opened).
Result<std::string> read_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status(StatusCode::kNotFound, "open " + path + ": " + std::string(std::strerror(errno)));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return std::move(buf).str();
}

}  // namespace

ConfigManager::ConfigManager(std::string file, std::string self_address, bool in_kubernetes,
                             prometheus::Registry& registry)
    : file_(std::move(file)),
      self_address_(std::move(self_address)),
      in_kubernetes_(in_kubernetes),
      last_success_(prometheus::BuildGauge()
                        .Name("prometheus_config_last_reload_successful")
                        .Help("Whether the last configuration reload attempt was successful.")
                        .Register(registry)
                        .Add({})),
      last_success_time_(prometheus::BuildGauge()
                             .Name("prometheus_config_last_reload_success_timestamp_seconds")
                             .Help("Timestamp of the last successful configuration reload.")
                             .Register(registry)
                             .Add({})) {}

Status ConfigManager::reload() {
  std::lock_guard<std::mutex> reload_lock(reload_mu_);
  std::string source = file_.empty() ? "embedded default" : file_;
  LOG_INFO("Loading configuration file", {"filename", source});
  Result<config::Config> loaded = Status(StatusCode::kInternal, "not loaded");
  if (file_.empty()) {
    loaded = config::load_config(config::default_config_yaml(self_address_, in_kubernetes_), "");
  } else if (!agent_mode_) {
    loaded = config::load_config_file(file_);
  } else if (Result<std::string> text = read_config_file(file_); !text) {
    loaded = text.status();
  } else {
    loaded = load_agent_config(*text, file_);  // one read, one parse when valid
  }
  if (!loaded) {
    last_success_.Set(0);
    LOG_ERROR("Error loading config", {"filename", source}, {"err", loaded.status().message()});
    return loaded.status();
  }
  auto cfg = std::make_shared<const config::Config>(std::move(loaded).value());
  std::vector<Listener> listeners;
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = cfg;
    listeners = listeners_;
  }
  for (auto& l : listeners) l(cfg);
  last_success_.Set(1);
  last_success_time_.Set(static_cast<double>(model::now_ms()) / 1000.0);
  LOG_INFO("Completed loading of configuration file", {"filename", source},
           {"scrape_configs", static_cast<int64_t>(cfg->scrape_configs.size())});
  return Status::ok();
}

std::shared_ptr<const config::Config> ConfigManager::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

void ConfigManager::set_self_address(std::string address) {
  std::lock_guard<std::mutex> lock(reload_mu_);
  self_address_ = std::move(address);
}

void ConfigManager::subscribe(Listener listener) {
  std::lock_guard<std::mutex> lock(mu_);
  listeners_.push_back(std::move(listener));
}

}  // namespace promlite::cmd
