// Holds the running configuration and reloads it (SIGHUP, POST /-/reload).
// A file that fails to load or validate leaves the running config in place and
// the failure is reported (log, /-/reload answer, the reload metrics).
#pragma once

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/status.h"

namespace promlite::cmd {

class ConfigManager {
 public:
  using Listener = std::function<void(std::shared_ptr<const config::Config>)>;

  // `file` empty: the embedded default for `self_address`.
  ConfigManager(std::string file, std::string self_address, bool in_kubernetes,
                prometheus::Registry& registry);

  // Loads (or reloads) the configuration; on success notifies the listeners.
  Status reload();

  std::shared_ptr<const config::Config> current() const;

  // Where the embedded default scrapes promlite itself (host:port); takes
  // effect at the next reload.
  void set_self_address(std::string address);

  // Called with each new configuration, from the thread that reloaded it.
  void subscribe(Listener listener);

  // Agent mode: configurations with sections the agent refuses fail to load
  // (check_agent_config). Set before the first reload.
  void set_agent_mode(bool agent) { agent_mode_ = agent; }

 private:
  std::string file_;
  std::string self_address_;
  bool in_kubernetes_;
  bool agent_mode_ = false;
  mutable std::mutex mu_;
  std::mutex reload_mu_;  // one reload at a time
  std::shared_ptr<const config::Config> current_;
  std::vector<Listener> listeners_;
  prometheus::Gauge& last_success_;
  prometheus::Gauge& last_success_time_;
};

}  // namespace promlite::cmd
