// The scraper's top level: one scrape pool per job, fed by that job's discovery
// providers (static_configs, file_sd_configs, kubernetes_sd_configs).
// apply_config() on every (re)load keeps the pools whose configuration did not
// change, restarts changed ones and stops (with staleness markers) the jobs
// that are gone.
#pragma once

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "scraper/discovery/provider.h"
#include "scraper/scrape_pool.h"
#include "scraper/target_status.h"
#include "tsdb/appender.h"

namespace promlite::scraper {

class ScrapeManager : public TargetStatusProvider {
 public:
  // `registry` (optional, must outlive the manager) receives the scraper's
  // self-metric families (see scrape_metrics.h).
  ScrapeManager(boost::asio::io_context& ioc, tsdb::Appendable& storage, std::string user_agent,
                prometheus::Registry* registry = nullptr);
  ~ScrapeManager() override;

  void apply_config(const config::Config& cfg);
  // Stops every job, writing staleness markers; blocks until done.
  void stop();

  std::shared_ptr<ScrapeStats> stats() const { return stats_; }

  std::vector<ActiveTarget> active_targets() const override;
  std::vector<DroppedTarget> dropped_targets() const override;
  std::vector<std::pair<model::Labels, std::map<std::string, MetricMetadata>>> target_metadata()
      const override;

 private:
  struct Job {
    std::string fingerprint;
    std::shared_ptr<ScrapePool> pool;
    std::vector<std::shared_ptr<discovery::Provider>> providers;
  };
  Job start_job(const config::ScrapeConfig& cfg);
  static void stop_job(Job& job, bool stale_markers);

  boost::asio::io_context& ioc_;
  tsdb::Appendable& storage_;
  std::string user_agent_;
  std::shared_ptr<ScrapeStats> stats_;
  mutable std::mutex mu_;
  std::map<std::string, Job> jobs_;
};

}  // namespace promlite::scraper
