// kubernetes_sd_configs (role: pod): one PodWatcher per namespace (or one for
// all namespaces), their target groups merged and handed to the scrape pool.
// The first update goes out when every namespace has been listed; later
// changes are coalesced for `update_delay` (Prometheus's discovery manager
// batches the same way, every 5 s). A pod that goes away is sent once as an
// empty group with its source ("pod/<namespace>/<name>"), then forgotten.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "scraper/discovery/kubernetes/client_config.h"
#include "scraper/discovery/kubernetes/pod_watcher.h"
#include "scraper/discovery/provider.h"

namespace promlite::scraper::discovery::kubernetes {

struct ProviderOptions {
  WatchOptions watch;
  std::chrono::milliseconds update_delay{5000};
  InClusterEnv in_cluster = InClusterEnv::from_environment();
  std::string user_agent = "promlite";
};

// Totals over the provider's watchers (for tests and logs).
struct ProviderStats {
  size_t pods = 0;           // pods known (with or without targets)
  size_t targets = 0;        // targets in their groups
  size_t state_bytes = 0;    // memory held by the groups (labels, sources, maps)
  uint64_t updates = 0;      // updates sent to the scrape pool
  WatcherCounters counters;  // summed over watchers
};

class KubernetesProvider : public Provider,
                           public std::enable_shared_from_this<KubernetesProvider> {
 public:
  // Fails when the role is not supported or the client cannot be set up (no
  // in-cluster environment, unreadable kubeconfig, ...).
  static Result<std::shared_ptr<KubernetesProvider>> create(boost::asio::io_context& ioc,
                                                            const config::KubernetesSDConfig& cfg,
                                                            ProviderOptions opts = {});

  void start(Callback on_update) override;
  void stop() override;

  // A snapshot taken on the provider's strand; call from another thread (it
  // waits for the strand, up to 10 s).
  ProviderStats stats() const;
  // The namespaces watched ("" = all).
  const std::vector<std::string>& namespaces() const { return namespaces_; }

 private:
  KubernetesProvider(boost::asio::io_context& ioc, std::shared_ptr<const ClientConfig> client,
                     std::vector<std::string> namespaces, std::string label_selector,
                     std::string field_selector, ProviderOptions opts);
  void on_change(std::vector<std::string> removed);
  void emit();

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<const ClientConfig> client_;
  std::vector<std::string> namespaces_;
  std::string label_selector_;
  std::string field_selector_;
  ProviderOptions opts_;
  Callback callback_;
  std::vector<std::shared_ptr<PodWatcher>> watchers_;
  std::set<std::string> tombstones_;  // removed sources not yet sent
  bool stopped_ = false;
  bool emit_scheduled_ = false;
  bool sent_first_ = false;
  uint64_t updates_ = 0;

  mutable std::mutex stats_mu_;  // guards stopped_, callback_ and updates_ across threads
};

}  // namespace promlite::scraper::discovery::kubernetes
