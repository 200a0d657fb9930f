// A discovery provider (static_configs, file_sd_configs, kubernetes_sd_configs)
// emits the complete list of its target groups whenever it changes. The
// discovery manager runs providers and forwards their groups per job.
#pragma once

#include <functional>
#include <vector>

#include "scraper/discovery/target_group.h"

namespace promlite::scraper::discovery {

class Provider {
 public:
  using Callback = std::function<void(std::vector<TargetGroup>)>;
  virtual ~Provider() = default;
  // Begins discovery; `on_update` receives the full group list on each change,
  // from the provider's own executor. Called once.
  virtual void start(Callback on_update) = 0;
  // Stops discovery; no callback runs after stop() returns.
  virtual void stop() = 0;
};

}  // namespace promlite::scraper::discovery
