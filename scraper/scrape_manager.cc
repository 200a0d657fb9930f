#include "scraper/scrape_manager.h"

#include "model/log.h"
#include "scraper/discovery/file_sd.h"
#include "scraper/discovery/kubernetes/provider.h"

namespace promlite::scraper {

ScrapeManager::ScrapeManager(boost::asio::io_context& ioc, tsdb::Appendable& storage,
                             std::string user_agent, prometheus::Registry* registry)
    : ioc_(ioc),
      storage_(storage),
      user_agent_(std::move(user_agent)),
      stats_(std::make_shared<ScrapeStats>(registry)) {}

ScrapeManager::~ScrapeManager() { stop(); }

ScrapeManager::Job ScrapeManager::start_job(const config::ScrapeConfig& cfg) {
  Job job;
  job.fingerprint = scrape_config_fingerprint(cfg);
  job.pool = std::make_shared<ScrapePool>(
      ioc_, storage_, std::make_shared<const config::ScrapeConfig>(cfg), stats_, user_agent_);
  if (!cfg.static_configs.empty()) {
    job.providers.push_back(std::make_shared<discovery::StaticProvider>(cfg.static_configs));
  }
  for (const auto& f : cfg.file_sd_configs) {
    job.providers.push_back(std::make_shared<discovery::FileSDProvider>(ioc_, f));
  }
  for (const auto& k : cfg.kubernetes_sd_configs) {
    discovery::kubernetes::ProviderOptions opts;
    opts.user_agent = user_agent_;
    auto p = discovery::kubernetes::KubernetesProvider::create(ioc_, k, std::move(opts));
    if (!p) {
      // As Prometheus: the job runs, without targets from this config.
      LOG_ERROR("Cannot create service discovery", {"err", p.status().message()},
                {"type", "kubernetes"}, {"config", cfg.job_name});
      continue;
    }
    job.providers.push_back(*p);
  }
  std::weak_ptr<ScrapePool> weak = job.pool;
  for (size_t i = 0; i < job.providers.size(); ++i) {
    job.providers[i]->start([weak, i](std::vector<discovery::TargetGroup> groups) {
      if (auto pool = weak.lock()) pool->set_groups(i, std::move(groups));
    });
  }
  return job;
}

void ScrapeManager::stop_job(Job& job, bool stale_markers) {
  for (auto& p : job.providers) p->stop();
  job.pool->stop(stale_markers);
}

void ScrapeManager::apply_config(const config::Config& cfg) {
  std::map<std::string, Job> next;
  std::vector<Job> to_stop_stale, to_stop_quiet;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& sc : cfg.scrape_configs) {
      auto it = jobs_.find(sc.job_name);
      if (it != jobs_.end() && it->second.fingerprint == scrape_config_fingerprint(sc)) {
        next.emplace(sc.job_name, std::move(it->second));
        jobs_.erase(it);
        continue;
      }
      if (it != jobs_.end()) {
        // Changed: the new pool takes over the targets; no staleness markers.
        to_stop_quiet.push_back(std::move(it->second));
        jobs_.erase(it);
      }
      next.emplace(sc.job_name, start_job(sc));
    }
    for (auto& [name, job] : jobs_) to_stop_stale.push_back(std::move(job));
    jobs_ = std::move(next);
  }
  for (auto& j : to_stop_quiet) stop_job(j, false);
  for (auto& j : to_stop_stale) stop_job(j, true);
}

void ScrapeManager::stop() {
  std::map<std::string, Job> jobs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs.swap(jobs_);
  }
  for (auto& [name, job] : jobs) stop_job(job, true);
}

std::vector<ActiveTarget> ScrapeManager::active_targets() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ActiveTarget> out;
  for (const auto& [name, job] : jobs_) {
    auto a = job.pool->active();
    out.insert(out.end(), a.begin(), a.end());
  }
  return out;
}

std::vector<DroppedTarget> ScrapeManager::dropped_targets() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<DroppedTarget> out;
  for (const auto& [name, job] : jobs_) {
    auto d = job.pool->dropped();
    out.insert(out.end(), d.begin(), d.end());
  }
  return out;
}

std::vector<std::pair<model::Labels, std::map<std::string, MetricMetadata>>>
ScrapeManager::target_metadata() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<model::Labels, std::map<std::string, MetricMetadata>>> out;
  for (const auto& [name, job] : jobs_) {
    auto m = job.pool->metadata();
    out.insert(out.end(), m.begin(), m.end());
  }
  return out;
}

}  // namespace promlite::scraper
