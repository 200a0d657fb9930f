// The scrape loop against a fake target and the in-memory reference storage:
// what is stored for healthy, broken, slow and vanishing targets.
#include "scraper/scrape_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <future>
#include <thread>

#include "scraper/textparse/content_type.h"
#include "tests/testutil/fake_http_server.h"
#include "tests/testutil/memory_storage.h"

namespace promlite::scraper {
namespace {

using model::Labels;
using testutil::FakeHttpServer;
using testutil::FakeRequest;
using testutil::FakeResponse;
using testutil::MemoryStorage;

class ScrapeLoopTest : public ::testing::Test {
 protected:
  ScrapeLoopTest() : guard_(boost::asio::make_work_guard(ioc_)), thread_([this] { ioc_.run(); }) {}
  ~ScrapeLoopTest() override {
    guard_.reset();
    ioc_.stop();
    thread_.join();
  }

  std::shared_ptr<ScrapeLoop> make_loop(uint16_t port, LoopOptions o = {}) {
    auto f = HttpFetcher::create(ioc_, {}, "promlite-test");
    EXPECT_TRUE(f.is_ok());
    o.scrape_pool = "job1";
    if (o.target_labels.empty()) {
      o.target_labels = Labels{{"job", "job1"}, {"instance", "127.0.0.1:" + std::to_string(port)}};
    }
    o.request.host = "127.0.0.1";
    o.request.port = std::to_string(port);
    o.request.target = "/metrics";
    o.request.accept = std::string(textparse::kScrapeAcceptHeader);
    if (o.request.timeout == 10 * model::kSecond) o.request.timeout = 2000;
    o.interval = model::kMinute;
    return std::make_shared<ScrapeLoop>(ioc_, storage_, *f, o, stats_);
  }

  void scrape(ScrapeLoop& loop) {
    // Scrapes are timestamped in ms; keep two in a row from sharing one (a
    // staleness marker at the same ms as a sample would be a duplicate).
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    std::promise<void> p;
    loop.scrape_now([&p] { p.set_value(); });
    p.get_future().get();
  }

  // Samples of the series whose labels are exactly `l`.
  std::vector<model::Sample> samples(const Labels& l) {
    auto snap = storage_.snapshot();
    auto it = snap->find(l);
    if (it == snap->end()) return {};
    return it->second->samples;
  }

  double last_value(const Labels& l) {
    auto s = samples(l);
    return s.empty() ? -12345 : s.back().v;
  }

  Labels series(std::string name, uint16_t port,
                std::vector<std::pair<std::string_view, std::string_view>> extra = {}) {
    model::LabelsBuilder b;
    b.set("__name__", name).set("job", "job1").set("instance", "127.0.0.1:" + std::to_string(port));
    for (auto& [k, v] : extra) b.set(k, v);
    return b.build();
  }

  // promlite_scrape_failures_by_reason_total{reason}.
  double failures(std::string_view reason) {
    for (const auto& f : stats_->collect()) {
      if (f.name != "promlite_scrape_failures_by_reason_total") continue;
      for (const auto& m : f.metric) {
        if (m.label.size() == 1 && m.label[0].value == reason) return m.counter.value;
      }
    }
    return -1;
  }

  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
  MemoryStorage storage_;
  std::shared_ptr<ScrapeStats> stats_ = std::make_shared<ScrapeStats>();
};

// Known series skip the label parse (their bytes parsed before), but only
// within one format: bytes Prometheus text accepts may be invalid OpenMetrics.
TEST_F(ScrapeLoopTest, CachedSeriesAreRecheckedWhenTheFormatChanges) {
  std::atomic<bool> openmetrics{false};
  FakeHttpServer target([&](const FakeRequest&) {
    if (openmetrics) {
      // The comma between label pairs is optional in Prometheus text only.
      return FakeResponse{200, "application/openmetrics-text; version=1.0.0",
                          "x{a=\"1\" b=\"2\"} 2\n# EOF\n"};
    }
    return FakeResponse{200, "text/plain; version=0.0.4", "x{a=\"1\" b=\"2\"} 1\n"};
  });
  auto loop = make_loop(target.port());
  uint16_t p = target.port();
  scrape(*loop);
  EXPECT_EQ(last_value(series("x", p, {{"a", "1"}, {"b", "2"}})), 1);
  EXPECT_EQ(last_value(series("up", p)), 1);
  openmetrics = true;
  scrape(*loop);
  EXPECT_EQ(last_value(series("up", p)), 0);
  EXPECT_NE(loop->status().last_error.find("expected comma or brace close"), std::string::npos)
      << loop->status().last_error;
  loop->stop(false);
}

TEST_F(ScrapeLoopTest, HealthyTargetStoresSamplesAndReport) {
  std::string body =
      "# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n"
      "http_requests_total{code=\"200\"} 10\nhttp_requests_total{code=\"500\"} 2\n"
      "temp 21.5 1700000000000\n";
  FakeHttpServer target([&](const FakeRequest&) {
    return FakeResponse{200, "text/plain; version=0.0.4", body};
  });
  auto loop = make_loop(target.port());
  scrape(*loop);
  uint16_t p = target.port();
  EXPECT_EQ(last_value(series("http_requests_total", p, {{"code", "200"}})), 10);
  EXPECT_EQ(last_value(series("http_requests_total", p, {{"code", "500"}})), 2);
  auto temp = samples(series("temp", p));
  ASSERT_EQ(temp.size(), 1u);
  EXPECT_EQ(temp[0].t, 1700000000000);  // honor_timestamps
  EXPECT_EQ(last_value(series("up", p)), 1);
  EXPECT_EQ(last_value(series("scrape_samples_scraped", p)), 3);
  EXPECT_EQ(last_value(series("scrape_samples_post_metric_relabeling", p)), 3);
  EXPECT_EQ(last_value(series("scrape_series_added", p)), 3);
  EXPECT_GE(last_value(series("scrape_duration_seconds", p)), 0);

  auto st = loop->status();
  EXPECT_EQ(st.health, TargetHealth::kUp);
  EXPECT_EQ(st.last_error, "");
  EXPECT_GT(st.last_scrape, 0);
  auto meta = loop->metadata();
  EXPECT_EQ(meta["http_requests_total"].type, "counter");
  EXPECT_EQ(meta["http_requests_total"].help, "Requests.");

  // Second scrape: the cache hits, nothing is added.
  scrape(*loop);
  EXPECT_EQ(last_value(series("scrape_series_added", p)), 0);
  EXPECT_EQ(samples(series("http_requests_total", p, {{"code", "200"}})).size(), 2u);
  loop->stop(false);
}

TEST_F(ScrapeLoopTest, VanishedSeriesAndFailedScrapesGetStalenessMarkers) {
  std::string body = "a 1\nb 2\n";
  FakeHttpServer target([&](const FakeRequest&) { return FakeResponse{200, "text/plain", body}; });
  uint16_t p = target.port();
  auto loop = make_loop(p);
  scrape(*loop);
  body = "a 3\n";
  scrape(*loop);
  auto b = samples(series("b", p));
  ASSERT_EQ(b.size(), 2u);
  EXPECT_TRUE(model::is_stale_nan(b[1].v));
  EXPECT_EQ(last_value(series("a", p)), 3);

  // Garbage: the scrape fails, `a` goes stale, up=0 with the parser's reason.
  body = "a 4\nthis is not { valid\n";
  scrape(*loop);
  auto a = samples(series("a", p));
  ASSERT_EQ(a.size(), 3u);
  EXPECT_TRUE(model::is_stale_nan(a[2].v));
  EXPECT_EQ(last_value(series("up", p)), 0);
  auto st = loop->status();
  EXPECT_EQ(st.health, TargetHealth::kDown);
  EXPECT_NE(st.last_error.find("line 2"), std::string::npos) << st.last_error;
  EXPECT_EQ(samples(series("b", p)).size(), 2u);  // already stale: no second marker

  // Recovers.
  body = "a 5\n";
  scrape(*loop);
  EXPECT_EQ(last_value(series("a", p)), 5);
  EXPECT_EQ(last_value(series("up", p)), 1);

  // The target disappears: connection refused, up=0, `a` stale.
  target.stop();
  scrape(*loop);
  EXPECT_EQ(last_value(series("up", p)), 0);
  EXPECT_TRUE(model::is_stale_nan(last_value(series("a", p))));
  EXPECT_NE(loop->status().last_error.find("connection refused"), std::string::npos);
  loop->stop(false);
}

// The cache keeps only refs once storage has a series; when storage forgets
// the series (here: cleared), the loop rebuilds the labels and appends anew,
// and vanished series whose refs are gone get no marker and no error.
TEST_F(ScrapeLoopTest, SeriesForgottenByStorageAreAppendedAgainByLabels) {
  std::string body = "a{x=\"1\"} 1\nb 2\n";
  FakeHttpServer target([&](const FakeRequest&) { return FakeResponse{200, "text/plain", body}; });
  uint16_t p = target.port();
  auto loop = make_loop(p);
  scrape(*loop);
  EXPECT_EQ(last_value(series("a", p, {{"x", "1"}})), 1);
  storage_.clear();
  body = "a{x=\"1\"} 3\n";
  scrape(*loop);
  EXPECT_EQ(samples(series("a", p, {{"x", "1"}})).size(), 1u);
  EXPECT_EQ(last_value(series("a", p, {{"x", "1"}})), 3);
  EXPECT_TRUE(samples(series("b", p)).empty());  // its stale marker had no live ref
  EXPECT_EQ(last_value(series("up", p)), 1);
  EXPECT_EQ(last_value(series("scrape_series_added", p)), 1);
  body = "a{x=\"1\"} 4\n";
  scrape(*loop);
  EXPECT_EQ(samples(series("a", p, {{"x", "1"}})).size(), 2u);
  loop->stop(false);
}

TEST_F(ScrapeLoopTest, TimeoutFailsTheScrape) {
  FakeHttpServer target([](const FakeRequest&) {
    FakeResponse r;
    r.body = "a 1\n";
    r.delay_ms = 1500;
    return r;
  });
  LoopOptions o;
  o.request.timeout = 200;
  auto loop = make_loop(target.port(), o);
  scrape(*loop);
  EXPECT_EQ(last_value(series("up", target.port())), 0);
  EXPECT_NE(loop->status().last_error.find("context deadline exceeded"), std::string::npos)
      << loop->status().last_error;
  EXPECT_TRUE(samples(series("a", target.port())).empty());
  EXPECT_EQ(failures("timeout"), 1);
  loop->stop(false);
}

TEST_F(ScrapeLoopTest, StopWritesStalenessMarkersForEverySeries) {
  FakeHttpServer target([](const FakeRequest&) {
    return FakeResponse{200, "text/plain", "a 1\n"};
  });
  auto loop = make_loop(target.port());
  scrape(*loop);
  std::promise<void> stopped;
  loop->stop(true, [&] { stopped.set_value(); });
  stopped.get_future().get();
  EXPECT_TRUE(model::is_stale_nan(last_value(series("a", target.port()))));
}

TEST_F(ScrapeLoopTest, HonorLabelsAndMetricRelabeling) {
  FakeHttpServer target([](const FakeRequest&) {
    return FakeResponse{200, "text/plain",
                        "m{job=\"exposed\",instance=\"x\"} 1\ndrop_me 2\nkeep{tm_id=\"abc\"} 3\n"};
  });
  uint16_t p = target.port();
  auto rules = std::make_shared<config::RelabelConfigs>();
  config::RelabelConfig drop;
  drop.source_labels = {"__name__"};
  drop.regex = "drop_.*";
  drop.action = config::RelabelAction::kDrop;
  ASSERT_TRUE(drop.compile(true).is_ok());
  config::RelabelConfig labeldrop;
  labeldrop.regex = "tm_id";
  labeldrop.action = config::RelabelAction::kLabelDrop;
  ASSERT_TRUE(labeldrop.compile(false).is_ok());
  rules->push_back(drop);
  rules->push_back(labeldrop);

  LoopOptions o;
  o.metric_relabel = rules;
  auto loop = make_loop(p, o);
  scrape(*loop);
  // honor_labels=false: clashing exposed labels become exported_*.
  EXPECT_EQ(last_value(series("m", p, {{"exported_job", "exposed"}, {"exported_instance", "x"}})),
            1);
  EXPECT_TRUE(samples(series("drop_me", p)).empty());
  EXPECT_EQ(last_value(series("keep", p)), 3);
  EXPECT_EQ(last_value(series("scrape_samples_scraped", p)), 3);
  EXPECT_EQ(last_value(series("scrape_samples_post_metric_relabeling", p)), 2);
  loop->stop(false);

  LoopOptions honor;
  honor.honor_labels = true;
  storage_.clear();
  auto loop2 = make_loop(p, honor);
  scrape(*loop2);
  model::LabelsBuilder b;
  b.set("__name__", "m").set("job", "exposed").set("instance", "x");
  EXPECT_EQ(last_value(b.build()), 1);
  loop2->stop(false);
}

TEST(MergeTargetLabels, Table) {
  model::LabelsBuilder b;
  Labels target{{"job", "j"}, {"instance", "i"}};
  EXPECT_EQ(merge_target_labels(Labels{{"__name__", "m"}}, target, false, b),
            (Labels{{"__name__", "m"}, {"job", "j"}, {"instance", "i"}}));
  EXPECT_EQ(merge_target_labels(Labels{{"__name__", "m"}, {"job", "x"}, {"exported_job", "y"}},
                                target, false, b),
            (Labels{{"__name__", "m"},
                    {"job", "j"},
                    {"instance", "i"},
                    {"exported_job", "y"},
                    {"exported_exported_job", "x"}}));
  EXPECT_EQ(merge_target_labels(Labels{{"__name__", "m"}, {"job", "x"}}, target, true, b),
            (Labels{{"__name__", "m"}, {"job", "x"}, {"instance", "i"}}));
}

TEST_F(ScrapeLoopTest, LimitsFailTheScrapeWithPrometheusMessages) {
  FakeHttpServer target([](const FakeRequest&) {
    return FakeResponse{200, "text/plain", "a{x=\"1\"} 1\na{x=\"2\"} 2\na{x=\"3\"} 3\n"};
  });
  LoopOptions o;
  o.sample_limit = 2;
  auto loop = make_loop(target.port(), o);
  scrape(*loop);
  EXPECT_EQ(loop->status().last_error, "sample limit exceeded");
  EXPECT_EQ(last_value(series("up", target.port())), 0);
  EXPECT_TRUE(samples(series("a", target.port(), {{"x", "1"}})).empty());
  loop->stop(false);

  LoopOptions l;
  l.label_limit = 3;
  auto loop2 = make_loop(target.port(), l);
  scrape(*loop2);
  EXPECT_EQ(loop2->status().last_error,
            "label_limit exceeded (metric: a, number of labels: 4, limit: 3)");
  loop2->stop(false);
  EXPECT_EQ(failures("sample_limit"), 1);
  EXPECT_EQ(failures("label_limit"), 1);
}

TEST_F(ScrapeLoopTest, FailuresAreCountedByReason) {
  FakeHttpServer status500([](const FakeRequest&) { return FakeResponse{500, "text/plain", ""}; });
  FakeHttpServer garbage([](const FakeRequest&) {
    return FakeResponse{200, "text/plain", "a{ 1\n"};
  });
  EXPECT_EQ(failures("http_status"), 0);  // every reason exists from the start
  auto a = make_loop(status500.port());
  auto b = make_loop(garbage.port());
  scrape(*a);
  scrape(*b);
  scrape(*b);
  EXPECT_EQ(failures("http_status"), 1);
  EXPECT_EQ(failures("parse"), 2);
  EXPECT_EQ(failures("connection"), 0);
  EXPECT_EQ(stats_->failures.load(), 3u);
  a->stop(false);
  b->stop(false);
}

TEST(ScrapeOffset, SpreadsWithinInterval) {
  std::set<model::Duration> offsets;
  for (int i = 0; i < 100; ++i) {
    auto off = scrape_offset(Labels{{"instance", "host" + std::to_string(i)}}, "u", 15000);
    EXPECT_GE(off, 0);
    EXPECT_LT(off, 15000);
    offsets.insert(off / 1000);
  }
  EXPECT_GT(offsets.size(), 10u);  // not all in one second
}

}  // namespace
}  // namespace promlite::scraper
