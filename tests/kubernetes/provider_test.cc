// The pod discovery end to end against a fake API server over HTTPS: list,
// watch events, bookmarks, 410 Gone and ERROR events (relist), an API server
// that goes away (backoff, then recovery), token rotation, TLS verification,
// selectors, and the default in-cluster job scraping an annotated pod.
#include "scraper/discovery/kubernetes/provider.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "scraper/scrape_pool.h"
#include "tests/kubernetes/fake_api_server.h"
#include "tests/kubernetes/pod_fixtures.h"
#include "tests/testutil/fake_http_server.h"
#include "tests/testutil/memory_storage.h"

namespace promlite::scraper::discovery::kubernetes {
namespace {

using testutil::FakeApiServer;

template <typename F>
bool eventually(F pred, int ms = 10000) {
  for (int i = 0; i < ms / 10; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

const TargetGroup* find_group(const std::vector<TargetGroup>& gs, const std::string& source) {
  for (const auto& g : gs) {
    if (g.source == source) return &g;
  }
  return nullptr;
}

class ProviderTest : public ::testing::Test {
 protected:
  ProviderTest() : guard_(boost::asio::make_work_guard(ioc_)) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
    dir_ = std::filesystem::temp_directory_path() /
           ("promlite-k8s-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  ~ProviderTest() override {
    if (provider_) provider_->stop();
    provider_.reset();
    guard_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    std::filesystem::remove_all(dir_);
  }

  std::string write(const std::string& name, const std::string& content) {
    std::string p = (dir_ / name).string();
    std::ofstream(p) << content;
    return p;
  }

  ProviderOptions fast_options() {
    ProviderOptions o;
    o.update_delay = std::chrono::milliseconds(0);
    o.watch.initial_backoff = std::chrono::milliseconds(50);
    o.watch.max_backoff = std::chrono::milliseconds(400);
    o.watch.healthy_watch = std::chrono::milliseconds(200);
    o.watch.page_limit = 1;
    o.in_cluster = InClusterEnv{};
    o.in_cluster.host.clear();
    o.user_agent = "promlite-test";
    return o;
  }

  // api_server + bearer token file + CA file, the way a prometheus.yml gives them.
  config::KubernetesSDConfig sd_for(const FakeApiServer& server, const std::string& token) {
    config::KubernetesSDConfig sd;
    sd.role = "pod";
    sd.api_server = server.url();
    sd.http.tls_config.ca_file = write("ca.pem", server.ca_pem());
    sd.http.authorization = config::Authorization{"Bearer", "", write("token", token + "\n")};
    return sd;
  }

  void start(const config::KubernetesSDConfig& sd, ProviderOptions opts) {
    auto p = KubernetesProvider::create(ioc_, sd, std::move(opts));
    ASSERT_TRUE(p.is_ok()) << p.status().to_string();
    provider_ = *p;
    provider_->start([this](std::vector<TargetGroup> groups) {
      std::lock_guard<std::mutex> l(mu_);
      last_size_ = groups.size();
      updates_.push_back(std::move(groups));
    });
  }

  std::vector<TargetGroup> last() {
    std::lock_guard<std::mutex> l(mu_);
    return updates_.empty() ? std::vector<TargetGroup>{} : updates_.back();
  }
  size_t update_count() {
    std::lock_guard<std::mutex> l(mu_);
    return updates_.size();
  }
  bool any_update_has_empty(const std::string& source) {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& u : updates_) {
      const TargetGroup* g = find_group(u, source);
      if (g && g->targets.empty() && g->labels.empty()) return true;
    }
    return false;
  }
  std::string address_of(const std::string& source) {
    auto gs = last();
    const TargetGroup* g = find_group(gs, source);
    if (!g || g->targets.empty()) return "";
    return std::string(g->targets.back().get("__address__"));
  }

  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
  std::filesystem::path dir_;
  std::shared_ptr<KubernetesProvider> provider_;
  std::mutex mu_;
  std::vector<std::vector<TargetGroup>> updates_;
  std::atomic<size_t> last_size_{0};
};

TEST_F(ProviderTest, ListThenWatchAddedModifiedDeletedAndBookmark) {
  FakeApiServer server;
  server.set_token("s3cret");
  server.upsert("fluss", "coordinator-server-0", testdata::fluss_coordinator_pod());
  server.upsert("fluss", "producer-7d9f8b6c5-x2k4q", testdata::producer_pod());
  start(sd_for(server, "s3cret"), fast_options());

  ASSERT_TRUE(eventually([&] { return last().size() == 2; }));
  auto first = last();
  const TargetGroup* coord = find_group(first, "pod/fluss/coordinator-server-0");
  ASSERT_NE(coord, nullptr);
  ASSERT_EQ(coord->targets.size(), 2u);
  EXPECT_EQ(coord->targets[1].get("__address__"), "10.244.1.17:9249");
  EXPECT_EQ(coord->labels.get("__meta_kubernetes_pod_annotation_prometheus_io_port"), "9249");

  // Paged list (limit=1 -> continue), then a watch from the list's version.
  ASSERT_TRUE(eventually([&] { return server.open_watches() == 1; }));
  auto reqs = server.requests();
  ASSERT_GE(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].target, "/api/v1/pods?limit=1");
  EXPECT_EQ(reqs[1].target, "/api/v1/pods?limit=1&continue=1");
  EXPECT_EQ(reqs[2].target.rfind("/api/v1/pods?allowWatchBookmarks=true&resourceVersion=" +
                                     std::to_string(server.resource_version()) + "&timeoutSeconds=",
                                 0),
            0u)
      << reqs[2].target;
  EXPECT_NE(reqs[2].target.find("&watch=true"), std::string::npos);
  for (const auto& r : reqs) EXPECT_EQ(r.authorization, "Bearer s3cret");  // newline trimmed

  // ADDED
  server.upsert("fluss", "tablet-server-0",
                testdata::fluss_coordinator_pod("tablet-server-0", "10.244.2.40"));
  ASSERT_TRUE(
      eventually([&] { return address_of("pod/fluss/tablet-server-0") == "10.244.2.40:9249"; }));
  // MODIFIED (the producer moved to a new IP)
  server.upsert("fluss", "producer-7d9f8b6c5-x2k4q", testdata::producer_pod("10.244.3.99"));
  ASSERT_TRUE(eventually(
      [&] { return address_of("pod/fluss/producer-7d9f8b6c5-x2k4q") == "10.244.3.99:8080"; }));
  // DELETED: sent once as an empty group, then forgotten.
  server.remove("fluss", "coordinator-server-0");
  ASSERT_TRUE(eventually([&] { return any_update_has_empty("pod/fluss/coordinator-server-0"); }));
  server.upsert("fluss", "tablet-server-1",
                testdata::fluss_coordinator_pod("tablet-server-1", "10.244.2.41"));
  ASSERT_TRUE(eventually([&] { return find_group(last(), "pod/fluss/tablet-server-1"); }));
  EXPECT_EQ(find_group(last(), "pod/fluss/coordinator-server-0"), nullptr);

  // BOOKMARK moves the resourceVersion the next watch starts from.
  server.bookmark();
  int64_t bookmark_rv = server.resource_version();
  std::this_thread::sleep_for(std::chrono::milliseconds(250));  // > healthy_watch
  size_t before = server.requests().size();
  server.end_watches();
  ASSERT_TRUE(eventually([&] { return server.requests().size() > before; }));
  EXPECT_NE(server.requests().back().target.find("resourceVersion=" + std::to_string(bookmark_rv)),
            std::string::npos)
      << server.requests().back().target;
  auto st = provider_->stats();
  EXPECT_EQ(st.counters.relists, 0u);  // a clean watch end re-watches, no relist
  EXPECT_EQ(st.pods, 3u);
}

TEST_F(ProviderTest, GoneAndErrorEventsRelist) {
  FakeApiServer server;
  server.upsert("fluss", "coordinator-server-0", testdata::fluss_coordinator_pod());
  server.upsert("fluss", "producer-7d9f8b6c5-x2k4q", testdata::producer_pod());
  start(sd_for(server, "t"), fast_options());
  ASSERT_TRUE(eventually([&] { return last().size() == 2 && server.open_watches() == 1; }));

  // A pod disappears while history is compacted: the watch gets 410 Gone,
  // the relist finds the pod gone, and its empty group goes out.
  server.remove("fluss", "coordinator-server-0");
  server.compact();
  ASSERT_TRUE(eventually([&] { return provider_->stats().counters.relists >= 1; }));
  ASSERT_TRUE(eventually([&] { return any_update_has_empty("pod/fluss/coordinator-server-0"); }));
  ASSERT_TRUE(eventually([&] { return server.open_watches() == 1; }));

  // An ERROR event in the stream also relists.
  uint64_t relists = provider_->stats().counters.relists;
  server.send_error_event();
  ASSERT_TRUE(eventually([&] { return provider_->stats().counters.relists > relists; }));
  server.upsert("flink", "aggregator-taskmanager-1-1", testdata::flink_taskmanager_pod());
  ASSERT_TRUE(
      eventually([&] { return find_group(last(), "pod/flink/aggregator-taskmanager-1-1"); }));
}

TEST_F(ProviderTest, ApiServerDownBacksOffThenRecovers) {
  FakeApiServer server;
  server.upsert("fluss", "producer-7d9f8b6c5-x2k4q", testdata::producer_pod());
  start(sd_for(server, "t"), fast_options());
  ASSERT_TRUE(eventually([&] { return last().size() == 1 && server.open_watches() == 1; }));

  server.go_down();
  ASSERT_TRUE(eventually([&] { return provider_->stats().counters.failures >= 1; }));
  uint64_t f0 = provider_->stats().counters.failures;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  uint64_t f1 = provider_->stats().counters.failures;
  // 50 ms doubling to 400 ms with jitter: ~6-12 attempts in 1.5 s, never a spin.
  EXPECT_GE(f1 - f0, 2u);
  EXPECT_LE(f1 - f0, 20u);
  // Discovery keeps the last known targets while the API server is away.
  EXPECT_EQ(last().size(), 1u);

  server.come_back();
  server.upsert("fluss", "coordinator-server-0", testdata::fluss_coordinator_pod());
  ASSERT_TRUE(eventually([&] { return last().size() == 2; }, 5000));
}

TEST_F(ProviderTest, InClusterOwnNamespaceAndTokenRotation) {
  FakeApiServer server;
  server.set_token("first");
  server.upsert("fluss", "producer-7d9f8b6c5-x2k4q", testdata::producer_pod());
  server.upsert("flink", "aggregator-taskmanager-1-1", testdata::flink_taskmanager_pod());
  ProviderOptions o = fast_options();
  o.in_cluster.host = "127.0.0.1";
  o.in_cluster.port = std::to_string(server.port());
  o.in_cluster.token_file = write("token", "first\n");
  o.in_cluster.ca_file = write("ca.crt", server.ca_pem());
  o.in_cluster.namespace_file = write("namespace", "fluss");
  config::KubernetesSDConfig sd;
  sd.role = "pod";
  sd.own_namespace = true;
  start(sd, o);
  ASSERT_TRUE(eventually([&] { return last().size() == 1 && server.open_watches() == 1; }));
  EXPECT_TRUE(find_group(last(), "pod/fluss/producer-7d9f8b6c5-x2k4q"));
  EXPECT_EQ(server.requests()[0].target, "/api/v1/namespaces/fluss/pods?limit=1");
  EXPECT_EQ(provider_->namespaces(), std::vector<std::string>{"fluss"});

  // The kubelet rotates the token; the next request reads the new one.
  write("token", "second\n");
  server.set_token("second");
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  size_t before = server.requests().size();
  server.end_watches();
  ASSERT_TRUE(eventually([&] {
    auto r = server.requests();
    return r.size() > before && r.back().authorization == "Bearer second";
  }));
  ASSERT_TRUE(eventually([&] { return server.open_watches() == 1; }));
}

TEST_F(ProviderTest, TlsVerificationIsOn) {
  FakeApiServer server;
  server.upsert("fluss", "producer-7d9f8b6c5-x2k4q", testdata::producer_pod());
  auto sd = sd_for(server, "t");
  sd.http.tls_config.ca_file = write("other-ca.pem", testutil::make_test_cert().cert_pem);
  start(sd, fast_options());
  ASSERT_TRUE(eventually([&] { return provider_->stats().counters.failures >= 2; }));
  EXPECT_EQ(update_count(), 0u);
  EXPECT_TRUE(server.requests().empty());  // the handshake failed before any request
}

TEST_F(ProviderTest, SelectorsBecomeQueryParameters) {
  FakeApiServer server(/*tls=*/false);
  config::KubernetesSDConfig sd;
  sd.role = "pod";
  sd.api_server = server.url() + "/";
  sd.namespaces = {"fluss", "flink", "fluss"};
  sd.selectors = {{"node", "kubernetes.io/os=linux", ""},
                  {"pod", "app in (producer,aggregator)", "spec.nodeName=worker-3"}};
  start(sd, fast_options());
  ASSERT_TRUE(eventually([&] { return server.open_watches() == 2; }));
  EXPECT_EQ(provider_->namespaces(), (std::vector<std::string>{"fluss", "flink"}));
  bool found = false;
  for (const auto& r : server.requests()) {
    if (r.target ==
        "/api/v1/namespaces/flink/pods?limit=1&fieldSelector=spec.nodeName%3Dworker-3"
        "&labelSelector=app%20in%20%28producer%2Caggregator%29") {
      found = true;
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(update_count(), 1u);  // both namespaces listed (empty): one first update
}

TEST_F(ProviderTest, CreateFailsWithoutInClusterEnvironment) {
  config::KubernetesSDConfig sd;
  sd.role = "pod";
  ProviderOptions o = fast_options();
  auto p = KubernetesProvider::create(ioc_, sd, o);
  ASSERT_FALSE(p.is_ok());
  EXPECT_NE(p.status().message().find("KUBERNETES_SERVICE_HOST"), std::string::npos);
  sd.role = "endpoints";
  sd.api_server = "https://127.0.0.1:1";
  p = KubernetesProvider::create(ioc_, sd, o);
  ASSERT_FALSE(p.is_ok());
  EXPECT_NE(p.status().message().find("not supported"), std::string::npos);
}

// 10,000 pods (the realistic Fluss pod above: 2 ports, 4 labels, 3
// annotations) listed in pages of 500: the discovery state stays far below
// the 50 MB budget.
TEST_F(ProviderTest, TenThousandPodsFitTheMemoryBudget) {
  FakeApiServer server(/*tls=*/false);
  for (int i = 0; i < 10000; ++i) {
    std::string name = "tablet-server-" + std::to_string(i);
    std::string ip = "10.244." + std::to_string(i / 250) + "." + std::to_string(i % 250);
    server.upsert("fluss", name, testdata::fluss_coordinator_pod(name, ip));
  }
  config::KubernetesSDConfig sd;
  sd.role = "pod";
  sd.api_server = server.url();
  ProviderOptions o = fast_options();
  o.watch.page_limit = 500;
  start(sd, o);
  ASSERT_TRUE(eventually([&] { return last_size_.load() == 10000; }, 60000));
  auto st = provider_->stats();
  EXPECT_EQ(st.pods, 10000u);
  EXPECT_EQ(st.targets, 20000u);
  EXPECT_EQ(st.counters.lists, 20u);
  std::printf("discovery state for %zu pods / %zu targets: %.1f MB (%zu bytes per pod)\n", st.pods,
              st.targets, st.state_bytes / 1e6, st.state_bytes / st.pods);
  EXPECT_LE(st.state_bytes, size_t{50} << 20);
}

// promlite's default in-cluster job: the annotation rules keep the annotated
// pod, take its port from prometheus.io/port, and the pod's two declared ports
// collapse into one scrape target; namespace/pod/container labels are added.
TEST_F(ProviderTest, DefaultInClusterJobScrapesAnnotatedPod) {
  testutil::FakeHttpServer target([](const testutil::FakeRequest& r) {
    if (r.target != "/metrics") return testutil::FakeResponse{404, "text/plain", "no"};
    return testutil::FakeResponse{200, "text/plain; version=0.0.4",
                                  "fluss_coordinator_requests_total 42\n"};
  });
  std::string pod = testdata::fluss_coordinator_pod("coordinator-server-0", "127.0.0.1");
  // Point the annotation at the fake target's port.
  size_t p = pod.find("\"prometheus.io/port\":\"9249\"");
  pod.replace(p, 27, "\"prometheus.io/port\":\"" + std::to_string(target.port()) + "\"");
  FakeApiServer server;
  server.upsert("fluss", "coordinator-server-0", pod);
  server.upsert("fluss", "tablet-server-2", testdata::pending_pod());
  std::string other = testdata::flink_taskmanager_pod();  // annotated, but unreachable IP
  server.upsert("flink", "aggregator-taskmanager-1-1", other);

  auto cfg = config::load_config(config::default_config_yaml("127.0.0.1:1", true), "");
  ASSERT_TRUE(cfg.is_ok()) << cfg.status().to_string();
  const config::ScrapeConfig* job = nullptr;
  for (const auto& sc : cfg->scrape_configs) {
    if (sc.job_name == "kubernetes-pods") job = &sc;
  }
  ASSERT_NE(job, nullptr);
  ASSERT_EQ(job->kubernetes_sd_configs.size(), 1u);
  auto sc = std::make_shared<config::ScrapeConfig>(*job);
  sc->scrape_interval = 200;
  sc->scrape_timeout = 150;

  testutil::MemoryStorage storage;
  auto pool = std::make_shared<ScrapePool>(ioc_, storage, sc, std::make_shared<ScrapeStats>(),
                                           "promlite-test");
  ProviderOptions o = fast_options();
  o.in_cluster.host = "127.0.0.1";
  o.in_cluster.port = std::to_string(server.port());
  o.in_cluster.token_file = write("token", "tok");
  o.in_cluster.ca_file = write("ca.crt", server.ca_pem());
  auto prov = KubernetesProvider::create(ioc_, sc->kubernetes_sd_configs[0], o);
  ASSERT_TRUE(prov.is_ok()) << prov.status().to_string();
  provider_ = *prov;
  std::weak_ptr<ScrapePool> weak = pool;
  provider_->start([weak](std::vector<TargetGroup> groups) {
    if (auto pl = weak.lock()) pl->set_groups(0, std::move(groups));
  });

  auto scraped = [&] {
    for (const auto& [labels, data] : *storage.snapshot()) {
      if (labels.metric_name() == "fluss_coordinator_requests_total" && !data->samples.empty()) {
        return labels;
      }
    }
    return model::Labels{};
  };
  ASSERT_TRUE(eventually([&] { return !scraped().empty(); }));
  model::Labels l = scraped();
  EXPECT_EQ(l.get("job"), "kubernetes-pods");
  EXPECT_EQ(l.get("instance"), "127.0.0.1:" + std::to_string(target.port()));
  EXPECT_EQ(l.get("namespace"), "fluss");
  EXPECT_EQ(l.get("pod"), "coordinator-server-0");
  EXPECT_EQ(l.get("container"), "coordinator");
  // Two declared ports, one target after relabeling; the Flink pod (with a
  // sidecar) gives two targets that differ by container; the pending pod none.
  auto active = pool->active();
  size_t coordinator_targets = 0;
  for (const auto& a : active) {
    if (a.labels.get("pod") == "coordinator-server-0") ++coordinator_targets;
  }
  EXPECT_EQ(coordinator_targets, 1u);
  provider_->stop();
  pool->stop(false);
}

}  // namespace
}  // namespace promlite::scraper::discovery::kubernetes
