// Engine: info(), the experimental function that adds info series' data
// labels (Prometheus 3.5 semantics, with upstream's later bug fixes; see
// query/functions_info.cc).
#include <sstream>

#include "tests/query/engine_test_util.h"

namespace promlite::query::enginetest {
namespace {

// Loads `points` ("0 _ 2 stale 4": `_` is no sample) at start, start+step, ...
void load_text(testutil::MemoryStorage& st, const model::Labels& labels, const std::string& points,
               model::Duration step) {
  auto app = st.appender();
  std::istringstream in(points);
  std::string tok;
  for (model::Timestamp t = 0; in >> tok; t += step) {
    if (tok == "_") continue;
    double v = tok == "stale" ? model::stale_nan() : std::stod(tok);
    ASSERT_TRUE(app->append(0, labels, t, v).is_ok());
  }
  ASSERT_TRUE(app->commit().is_ok());
}

struct RangeCase {
  std::string query;
  int64_t start, end, step;  // seconds
  std::string want;          // render() of the matrix, or "error: ..."
};

void run(testutil::MemoryStorage& st, const std::vector<RangeCase>& cases) {
  for (const auto& c : cases) {
    EXPECT_EQ(range(st, c.query, c.start, c.end, c.step), c.want) << c.query;
  }
}

constexpr int64_t k5m = 300;

TEST(EngineInfoTest, DataLabelsAndSelectors) {
  testutil::MemoryStorage st;
  load_text(st, {{"__name__", "metric"}, {"instance", "a"}, {"job", "1"}, {"label", "value"}},
            "0 1 2", 5 * kMin);
  load_text(st,
            {{"__name__", "metric_not_matching_target_info"},
             {"instance", "a"},
             {"job", "2"},
             {"label", "value"}},
            "0 1 2", 5 * kMin);
  load_text(st,
            {{"__name__", "metric_with_overlapping_label"},
             {"instance", "a"},
             {"job", "1"},
             {"label", "value"},
             {"data", "base"}},
            "0 1 2", 5 * kMin);
  load_text(st,
            {{"__name__", "target_info"},
             {"instance", "a"},
             {"job", "1"},
             {"data", "info"},
             {"another_data", "another info"}},
            "1 1 1", 5 * kMin);
  load_text(st,
            {{"__name__", "build_info"}, {"instance", "a"}, {"job", "1"}, {"build_data", "build"}},
            "1 1 1", 5 * kMin);
  const std::string metric = "metric{instance=\"a\", job=\"1\", label=\"value\"} 0:0 300:1 600:2";
  const std::string all_target =
      "metric{another_data=\"another info\", data=\"info\", instance=\"a\", job=\"1\", "
      "label=\"value\"} 0:0 300:1 600:2";
  const std::string build =
      "build_info{build_data=\"build\", instance=\"a\", job=\"1\"} 0:1 300:1 600:1";
  run(st,
      {
          {"info(metric)", 0, 2 * k5m, k5m, all_target},
          {"info(metric, {data=~\".+\"})", 0, 2 * k5m, k5m,
           "metric{data=\"info\", instance=\"a\", job=\"1\", label=\"value\"} 0:0 300:1 600:2"},
          {"info(metric_not_matching_target_info)", 0, 2 * k5m, k5m,
           "metric_not_matching_target_info{instance=\"a\", job=\"2\", label=\"value\"} 0:0 "
           "300:1 600:2"},
          {"info(metric_not_matching_target_info, {data=~\".+\"})", 0, 2 * k5m, k5m, ""},
          {"info(metric, {non_existent=~\".+\"})", 0, 2 * k5m, k5m, ""},
          {"info(metric, {non_existent=~\".*\"})", 0, 2 * k5m, k5m, metric},
          {"info(metric, {data=~\".+\", non_existent=~\".*\"})", 0, 2 * k5m, k5m,
           "metric{data=\"info\", instance=\"a\", job=\"1\", label=\"value\"} 0:0 300:1 600:2"},
          // Labels the base series has already are kept as they are.
          {"info(metric_with_overlapping_label)", 0, 2 * k5m, k5m,
           "metric_with_overlapping_label{another_data=\"another info\", data=\"base\", "
           "instance=\"a\", job=\"1\", label=\"value\"} 0:0 300:1 600:2"},
          {"info(metric_with_overlapping_label, {data=\"info\"})", 0, 2 * k5m, k5m,
           "metric_with_overlapping_label{data=\"base\", instance=\"a\", job=\"1\", "
           "label=\"value\"} 0:0 300:1 600:2"},
          {"info(metric, {__name__=\"target_info\"})", 0, 2 * k5m, k5m, all_target},
          {"info(metric, {__name__=\"non_existent\"})", 0, 2 * k5m, k5m, metric},
          {"info(metric, {__name__=\"non_existent\", data=~\".+\"})", 0, 2 * k5m, k5m, ""},
          {"info(metric, {__name__=\"build_info\"})", 0, 2 * k5m, k5m,
           "metric{build_data=\"build\", instance=\"a\", job=\"1\", label=\"value\"} 0:0 "
           "300:1 600:2"},
          {"info(metric, {__name__=~\".+_info\"})", 0, 2 * k5m, k5m,
           "metric{another_data=\"another info\", build_data=\"build\", data=\"info\", "
           "instance=\"a\", job=\"1\", label=\"value\"} 0:0 300:1 600:2"},
          // Info series themselves are not enriched.
          {"info(build_info, {__name__=~\".+_info\"})", 0, 2 * k5m, k5m, build},
          {"info(build_info, {__name__=~\".+_info\", another_data=~\".+\"})", 0, 2 * k5m, k5m,
           build},
          // Negated name matchers: other *_info metrics.
          {"info(metric, {__name__!=\"target_info\"})", 0, 2 * k5m, k5m,
           "metric{build_data=\"build\", instance=\"a\", job=\"1\", label=\"value\"} 0:0 "
           "300:1 600:2"},
          {"info(metric, {__name__!~\".+_info\", data=~\".+\"})", 0, 2 * k5m, k5m, ""},
          // Several name matchers all hold: build_info is not an info source here.
          {"info(build_info, {__name__=~\"target_.+\", __name__=~\".+_info\"})", 0, 2 * k5m, k5m,
           "build_info{another_data=\"another info\", build_data=\"build\", data=\"info\", "
           "instance=\"a\", job=\"1\"} 0:1 300:1 600:1"},
      });
}

TEST(EngineInfoTest, NewestInfoSeriesWinsAndStaleness) {
  testutil::MemoryStorage st;
  load_text(st, {{"__name__", "metric"}, {"instance", "a"}, {"job", "1"}}, "0 1 2", 5 * kMin);
  load_text(st, {{"__name__", "target_info"}, {"instance", "a"}, {"job", "1"}, {"data", "old"}},
            "1 1 _", 5 * kMin);
  load_text(st, {{"__name__", "target_info"}, {"instance", "a"}, {"job", "1"}, {"data", "new"}},
            "_ _ 1", 5 * kMin);
  // At 600 both are within the lookback delta: the newer sample wins.
  run(st, {{"info(metric)", 0, 2 * k5m, k5m,
            "metric{data=\"new\", instance=\"a\", job=\"1\"} 600:2\n"
            "metric{data=\"old\", instance=\"a\", job=\"1\"} 0:0 300:1"}});

  testutil::MemoryStorage st2;
  load_text(st2, {{"__name__", "metric"}, {"instance", "a"}, {"job", "1"}}, "0 1 2", 5 * kMin);
  load_text(st2, {{"__name__", "target_info"}, {"instance", "a"}, {"job", "1"}, {"data", "x"}},
            "1 1 stale", 5 * kMin);
  run(st2, {
               {"info(metric, {data=~\".+\"})", 0, 2 * k5m, k5m,
                "metric{data=\"x\", instance=\"a\", job=\"1\"} 0:0 300:1"},
               {"info(metric, {data=~\".*\"})", 0, 2 * k5m, k5m,
                "metric{data=\"x\", instance=\"a\", job=\"1\"} 0:0 300:1\n"
                "metric{instance=\"a\", job=\"1\"} 600:2"},
           });
}

TEST(EngineInfoTest, AtAndOffsetPlaceTheInfoSeries) {
  testutil::MemoryStorage st;
  load_text(st, {{"__name__", "metric"}, {"instance", "a"}, {"job", "1"}}, "0 1 2 3 4 5 6 7 8",
            kMin);
  load_text(st, {{"__name__", "target_info"}, {"instance", "a"}, {"job", "1"}, {"v", "old"}},
            "1 1 1 stale", kMin);
  load_text(st, {{"__name__", "target_info"}, {"instance", "a"}, {"job", "1"}, {"v", "new"}},
            "_ _ _ 1 1 1 1 1 1", kMin);
  run(st, {
              {"info(metric offset 2m)", 240, 480, 60,
               "metric{instance=\"a\", job=\"1\", v=\"new\"} 300:3 360:4 420:5 480:6\n"
               "metric{instance=\"a\", job=\"1\", v=\"old\"} 240:2"},
              {"info(metric @ 120)", 480, 540, 60,
               "metric{instance=\"a\", job=\"1\", v=\"old\"} 480:2 540:2"},
              {"info(last_over_time(metric[5m:1m] offset 6m))", 480, 540, 60,
               "metric{instance=\"a\", job=\"1\", v=\"new\"} 540:3\n"
               "metric{instance=\"a\", job=\"1\", v=\"old\"} 480:2"},
          });
  EXPECT_EQ(instant(st, "info(last_over_time(metric[10m:1m] @ 420))", 2400),
            "metric{instance=\"a\", job=\"1\", v=\"new\"} 7");
  EXPECT_EQ(instant(st, "info(last_over_time((metric offset 1m)[10m:1m] @ 180))", 2400),
            "metric{instance=\"a\", job=\"1\", v=\"old\"} 2");
}

TEST(EngineInfoTest, IdentityAndErrors) {
  testutil::MemoryStorage st;
  load_text(st, {{"__name__", "data_metric"}}, "1 2 3", kMin);
  load_text(st, {{"__name__", "data_metric"}, {"instance", "a"}}, "4 5 6", kMin);
  load_text(st, {{"__name__", "metric"}, {"instance", "b"}}, "1 2 3", kMin);
  load_text(st, {{"__name__", "custom_info"}, {"instance", "b"}, {"enriched", "yes"}}, "1 1 1",
            kMin);
  run(st, {
              // Series without identifying labels pass through.
              {"info(data_metric, {__name__=\"info_metric\"})", 0, 120, 60,
               "data_metric{} 0:1 60:2 120:3\ndata_metric{instance=\"a\"} 0:4 60:5 120:6"},
              // An absent job matches an absent job.
              {"info(metric, {__name__=\"custom_info\"})", 0, 120, 60,
               "metric{enriched=\"yes\", instance=\"b\"} 0:1 60:2 120:3"},
          });

  testutil::MemoryStorage conflict;
  load_text(conflict, {{"__name__", "metric"}, {"instance", "a"}, {"job", "1"}}, "1 2 3", kMin);
  load_text(conflict,
            {{"__name__", "target_info"}, {"instance", "a"}, {"job", "1"}, {"x", "from_target"}},
            "1 1 1", kMin);
  load_text(conflict,
            {{"__name__", "build_info"}, {"instance", "a"}, {"job", "1"}, {"x", "from_build"}},
            "1 1 1", kMin);
  run(conflict,
      {{"info(metric, {__name__=~\".+_info\"})", 0, 120, 60, "error: conflicting label: x"}});

  testutil::MemoryStorage dup;
  load_text(dup, {{"__name__", "metric"}, {"instance", "a"}, {"job", "1"}}, "1 2 3", kMin);
  load_text(dup, {{"__name__", "target_info"}, {"instance", "a"}, {"job", "1"}, {"x", "1"}},
            "1 1 1", kMin);
  load_text(dup, {{"__name__", "target_info"}, {"instance", "a"}, {"job", "1"}, {"x", "2"}},
            "1 1 1", kMin);
  run(dup,
      {{"info(metric)", 0, 120, 60, "error: found duplicate series for info metric target_info"}});
}

}  // namespace
}  // namespace promlite::query::enginetest
