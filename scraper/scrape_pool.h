// A scrape pool: the scrape loops of one job. Given the job's target groups it
// computes each target's labels (relabel_configs), drops what relabeling drops,
// merges targets that end up identical, starts loops for new targets and stops
// (with staleness markers) the loops of targets that went away; unchanged
// targets keep their running loop.
#pragma once

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "scraper/discovery/target_group.h"
#include "scraper/http_fetcher.h"
#include "scraper/scrape_loop.h"
#include "scraper/target_labels.h"
#include "scraper/target_status.h"
#include "tsdb/appender.h"

namespace promlite::scraper {

class ScrapePool {
 public:
  ScrapePool(boost::asio::io_context& ioc, tsdb::Appendable& storage,
             std::shared_ptr<const config::ScrapeConfig> cfg, std::shared_ptr<ScrapeStats> stats,
             std::string user_agent);
  ~ScrapePool();

  // Replaces the groups of discovery provider `provider` and re-syncs the loops.
  void set_groups(size_t provider, std::vector<discovery::TargetGroup> groups);

  // Stops every loop; `stale_markers` writes them for all series. Blocks until
  // the loops have stopped.
  void stop(bool stale_markers);

  const config::ScrapeConfig& config() const { return *cfg_; }
  std::vector<ActiveTarget> active() const;
  std::vector<DroppedTarget> dropped() const;
  std::vector<std::pair<model::Labels, std::map<std::string, MetricMetadata>>> metadata() const;

 private:
  void sync_locked();
  std::shared_ptr<ScrapeLoop> make_loop(const PopulatedTarget& t);

  boost::asio::io_context& ioc_;
  tsdb::Appendable& storage_;
  std::shared_ptr<const config::ScrapeConfig> cfg_;
  std::shared_ptr<const config::RelabelConfigs> metric_relabel_;
  std::shared_ptr<ScrapeStats> stats_;
  std::string user_agent_;
  std::shared_ptr<TlsClientContext> tls_;  // one for all targets (see TlsClientContext)

  mutable std::mutex mu_;
  std::map<size_t, std::vector<discovery::TargetGroup>> groups_;
  std::map<uint64_t, std::shared_ptr<ScrapeLoop>> loops_;  // by target identity
  std::vector<DroppedTarget> dropped_;
  bool stopped_ = false;
};

// Equal fingerprints mean a reload can keep the pool's loops running.
std::string scrape_config_fingerprint(const config::ScrapeConfig& c);

}  // namespace promlite::scraper
