// metadata_config: scraped metadata sent as WriteRequest.metadata.
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <snappy.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <sstream>

#include "remote/queue_manager.h"
#include "remote/write_request.h"
#include "tests/remote/fake_receiver.h"

namespace promlite::remote {
namespace {

namespace fs = std::filesystem;
using testing::FakeReceiver;
using testing::ReceivedMetadata;
using Clock = std::chrono::steady_clock;

std::vector<ReceivedMetadata> decode(const std::string& raw) {
  std::vector<testing::ReceivedSample> samples;
  std::vector<ReceivedMetadata> out;
  EXPECT_TRUE(testing::decode_write_request(raw, samples, &out));
  EXPECT_TRUE(samples.empty());
  return out;
}

TEST(MetadataEncodingTest, TypesAndFields) {
  struct Case {
    const char* type;
    int want;
  };
  for (const Case& c : std::vector<Case>{{"unknown", 0},
                                         {"counter", 1},
                                         {"gauge", 2},
                                         {"histogram", 3},
                                         {"gaugehistogram", 4},
                                         {"summary", 5},
                                         {"info", 6},
                                         {"stateset", 7},
                                         {"COUNTER", 1},
                                         {"untyped", 0},
                                         {"", 0}}) {
    EXPECT_EQ(metric_type_proto(c.type), c.want) << c.type;
  }
  std::vector<MetricMetadataEntry> in = {
      {"http_requests", "counter", "Requests served.", ""},
      {"temp", "gauge", "", "celsius"},
      {"odd", "unknown", "", ""},
  };
  auto got = decode(encode_metadata_request(in));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].type, 1);
  EXPECT_EQ(got[0].family, "http_requests");
  EXPECT_EQ(got[0].help, "Requests served.");
  EXPECT_EQ(got[0].unit, "");
  EXPECT_EQ(got[1].type, 2);
  EXPECT_EQ(got[1].unit, "celsius");
  EXPECT_EQ(got[2].type, 0);
  EXPECT_EQ(got[2].family, "odd");
  // Field numbers as prompb: WriteRequest.metadata = 3, type = 1,
  // metric_family_name = 2, help = 4, unit = 5; defaults left out.
  std::vector<MetricMetadataEntry> one = {{"a", "gauge", "h", "u"}};
  EXPECT_EQ(encode_metadata_request(one), std::string("\x1a\x0b\x08\x02\x12\x01"
                                                      "a\x22\x01h\x2a\x01u",
                                                      13));
  EXPECT_EQ(encode_metadata_request(std::vector<MetricMetadataEntry>{{"a", "", "", ""}}),
            std::string("\x1a\x03\x12\x01"
                        "a",
                        5));
}

class MetadataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("remote_meta_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "wal");
  }
  void TearDown() override { fs::remove_all(dir_); }

  QueueOptions options(const std::string& url, MetadataSource src) {
    QueueOptions o;
    o.cfg.url = url;
    o.cfg.name = "test";
    o.cfg.remote_timeout = 2000;
    o.cfg.queue_config.min_backoff = 5;
    o.cfg.queue_config.max_backoff = 20;
    o.cfg.metadata_config.send_interval = 20;
    o.queue_name = "test";
    o.wal_dir = (dir_ / "wal").string();
    o.metadata = std::move(src);
    return o;
  }

  static std::unique_ptr<QueueManager> start(QueueOptions o) {
    auto q = QueueManager::start(std::move(o));
    EXPECT_TRUE(q.is_ok()) << q.status().message();
    return std::move(q).value();
  }

  static bool wait_until(const std::function<bool()>& f, int ms = 5000) {
    for (int i = 0; i < ms / 5; ++i) {
      if (f()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return f();
  }

  // `n` families m0..m{n-1}, each listed by two targets.
  static MetadataSource families(int n) {
    return [n] {
      std::vector<MetricMetadataEntry> out;
      for (int target = 0; target < 2; ++target) {
        for (int i = 0; i < n; ++i) {
          out.push_back({"m" + std::to_string(i), "counter", "help " + std::to_string(i), ""});
        }
      }
      return out;
    };
  }

  fs::path dir_;
};

TEST_F(MetadataTest, SendsEachFamilyOncePerIntervalWithoutSamples) {
  FakeReceiver rx([](int) { return 200; });
  std::atomic<int> calls{0};
  auto q = start(options(rx.url(), [&calls] {
    ++calls;
    return std::vector<MetricMetadataEntry>{
        {"up", "gauge", "Target up.", ""},
        {"http_requests", "counter", "Requests.", ""},
        {"up", "gauge", "Target up.", ""},                  // another target: same entry
        {"http_requests", "counter", "Other help.", "ms"},  // differs: sent as well
        {"latency", "histogram", "", "seconds"},
    };
  }));
  ASSERT_TRUE(wait_until([&] { return rx.metadata_batch_sizes().size() >= 2; }));
  q->stop();
  EXPECT_GE(calls.load(), 2);
  auto sizes = rx.metadata_batch_sizes();
  EXPECT_EQ(sizes[0], 4u);
  EXPECT_EQ(sizes[1], 4u);
  EXPECT_TRUE(rx.samples().empty());
  auto got = rx.metadata();
  std::set<std::tuple<int, std::string, std::string, std::string>> first;
  for (size_t i = 0; i < 4; ++i) {
    first.insert({got[i].type, got[i].family, got[i].help, got[i].unit});
  }
  EXPECT_EQ(first, (std::set<std::tuple<int, std::string, std::string, std::string>>{
                       {2, "up", "Target up.", ""},
                       {1, "http_requests", "Requests.", ""},
                       {1, "http_requests", "Other help.", "ms"},
                       {3, "latency", "", "seconds"}}));
  EXPECT_EQ(rx.last_headers()["Content-Encoding"], "snappy");
  EXPECT_EQ(rx.last_headers()["X-Prometheus-Remote-Write-Version"], "0.1.0");
  EXPECT_GE(q->stats().metadata_sent.load(), 8u);
  EXPECT_GT(q->stats().metadata_bytes.load(), 0u);
}

TEST_F(MetadataTest, BatchesByMaxSamplesPerSend) {
  FakeReceiver rx([](int) { return 200; });
  auto o = options(rx.url(), families(25));
  o.cfg.metadata_config.max_samples_per_send = 10;
  o.cfg.metadata_config.send_interval = 60000;  // one round only...
  auto q = start(o);
  // ...which comes one interval after start: none yet.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rx.requests(), 0);
  q->stop();

  o.cfg.metadata_config.send_interval = 30;
  q = start(o);
  ASSERT_TRUE(wait_until([&] { return rx.metadata_batch_sizes().size() >= 3; }));
  q->stop();
  auto sizes = rx.metadata_batch_sizes();
  EXPECT_EQ(std::vector<size_t>(sizes.begin(), sizes.begin() + 3),
            (std::vector<size_t>{10, 10, 5}));
  std::set<std::string> names;
  auto got = rx.metadata();
  for (size_t i = 0; i < 25; ++i) names.insert(got[i].family);
  EXPECT_EQ(names.size(), 25u);
}

TEST_F(MetadataTest, SendFalseOrNoSourceSendsNone) {
  FakeReceiver rx([](int) { return 200; });
  auto o = options(rx.url(), families(3));
  o.cfg.metadata_config.send = false;
  o.cfg.metadata_config.send_interval = 5;
  auto q = start(o);
  auto o2 = options(rx.url(), nullptr);
  o2.queue_name = "other";
  auto q2 = start(o2);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  q->stop();
  q2->stop();
  EXPECT_EQ(rx.requests(), 0);
  EXPECT_EQ(q->stats().metadata_sent.load(), 0u);
}

TEST_F(MetadataTest, RetriesServerErrorsAndCountsThem) {
  FakeReceiver rx([](int n) { return n < 2 ? 503 : 200; });
  auto q = start(options(rx.url(), families(3)));
  ASSERT_TRUE(wait_until([&] { return !rx.metadata().empty(); }));
  q->stop();
  EXPECT_EQ(rx.metadata_batch_sizes()[0], 3u);
  EXPECT_EQ(q->stats().metadata_retried.load(), 6u);  // two retries of three entries
  EXPECT_EQ(q->stats().metadata_failed.load(), 0u);
  EXPECT_GE(q->stats().metadata_sent.load(), 3u);
}

TEST_F(MetadataTest, FailuresAreCountedAndMetricsNamedAsPrometheus) {
  // 400: final at once. Always 503: given up at batch_send_deadline.
  for (int code : {400, 503}) {
    SCOPED_TRACE(code);
    FakeReceiver rx([code](int) { return code; });
    prometheus::Registry reg;
    auto o = options(rx.url(), families(5));
    o.registry = &reg;
    o.cfg.metadata_config.max_samples_per_send = 2;  // 3 batches per round
    o.cfg.metadata_config.send_interval = 10;
    o.cfg.queue_config.batch_send_deadline = 200;
    auto q = start(o);
    ASSERT_TRUE(wait_until([&] { return q->stats().metadata_failed.load() >= 5; }));
    q->stop();
    const auto& st = q->stats();
    EXPECT_EQ(st.metadata_sent.load(), 0u);
    if (code == 400) {
      EXPECT_EQ(st.metadata_retried.load(), 0u);
    } else {
      EXPECT_GT(st.metadata_retried.load(), 0u);
    }
    std::ostringstream text;
    prometheus::TextSerializer().Serialize(text, reg.Collect());
    const std::string l = "{remote_name=\"test\",url=\"" + rx.url() + "\"} ";
    for (const std::string& want : {
             "prometheus_remote_storage_metadata_total" + l + "0",
             "prometheus_remote_storage_metadata_failed_total" + l +
                 std::to_string(st.metadata_failed.load()),
             "prometheus_remote_storage_metadata_retried_total" + l +
                 std::to_string(st.metadata_retried.load()),
             "prometheus_remote_storage_metadata_bytes_total" + l + "0",
         }) {
      EXPECT_NE(text.str().find(want), std::string::npos) << want << "\n" << text.str();
    }
  }
}

TEST_F(MetadataTest, StopsPromptlyWhileWaitingOrBackingOff) {
  FakeReceiver rx([](int) { return 503; });
  auto o = options(rx.url(), families(2));
  o.cfg.queue_config.min_backoff = 30000;
  o.cfg.queue_config.max_backoff = 30000;
  o.cfg.queue_config.batch_send_deadline = 60000;
  auto q = start(o);
  ASSERT_TRUE(wait_until([&] { return rx.metadata_requests() >= 1; }));  // now in backoff
  auto t0 = Clock::now();
  q->stop();
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(1));
  EXPECT_EQ(q->stats().metadata_failed.load(), 0u);  // abandoned, not failed

  o.cfg.metadata_config.send_interval = 3600000;
  q = start(o);
  t0 = Clock::now();
  q->stop();
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(1));
}

}  // namespace
}  // namespace promlite::remote
