#include "api/params.h"

#include <gtest/gtest.h>

#include "api/response.h"

namespace promlite::api {
namespace {

TEST(Params, TimeTable) {
  struct {
    const char* in;
    int64_t want;  // ms
    bool ok;
  } cases[] = {
      {"4", 4000, true},
      {"1700000000", 1700000000000, true},
      {"1700000000.2", 1700000000200, true},
      {"1755012345.6789012", 1755012345679, true},
      {"1755012345.0004", 1755012345000, true},
      {"-1.5", -1500, true},
      {"1e3", 1000000, true},
      {"+5", 5000, true},
      {"2015-07-01T20:10:51.781Z", 1435781451781, true},
      {"2015-07-01T20:10:51Z", 1435781451000, true},
      {"2015-07-01T22:10:51.781+02:00", 1435781451781, true},
      {"2015-07-01T20:10:51.781999999Z", 1435781451781, true},
      {"1970-01-01T00:00:00Z", 0, true},
      {"-292273086-05-16T16:47:06Z", kApiMinTime, true},
      {"292277025-08-18T07:12:54.999999999Z", kApiMaxTime, true},
      {"", 0, false},
      {"abc", 0, false},
      {"2015-13-01T00:00:00Z", 0, false},
      {"2015-02-29T00:00:00Z", 0, false},
      {"2015-07-01 20:10:51Z", 0, false},
      {"2015-07-01T20:10:51", 0, false},
      {"NaN", 0, false},
  };
  for (const auto& c : cases) {
    auto t = parse_time(c.in);
    EXPECT_EQ(t.is_ok(), c.ok) << c.in;
    if (c.ok && t.is_ok()) {
      EXPECT_EQ(*t, c.want) << c.in;
    }
    if (!c.ok && !t.is_ok()) {
      EXPECT_EQ(t.status().message(),
                std::string("cannot parse \"") + c.in + "\" to a valid timestamp");
    }
  }
  // The exemplar probe sends ms where seconds belong; it must still parse.
  EXPECT_TRUE(parse_time("1755010545123").is_ok());
}

TEST(Params, DurationTable) {
  EXPECT_EQ(*parse_duration_param("15"), 15000);
  EXPECT_EQ(*parse_duration_param("0.2"), 200);
  EXPECT_EQ(*parse_duration_param("0.001"), 1);
  EXPECT_EQ(*parse_duration_param("0.0001"), 0);
  EXPECT_EQ(*parse_duration_param("15s"), 15000);
  EXPECT_EQ(*parse_duration_param("1m30s"), 90000);
  EXPECT_EQ(*parse_duration_param("1m0s"), 60000);
  EXPECT_EQ(*parse_duration_param("-5"), -5000);
  EXPECT_FALSE(parse_duration_param("1e30").is_ok());
  auto bad = parse_duration_param("abc");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(), "cannot parse \"abc\" to a valid duration");
}

TEST(Params, MergesBodyFirstThenUrl) {
  HttpRequest req;
  req.method = http::verb::post;
  req.headers.set(http::field::content_type, "application/x-www-form-urlencoded");
  req.body = "query=1%2B1&time=4&match%5B%5D=up&match%5B%5D=%7Bjob%3D%22a+b%22%7D";
  req.query = "time=9&stats=all&empty=&flag";
  Params p = Params::from_request(req);
  EXPECT_EQ(*p.get("query"), "1+1");
  EXPECT_EQ(*p.get("time"), "4");
  EXPECT_EQ(p.get_all("time"), (std::vector<std::string>{"4", "9"}));
  EXPECT_EQ(p.get_all("match[]"), (std::vector<std::string>{"up", "{job=\"a b\"}"}));
  EXPECT_EQ(*p.get("stats"), "all");
  EXPECT_EQ(*p.get("empty"), "");
  EXPECT_EQ(*p.get("flag"), "");
  EXPECT_FALSE(p.has("nope"));

  // A GET's body is not a form.
  req.method = http::verb::get;
  EXPECT_EQ(*Params::from_request(req).get("time"), "9");
  EXPECT_FALSE(Params::from_request(req).has("query"));
}

TEST(Params, UnescapeLabelName) {
  EXPECT_EQ(unescape_label_name("job"), "job");
  EXPECT_EQ(unescape_label_name("U__http_2e_status__code"), "http.status_code");
  EXPECT_EQ(unescape_label_name("U__a_E9_b"),
            "a\xc3\xa9"
            "b");
  EXPECT_EQ(unescape_label_name("U___1f600_"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(unescape_label_name("U__bad_zz_"), "U__bad_zz_");
  EXPECT_EQ(unescape_label_name("U__open_2e"), "U__open_2e");
  EXPECT_EQ(unescape_label_name("U__trail_"), "U__trail_");
  EXPECT_EQ(unescape_label_name("U__big_1234567_"), "U__big_1234567_");
}

TEST(Response, EnvelopesAndErrorMapping) {
  HttpResponse r;
  write_success(r, "{\"resultType\":\"scalar\",\"result\":[4,\"2\"]}");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body,
            "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[4,\"2\"]}}");
  write_success(r, "[]", {"w1"}, {"i1"});
  EXPECT_EQ(r.body,
            "{\"status\":\"success\",\"data\":[],\"warnings\":[\"w1\"],\"infos\":[\"i1\"]}");

  struct {
    StatusCode code;
    unsigned http;
    const char* type;
  } cases[] = {
      {StatusCode::kInvalidArgument, 400, "bad_data"},
      {StatusCode::kResourceExhausted, 422, "execution"},
      {StatusCode::kDeadlineExceeded, 503, "timeout"},
      {StatusCode::kCanceled, 499, "canceled"},
      {StatusCode::kInternal, 500, "internal"},
      {StatusCode::kIOError, 500, "internal"},
      {StatusCode::kOutOfOrder, 422, "execution"},
  };
  for (const auto& c : cases) {
    write_error(r, Status(c.code, "boom \"x\""));
    EXPECT_EQ(r.status, c.http);
    EXPECT_EQ(r.body, std::string("{\"status\":\"error\",\"errorType\":\"") + c.type +
                          "\",\"error\":\"boom \\\"x\\\"\"}");
  }
}

}  // namespace
}  // namespace promlite::api
