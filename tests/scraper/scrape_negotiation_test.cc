// Content negotiation and failure accounting of scrapes, as Prometheus 3:
// the Accept header from scrape_protocols, what a blank/unknown Content-Type
// does with and without fallback_scrape_protocol, empty bodies, repeated
// series, legacy name validation, target_limit, and the self-metrics.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <future>
#include <thread>

#include "scraper/scrape_loop.h"
#include "scraper/scrape_manager.h"
#include "scraper/textparse/content_type.h"
#include "tests/testutil/fake_http_server.h"
#include "tests/testutil/memory_storage.h"

namespace promlite::scraper {
namespace {

using model::Labels;
using testutil::FakeHttpServer;
using testutil::FakeRequest;
using testutil::FakeResponse;

// Value of the metric `name` with label `label`=`value` ("" for none) in a
// collection; -1 when absent. Summaries give their sample count.
double metric(const std::vector<prometheus::MetricFamily>& fams, const std::string& name,
              const std::string& label = "", const std::string& value = "") {
  for (const auto& f : fams) {
    if (f.name != name) continue;
    for (const auto& m : f.metric) {
      bool match = label.empty();
      for (const auto& l : m.label) match = match || (l.name == label && l.value == value);
      if (!match) continue;
      switch (f.type) {
        case prometheus::MetricType::Counter:
          return m.counter.value;
        case prometheus::MetricType::Gauge:
          return m.gauge.value;
        case prometheus::MetricType::Summary:
          return static_cast<double>(m.summary.sample_count);
        default:
          return -2;
      }
    }
  }
  return -1;
}

class NegotiationTest : public ::testing::Test {
 protected:
  NegotiationTest() : guard_(boost::asio::make_work_guard(ioc_)), thread_([this] { ioc_.run(); }) {}
  ~NegotiationTest() override {
    guard_.reset();
    ioc_.stop();
    thread_.join();
  }

  std::shared_ptr<ScrapeLoop> make_loop(uint16_t port, LoopOptions o = {}) {
    auto f = HttpFetcher::create(ioc_, {}, "promlite-test");
    EXPECT_TRUE(f.is_ok());
    o.scrape_pool = "job1";
    o.target_labels = Labels{{"job", "job1"}, {"instance", "127.0.0.1:" + std::to_string(port)}};
    o.request.host = "127.0.0.1";
    o.request.port = std::to_string(port);
    o.request.accept = std::string(textparse::kScrapeAcceptHeader);
    o.request.timeout = 2000;
    o.interval = 15 * model::kSecond;
    return std::make_shared<ScrapeLoop>(ioc_, storage_, *f, o, stats_);
  }

  void scrape(ScrapeLoop& loop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    std::promise<void> p;
    loop.scrape_now([&p] { p.set_value(); });
    p.get_future().get();
  }

  double last(const std::string& name, uint16_t port,
              std::vector<std::pair<std::string_view, std::string_view>> extra = {}) {
    model::LabelsBuilder b;
    b.set("__name__", name).set("job", "job1").set("instance", "127.0.0.1:" + std::to_string(port));
    for (auto& [k, v] : extra) b.set(k, v);
    auto snap = storage_.snapshot();
    auto it = snap->find(b.build());
    if (it == snap->end() || it->second->samples.empty()) return -12345;
    return it->second->samples.back().v;
  }

  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
  testutil::MemoryStorage storage_;
  std::shared_ptr<ScrapeStats> stats_ = std::make_shared<ScrapeStats>();
};

TEST_F(NegotiationTest, ContentTypeDecidesAndFallbackRescues) {
  std::string content_type;
  std::string body = "m 1\n";
  FakeHttpServer target([&](const FakeRequest&) { return FakeResponse{200, content_type, body}; });
  const uint16_t port = target.port();
  const struct {
    const char* content_type;
    const char* fallback;
    const char* body;
    const char* want_error;  // "" for up=1
  } cases[] = {
      {"", "", "m 1\n",
       "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol "
       "specified for target"},
      {"", "PrometheusText0.0.4", "m 1\n", ""},
      {"application/json", "", "m 1\n",
       "received unsupported Content-Type \"application/json\" and no fallback_scrape_protocol "
       "specified for target"},
      {"application/json", "OpenMetricsText1.0.0", "m 1\n# EOF\n", ""},
      {"application/openmetrics-text; version=1.0.0", "", "m 1\n",
       "line 2: data does not end with # EOF"},
      {"", "", "", ""},  // an empty body is an empty scrape, whatever the type
      {"application/openmetrics-text", "", "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.content_type) + " / " + c.fallback + " / " + c.body);
    content_type = c.content_type;
    body = c.body;
    LoopOptions o;
    o.fallback_scrape_protocol = c.fallback;
    auto loop = make_loop(port, o);
    scrape(*loop);
    EXPECT_EQ(loop->status().last_error, c.want_error);
    EXPECT_EQ(last("up", port), std::string(c.want_error).empty() ? 1 : 0);
    if (std::string(c.want_error).empty() && !std::string(c.body).empty()) {
      EXPECT_EQ(last("m", port), 1);
    }
    loop->stop(false);
  }
}

TEST_F(NegotiationTest, RepeatedSeriesIsADuplicateNotAFailure) {
  FakeHttpServer target([](const FakeRequest&) {
    return FakeResponse{200, "text/plain", "a 1\nb 2\na 3\n"};
  });
  auto loop = make_loop(target.port());
  scrape(*loop);
  EXPECT_EQ(loop->status().last_error, "");
  EXPECT_EQ(last("a", target.port()), 1);  // the first one wins
  EXPECT_EQ(last("scrape_samples_scraped", target.port()), 3);
  EXPECT_EQ(last("scrape_samples_post_metric_relabeling", target.port()), 3);
  EXPECT_EQ(stats_->duplicates.load(), 1u);
  loop->stop(false);
}

TEST_F(NegotiationTest, LegacyValidationRefusesUtf8Names) {
  FakeHttpServer target([](const FakeRequest&) {
    return FakeResponse{200, "text/plain; version=1.0.0", "{\"my.metric\", a=\"1\"} 1\n"};
  });
  LoopOptions o;
  o.legacy_name_validation = true;
  auto loop = make_loop(target.port(), o);
  scrape(*loop);
  EXPECT_EQ(loop->status().last_error,
            "invalid metric name or label names: {__name__=\"my.metric\", a=\"1\", "
            "instance=\"127.0.0.1:" +
                std::to_string(target.port()) + "\", job=\"job1\"}");
  loop->stop(false);

  auto utf8 = make_loop(target.port());  // default utf8 validation
  scrape(*utf8);
  EXPECT_EQ(utf8->status().last_error, "");
  utf8->stop(false);
}

TEST_F(NegotiationTest, ForcedErrorFailsWithoutContactingTheTarget) {
  FakeHttpServer target([](const FakeRequest&) {
    return FakeResponse{200, "text/plain", "m 1\n"};
  });
  auto loop = make_loop(target.port());
  scrape(*loop);
  EXPECT_EQ(last("m", target.port()), 1);
  loop->set_forced_error(Status(StatusCode::kResourceExhausted,
                                "target_limit exceeded (number of targets: 2, limit: 1)"));
  scrape(*loop);
  EXPECT_EQ(loop->status().last_error, "target_limit exceeded (number of targets: 2, limit: 1)");
  EXPECT_EQ(last("up", target.port()), 0);
  EXPECT_TRUE(model::is_stale_nan(last("m", target.port())));
  EXPECT_EQ(target.requests(), 1);
  loop->set_forced_error(Status::ok());
  scrape(*loop);
  EXPECT_EQ(last("up", target.port()), 1);
  loop->stop(false);
}

TEST_F(NegotiationTest, BodySizeAndLabelLimitHitsAreCounted) {
  FakeHttpServer target([](const FakeRequest&) {
    return FakeResponse{200, "text/plain", "m{a=\"1\",b=\"2\",c=\"3\"} 1\n"};
  });
  LoopOptions big;
  big.request.body_size_limit = 5;
  auto loop = make_loop(target.port(), big);
  scrape(*loop);
  EXPECT_EQ(loop->status().last_error, "body size limit exceeded");
  loop->stop(false);
  LoopOptions labels;
  labels.label_limit = 2;
  auto loop2 = make_loop(target.port(), labels);
  scrape(*loop2);
  loop2->stop(false);
  auto fams = stats_->collect();
  EXPECT_EQ(metric(fams, "prometheus_target_scrapes_exceeded_body_size_limit_total"), 1);
  EXPECT_EQ(metric(fams, "prometheus_target_scrape_pool_exceeded_label_limits_total"), 1);
}

TEST(ScrapeCacheFlush, ForcedWhenFailingScrapesGrowTheCache) {
  ScrapeCache cache;
  cache.begin_scrape();
  for (int i = 0; i < 100; ++i) cache.mark_seen(cache.add("ok" + std::to_string(i), {}));
  EXPECT_FALSE(cache.end_scrape(true));
  // Failing scrapes keep adding new series (parse error half-way, say).
  cache.begin_scrape();
  for (int i = 0; i < 90; ++i) cache.mark_seen(cache.add("bad" + std::to_string(i), {}));
  EXPECT_FALSE(cache.end_scrape(false));  // 190 <= 2 * 100
  cache.begin_scrape();
  for (int i = 90; i < 150; ++i) cache.mark_seen(cache.add("bad" + std::to_string(i), {}));
  EXPECT_TRUE(cache.end_scrape(false));  // 250 > 200: flushed to the last good scrape
  EXPECT_EQ(cache.size(), 100u);
  EXPECT_NE(cache.find("ok7"), nullptr);
  EXPECT_EQ(cache.find("bad7"), nullptr);
}

TEST(GoDurationString, AsTimeDurationString) {
  EXPECT_EQ(go_duration_string(15000), "15s");
  EXPECT_EQ(go_duration_string(60000), "1m0s");
  EXPECT_EQ(go_duration_string(90000), "1m30s");
  EXPECT_EQ(go_duration_string(500), "500ms");
  EXPECT_EQ(go_duration_string(3600000), "1h0m0s");
  EXPECT_EQ(go_duration_string(1500), "1.5s");
}

class ManagerMetricsTest : public ::testing::Test {
 protected:
  ManagerMetricsTest() : guard_(boost::asio::make_work_guard(ioc_)) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  ~ManagerMetricsTest() override {
    manager_.stop();
    guard_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }

  template <typename F>
  bool eventually(F pred) {
    for (int i = 0; i < 300; ++i) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
  testutil::MemoryStorage storage_;
  prometheus::Registry registry_;
  ScrapeManager manager_{ioc_, storage_, "promlite-test", &registry_};
};

TEST_F(ManagerMetricsTest, AcceptHeaderTargetLimitAndPoolMetrics) {
  std::mutex mu;
  std::string accept;
  FakeHttpServer a([&](const FakeRequest& r) {
    std::lock_guard<std::mutex> lock(mu);
    accept = r.headers.at("accept");
    return FakeResponse{200, "text/plain", "m 1\n"};
  });
  FakeHttpServer b([](const FakeRequest&) { return FakeResponse{200, "text/plain", "m 2\n"}; });
  auto cfg = config::load_config(
      "scrape_configs:\n"
      "  - job_name: limited\n    scrape_interval: 200ms\n    scrape_timeout: 100ms\n"
      "    target_limit: 1\n    static_configs: [{targets: ['" +
          a.address() + "', '" + b.address() +
          "']}]\n"
          "  - job_name: proto\n    scrape_interval: 200ms\n    scrape_timeout: 100ms\n"
          "    metric_name_validation_scheme: legacy\n"
          "    scrape_protocols: [PrometheusProto, PrometheusText0.0.4]\n"
          "    static_configs: [{targets: ['" +
          a.address() + "']}]\n",
      "");
  ASSERT_TRUE(cfg.is_ok()) << cfg.status().to_string();
  manager_.apply_config(*cfg);
  ASSERT_TRUE(eventually([&] {
    int failed = 0;
    for (const auto& t : manager_.active_targets()) {
      if (t.scrape_pool == "limited" &&
          t.last_error == "target_limit exceeded (number of targets: 2, limit: 1)") {
        ++failed;
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    return failed == 2 && !accept.empty();
  }));
  {
    std::lock_guard<std::mutex> lock(mu);
    // Only the "proto" job reached the target: legacy validation escapes with
    // underscores; PrometheusProto is skipped but keeps its weight step.
    EXPECT_EQ(accept, "text/plain;version=0.0.4;q=0.5,*/*;q=0.4");
  }
  auto fams = registry_.Collect();
  EXPECT_EQ(metric(fams, "prometheus_target_scrape_pool_targets", "scrape_job", "limited"), 2);
  EXPECT_EQ(metric(fams, "prometheus_target_scrape_pool_targets", "scrape_job", "proto"), 1);
  EXPECT_GE(metric(fams, "prometheus_target_scrape_pool_exceeded_target_limit_total"), 1);
  EXPECT_GE(metric(fams, "prometheus_target_scrape_pool_sync_total", "scrape_job", "limited"), 1);
  EXPECT_GE(metric(fams, "prometheus_target_sync_length_seconds", "scrape_job", "limited"), 1);
  EXPECT_TRUE(eventually([&] {
    return metric(registry_.Collect(), "prometheus_target_interval_length_seconds", "interval",
                  "200ms") >= 1;
  }));
}

}  // namespace
}  // namespace promlite::scraper
