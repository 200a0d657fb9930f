#include "scraper/discovery/kubernetes/provider.h"

#include <boost/asio/post.hpp>
#include <future>

#include "model/log.h"

namespace promlite::scraper::discovery::kubernetes {

namespace net = boost::asio;

namespace {

// Heap bytes of one stored group (its map node and key included).
size_t group_bytes(const std::string& key, const TargetGroup& g) {
  size_t n = 4 * sizeof(void*) + sizeof(key) + key.capacity() + sizeof(TargetGroup);
  n += g.source.capacity() + g.labels.memory_bytes();
  n += (g.targets.capacity() - g.targets.size()) * sizeof(model::Labels);
  for (const auto& t : g.targets) n += t.memory_bytes();
  return n;
}

}  // namespace

Result<std::shared_ptr<KubernetesProvider>> KubernetesProvider::create(
    net::io_context& ioc, const config::KubernetesSDConfig& cfg, ProviderOptions opts) {
  if (cfg.role != "pod") {
    return invalid_argument("kubernetes_sd_configs role \"" + cfg.role +
                            "\" is not supported by promlite (supported: pod)");
  }
  auto client = resolve_client_config(cfg, opts.in_cluster);
  if (!client) return client.status();
  std::vector<std::string> namespaces;
  for (const auto& n : cfg.namespaces) {
    if (std::find(namespaces.begin(), namespaces.end(), n) == namespaces.end()) {
      namespaces.push_back(n);
    }
  }
  if (cfg.own_namespace && !client->own_namespace.empty() &&
      std::find(namespaces.begin(), namespaces.end(), client->own_namespace) == namespaces.end()) {
    namespaces.push_back(client->own_namespace);
  }
  if (namespaces.empty()) namespaces.push_back("");  // all namespaces
  std::string label, field;
  for (const auto& s : cfg.selectors) {
    if (s.role != "pod") continue;  // node selectors need attach_metadata (not supported)
    label = s.label;
    field = s.field;
  }
  return std::shared_ptr<KubernetesProvider>(new KubernetesProvider(
      ioc, std::make_shared<const ClientConfig>(std::move(client).value()), std::move(namespaces),
      std::move(label), std::move(field), std::move(opts)));
}

KubernetesProvider::KubernetesProvider(net::io_context& ioc,
                                       std::shared_ptr<const ClientConfig> client,
                                       std::vector<std::string> namespaces,
                                       std::string label_selector, std::string field_selector,
                                       ProviderOptions opts)
    : strand_(net::make_strand(ioc)),
      timer_(strand_),
      client_(std::move(client)),
      namespaces_(std::move(namespaces)),
      label_selector_(std::move(label_selector)),
      field_selector_(std::move(field_selector)),
      opts_(std::move(opts)) {}

void KubernetesProvider::start(Callback on_update) {
  net::post(strand_, [self = shared_from_this(), cb = std::move(on_update)]() mutable {
    {
      std::lock_guard<std::mutex> lock(self->stats_mu_);
      if (self->stopped_) return;
      self->callback_ = std::move(cb);
    }
    std::weak_ptr<KubernetesProvider> weak = self;
    for (const auto& ns : self->namespaces_) {
      auto w = std::make_shared<PodWatcher>(
          self->strand_, self->client_, self->opts_.user_agent, ns, self->label_selector_,
          self->field_selector_, self->opts_.watch, [weak](std::vector<std::string> removed) {
            if (auto p = weak.lock()) p->on_change(std::move(removed));
          });
      self->watchers_.push_back(w);
      w->start();
    }
  });
}

void KubernetesProvider::stop() {
  {
    // Under the lock, so that no callback is running or can start once we return.
    std::lock_guard<std::mutex> lock(stats_mu_);
    stopped_ = true;
    callback_ = nullptr;
  }
  net::post(strand_, [self = shared_from_this()] {
    self->timer_.cancel();
    for (auto& w : self->watchers_) w->stop();
    self->watchers_.clear();
  });
}

void KubernetesProvider::on_change(std::vector<std::string> removed) {
  for (auto& r : removed) tombstones_.insert(std::move(r));
  for (const auto& w : watchers_) {
    // The first update waits for every namespace; none goes out while a
    // relist is half read (its completion calls here again).
    if (!w->synced() || w->relisting()) return;
  }
  if (!sent_first_ || opts_.update_delay.count() == 0) return emit();
  if (emit_scheduled_) return;
  emit_scheduled_ = true;
  timer_.expires_after(opts_.update_delay);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    self->emit_scheduled_ = false;
    if (ec) return;
    for (const auto& w : self->watchers_) {
      if (w->relisting()) return;  // its completion schedules the update
    }
    self->emit();
  });
}

void KubernetesProvider::emit() {
  std::vector<TargetGroup> out;
  size_t total = 0;
  for (const auto& w : watchers_) total += w->groups().size();
  out.reserve(total + tombstones_.size());
  for (const auto& w : watchers_) {
    for (const auto& [source, g] : w->groups()) {
      tombstones_.erase(source);  // deleted and re-created since
      out.push_back(g);
    }
  }
  for (const auto& source : tombstones_) {
    TargetGroup g;
    g.source = source;
    out.push_back(std::move(g));
  }
  tombstones_.clear();
  sent_first_ = true;
  std::lock_guard<std::mutex> lock(stats_mu_);
  ++updates_;
  if (stopped_ || !callback_) return;
  callback_(std::move(out));
}

ProviderStats KubernetesProvider::stats() const {
  auto promise = std::make_shared<std::promise<ProviderStats>>();
  auto future = promise->get_future();
  net::post(strand_, [self = shared_from_this(), promise] {
    ProviderStats st;
    for (const auto& w : self->watchers_) {
      for (const auto& [source, g] : w->groups()) {
        ++st.pods;
        st.targets += g.targets.size();
        st.state_bytes += group_bytes(source, g);
      }
      const auto& c = w->counters();
      st.counters.lists += c.lists;
      st.counters.relists += c.relists;
      st.counters.watches += c.watches;
      st.counters.events += c.events;
      st.counters.failures += c.failures;
    }
    {
      std::lock_guard<std::mutex> lock(self->stats_mu_);
      st.updates = self->updates_;
    }
    promise->set_value(st);
  });
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return {};
  return future.get();
}

}  // namespace promlite::scraper::discovery::kubernetes
