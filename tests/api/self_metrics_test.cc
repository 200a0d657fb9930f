#include "api/self_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>

namespace promlite::api {
namespace {

TEST(SelfMetrics, ExposesProcessBuildAndRegisteredMetrics) {
  SelfMetrics m("1.2.3");
  auto& family = prometheus::BuildCounter()
                     .Name("promlite_test_events_total")
                     .Help("Events seen by the test.")
                     .Register(m.registry());
  family.Add({{"kind", "a"}}).Increment(3);
  std::string text = m.render();
  for (const char* want :
       {"# TYPE promlite_test_events_total counter\n", "promlite_test_events_total{kind=\"a\"} 3\n",
        "# TYPE promlite_build_info gauge\n", "promlite_build_info{compiler=",
        "version=\"1.2.3\"} 1\n", "# TYPE process_cpu_seconds_total counter\n",
        "process_resident_memory_bytes ", "process_open_fds ", "process_max_fds ",
        "process_start_time_seconds ", "process_virtual_memory_bytes "}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
}

TEST(SelfMetrics, CallbacksAreReadAtCollection) {
  SelfMetrics m("x");
  double v = 1;
  m.add_callback("promlite_test_gauge", "A gauge.", CallbackCollector::Kind::kGauge,
                 [&v] { return v; });
  m.add_callback("promlite_test_total", "A counter.", CallbackCollector::Kind::kCounter,
                 [] { return 42.0; });
  EXPECT_NE(m.render().find("promlite_test_gauge 1\n"), std::string::npos);
  v = 7;
  std::string text = m.render();
  EXPECT_NE(text.find("# TYPE promlite_test_gauge gauge\npromlite_test_gauge 7\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE promlite_test_total counter\npromlite_test_total 42\n"),
            std::string::npos);
}

TEST(SelfMetrics, ProcessValuesAreSane) {
  ProcessCollector c;
  bool saw_rss = false;
  for (const auto& f : c.Collect()) {
    ASSERT_EQ(f.metric.size(), 1u) << f.name;
    if (f.name == "process_resident_memory_bytes") {
      saw_rss = true;
      EXPECT_GT(f.metric[0].gauge.value, 1 << 20);
    }
    if (f.name == "process_open_fds") {
      EXPECT_GE(f.metric[0].gauge.value, 3);
    }
    if (f.name == "process_start_time_seconds") {
      EXPECT_GT(f.metric[0].gauge.value, 1.7e9);
    }
  }
  EXPECT_TRUE(saw_rss);
}

}  // namespace
}  // namespace promlite::api
