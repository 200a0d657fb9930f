#include "api/federate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/testutil/memory_storage.h"

namespace promlite::api {
namespace {

using model::Labels;

TEST(FormatGoFloat, Table) {
  struct {
    double v;
    const char* want;
  } cases[] = {{0, "0"},
               {1, "1"},
               {-2.5, "-2.5"},
               {123456, "123456"},
               {1e6, "1e+06"},
               {1234567, "1.234567e+06"},
               {0.0001, "0.0001"},
               {1e-5, "1e-05"},
               {1.5e300, "1.5e+300"},
               {INFINITY, "+Inf"},
               {-INFINITY, "-Inf"},
               {NAN, "NaN"}};
  for (const auto& c : cases) EXPECT_EQ(format_go_float(c.v), c.want) << c.v;
}

TEST(Federate, LatestSamplesWithExternalLabels) {
  testutil::MemoryStorage storage;
  auto app = storage.appender();
  auto add = [&](Labels l, int64_t t, double v) { EXPECT_TRUE(app->append(0, l, t, v).is_ok()); };
  add(Labels{{"__name__", "up"}, {"job", "a"}, {"instance", "x:1"}}, 1000, 1);
  add(Labels{{"__name__", "up"}, {"job", "a"}, {"instance", "x:1"}}, 2000, 0);
  add(Labels{{"__name__", "up"}, {"job", "b"}}, 2000, 1);
  add(Labels{{"__name__", "gone"}, {"job", "a"}}, 1000, 5);
  add(Labels{{"__name__", "gone"}, {"job", "a"}}, 1500, model::stale_nan());
  add(Labels{{"__name__", "old"}, {"job", "a"}}, -400000, 1);  // outside the 5m lookback
  EXPECT_TRUE(app->commit().is_ok());

  auto cfg = std::make_shared<config::Config>();
  cfg->global.external_labels = Labels{{"cluster", "prod"}};
  FederateHandler h(
      storage, [cfg] { return cfg; }, 5 * model::kMinute, [] { return model::Timestamp{3000}; });
  HttpRequest req;
  req.path = "/federate";
  req.query = "match[]=%7Bjob%3D%22a%22%7D&match[]=up";
  HttpResponse resp;
  h.handle(req, resp);
  EXPECT_EQ(resp.status, 200u);
  EXPECT_EQ(resp.body,
            "# TYPE up untyped\n"
            "up{instance=\"x:1\",job=\"a\",cluster=\"prod\"} 0 2000\n"
            "up{job=\"b\",cluster=\"prod\",instance=\"\"} 1 2000\n");

  req.query = "match[]=up{";
  h.handle(req, resp);
  EXPECT_EQ(resp.status, 400u);
}

}  // namespace
}  // namespace promlite::api
