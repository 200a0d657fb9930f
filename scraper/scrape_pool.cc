#include "scraper/scrape_pool.h"

#include <future>

#include "model/log.h"
#include "scraper/target_labels.h"
#include "scraper/textparse/content_type.h"

namespace promlite::scraper {

namespace {

void append_relabels(std::string& out, const config::RelabelConfigs& rules) {
  for (const auto& r : rules) {
    for (const auto& s : r.source_labels) out += s + ",";
    out += "|" + r.separator + "|" + r.regex + "|" + std::to_string(r.modulus) + "|" +
           r.target_label + "|" + r.replacement + "|" +
           std::string(config::relabel_action_name(r.action)) + ";";
  }
}

}  // namespace

std::string scrape_config_fingerprint(const config::ScrapeConfig& c) {
  std::string f =
      c.job_name + "|" + std::to_string(c.honor_labels) + std::to_string(c.honor_timestamps) +
      std::to_string(c.track_timestamps_staleness) + "|" + std::to_string(c.scrape_interval) + "|" +
      std::to_string(c.scrape_timeout) + "|" + c.metrics_path + "|" + c.scheme + "|" +
      std::to_string(c.enable_compression) + "|" + std::to_string(c.sample_limit) + "|" +
      std::to_string(c.label_limit) + "|" + std::to_string(c.label_name_length_limit) + "|" +
      std::to_string(c.label_value_length_limit) + "|" + std::to_string(c.body_size_limit) + "|" +
      std::to_string(c.target_limit) + "|" + c.fallback_scrape_protocol + "|" +
      c.metric_name_validation_scheme + "|" + c.metric_name_escaping_scheme + "|";
  for (const auto& p : c.scrape_protocols) f += p + ",";
  for (const auto& [k, vs] : c.params) {
    f += k + "=";
    for (const auto& v : vs) f += v + ",";
  }
  const auto& h = c.http;
  if (h.basic_auth) {
    f += "|ba:" + h.basic_auth->username + ":" + h.basic_auth->username_file + ":" +
         h.basic_auth->password + ":" + h.basic_auth->password_file;
  }
  if (h.authorization) {
    f += "|az:" + h.authorization->type + ":" + h.authorization->credentials + ":" +
         h.authorization->credentials_file;
  }
  const auto& t = h.tls_config;
  f += "|tls:" + t.ca_file + ":" + t.cert_file + ":" + t.key_file + ":" + t.server_name + ":" +
       std::to_string(t.insecure_skip_verify) + ":" + t.min_version + "|";
  append_relabels(f, c.relabel_configs);
  f += "||";
  append_relabels(f, c.metric_relabel_configs);
  return f;
}

ScrapePool::ScrapePool(boost::asio::io_context& ioc, tsdb::Appendable& storage,
                       std::shared_ptr<const config::ScrapeConfig> cfg,
                       std::shared_ptr<ScrapeStats> stats, std::string user_agent)
    : ioc_(ioc),
      storage_(storage),
      cfg_(std::move(cfg)),
      metric_relabel_(std::make_shared<config::RelabelConfigs>(cfg_->metric_relabel_configs)),
      stats_(std::move(stats)),
      user_agent_(std::move(user_agent)),
      tls_(std::make_shared<TlsClientContext>(cfg_->http.tls_config)) {}

ScrapePool::~ScrapePool() { stop(false); }

void ScrapePool::set_groups(size_t provider, std::vector<discovery::TargetGroup> groups) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return;
  groups_[provider] = std::move(groups);
  sync_locked();
}

std::shared_ptr<ScrapeLoop> ScrapePool::make_loop(const PopulatedTarget& t) {
  LoopOptions o;
  o.scrape_pool = cfg_->job_name;
  o.target_labels = t.labels;
  o.discovered_labels = t.discovered;
  o.scrape_url = scrape_url(t.internal, cfg_->params);
  std::string scheme(t.internal.get(kSchemeLabel));
  if (scheme.empty()) scheme = cfg_->scheme;
  o.request.scheme = scheme;
  const std::string address(t.internal.get(kAddressLabel));
  if (!split_host_port(address, scheme, &o.request.host, &o.request.port)) {
    o.address_error = Status(StatusCode::kInvalidArgument,
                             "invalid target address \"" + address + "\" in \"" + o.scrape_url +
                                 "\": want host:port, with brackets around an IPv6 host");
  }
  size_t p = o.scrape_url.find("://");
  size_t slash = p == std::string::npos ? std::string::npos : o.scrape_url.find('/', p + 3);
  o.request.target = slash == std::string::npos ? "/" : o.scrape_url.substr(slash);
  o.request.accept = textparse::accept_header(
      cfg_->scrape_protocols.empty() ? config::default_scrape_protocols() : cfg_->scrape_protocols,
      cfg_->metric_name_escaping_scheme);
  o.fallback_scrape_protocol = cfg_->fallback_scrape_protocol;
  o.legacy_name_validation = cfg_->metric_name_validation_scheme == "legacy";
  o.request.timeout = t.timeout;
  o.request.body_size_limit = cfg_->body_size_limit;
  o.request.accept_gzip = cfg_->enable_compression;
  o.interval = t.interval;
  o.honor_labels = cfg_->honor_labels;
  o.honor_timestamps = cfg_->honor_timestamps;
  o.track_timestamps_staleness = cfg_->track_timestamps_staleness;
  o.sample_limit = cfg_->sample_limit;
  o.label_limit = cfg_->label_limit;
  o.label_name_length_limit = cfg_->label_name_length_limit;
  o.label_value_length_limit = cfg_->label_value_length_limit;
  o.metric_relabel = metric_relabel_;
  // Named files are loaded up front so that a bad one shows here, as before;
  // the system CA bundle only at the first https scrape.
  Status tls_ok = tls_->names_files() ? tls_->load() : Status::ok();
  auto fetcher = tls_ok ? HttpFetcher::create(ioc_, cfg_->http, user_agent_, tls_)
                        : Result<std::shared_ptr<HttpFetcher>>(tls_ok);
  if (!fetcher) {
    LOG_ERROR("Cannot create scrape client", {"scrape_pool", cfg_->job_name},
              {"err", fetcher.status().message()});
    return nullptr;
  }
  return std::make_shared<ScrapeLoop>(ioc_, storage_, *fetcher, std::move(o), stats_);
}

void ScrapePool::sync_locked() {
  const auto sync_start = std::chrono::steady_clock::now();
  ScrapeSettings settings;
  settings.job_name = cfg_->job_name;
  settings.scheme = cfg_->scheme;
  settings.metrics_path = cfg_->metrics_path;
  settings.scrape_interval = cfg_->scrape_interval;
  settings.scrape_timeout = cfg_->scrape_timeout;
  settings.params = cfg_->params;

  std::map<uint64_t, PopulatedTarget> wanted;
  std::vector<DroppedTarget> dropped;
  for (const auto& [provider, groups] : groups_) {
    for (const auto& group : groups) {
      for (const auto& target : group.targets) {
        PopulatedTarget t =
            populate_target_labels(target, group.labels, settings, cfg_->relabel_configs);
        if (t.outcome == PopulatedTarget::Outcome::kDropped) {
          dropped.push_back({t.discovered, cfg_->job_name});
          continue;
        }
        if (t.outcome == PopulatedTarget::Outcome::kError) {
          LOG_WARN("Creating target failed", {"scrape_pool", cfg_->job_name}, {"err", t.error});
          continue;
        }
        // Identity: the final labels plus the scrape URL; duplicates merge.
        std::string url = scrape_url(t.internal, cfg_->params);
        uint64_t key = t.labels.hash() ^ model::hash_bytes(url.data(), url.size(), 7);
        wanted.emplace(key, std::move(t));
      }
    }
  }
  dropped_ = std::move(dropped);

  for (auto it = loops_.begin(); it != loops_.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    it->second->stop(true);
    it = loops_.erase(it);
  }
  // target_limit: over it, every target of the pool fails (Prometheus's
  // forced error) until discovery brings the count back under the limit.
  Status forced;
  if (cfg_->target_limit && wanted.size() > cfg_->target_limit) {
    stats_->target_limit_hits().Increment();
    forced = Status(StatusCode::kResourceExhausted,
                    "target_limit exceeded (number of targets: " + std::to_string(wanted.size()) +
                        ", limit: " + std::to_string(cfg_->target_limit) + ")");
  }
  for (auto& [key, target] : wanted) {
    auto it = loops_.find(key);
    if (it != loops_.end()) {
      it->second->set_forced_error(forced);
      continue;
    }
    auto loop = make_loop(target);
    if (!loop) continue;
    loop->set_forced_error(forced);
    loop->start();
    loops_.emplace(key, std::move(loop));
  }
  stats_->pool_targets(cfg_->job_name).Set(static_cast<double>(loops_.size()));
  stats_->pool_syncs(cfg_->job_name).Increment();
  stats_->sync_length(cfg_->job_name)
      .Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - sync_start).count());
}

void ScrapePool::stop(bool stale_markers) {
  std::vector<std::shared_ptr<ScrapeLoop>> loops;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    if (stale_markers) stats_->remove_job(cfg_->job_name);  // the job is gone
    for (auto& [k, l] : loops_) loops.push_back(l);
    loops_.clear();
  }
  std::vector<std::future<void>> waits;
  for (auto& l : loops) {
    auto p = std::make_shared<std::promise<void>>();
    waits.push_back(p->get_future());
    l->stop(stale_markers, [p] { p->set_value(); });
  }
  for (auto& w : waits) {
    // A loop with a scrape in flight stops when it returns (bounded by the
    // scrape timeout); do not wait forever if the io_context is gone.
    w.wait_for(std::chrono::milliseconds(cfg_->scrape_timeout + 5000));
  }
}

std::vector<ActiveTarget> ScrapePool::active() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ActiveTarget> out;
  for (const auto& [k, l] : loops_) out.push_back(l->status());
  return out;
}

std::vector<DroppedTarget> ScrapePool::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

std::vector<std::pair<model::Labels, std::map<std::string, MetricMetadata>>> ScrapePool::metadata()
    const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<model::Labels, std::map<std::string, MetricMetadata>>> out;
  for (const auto& [k, l] : loops_) out.emplace_back(l->options().target_labels, l->metadata());
  return out;
}

}  // namespace promlite::scraper
