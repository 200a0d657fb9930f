#include "api/remote_write.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/testutil/memory_storage.h"
#include "tests/testutil/remote_write_encoder.h"

namespace promlite::api {
namespace {

using testutil::RwSeries;

TEST(RemoteWriteDecode, RoundTripAndUnknownFields) {
  std::vector<RwSeries> in = {
      {{{"__name__", "up"}, {"job", "a"}}, {{1000, 1}, {2000, 0}}},
      {{{"job", "b"}, {"__name__", "lag"}}, {{-5, model::stale_nan()}, {3000, -0.0}}},
  };
  std::string proto = testutil::encode_write_request(in);
  proto += std::string("\x18\x2a", 2);  // field 3 (metadata-ish) varint 42: skipped
  auto r = decode_write_request(proto);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->series.size(), 2u);
  EXPECT_EQ(r->series[0].labels, (model::Labels{{"__name__", "up"}, {"job", "a"}}));
  EXPECT_EQ(r->series[1].labels, (model::Labels{{"__name__", "lag"}, {"job", "b"}}));
  ASSERT_EQ(r->series[1].samples.size(), 2u);
  EXPECT_EQ(r->series[1].samples[0].t, -5);
  EXPECT_TRUE(model::is_stale_nan(r->series[1].samples[0].v));
  EXPECT_TRUE(std::signbit(r->series[1].samples[1].v));
  EXPECT_TRUE(r->series[0].valid);
}

TEST(RemoteWriteDecode, CorruptInputIsAnError) {
  std::string proto = testutil::encode_write_request({{{{"__name__", "up"}}, {{1, 1}}}});
  for (size_t cut = 1; cut < proto.size(); ++cut) {
    auto r = decode_write_request(std::string_view(proto).substr(0, cut));
    EXPECT_FALSE(r.is_ok()) << "cut at " << cut;
  }
  EXPECT_FALSE(decode_write_request(std::string("\x0f", 1)).is_ok());  // wire type 7
}

TEST(RemoteWriteDecode, InvalidLabelSetsAreMarked) {
  auto r = decode_write_request(testutil::encode_write_request(
      {{{{"job", "x"}}, {{1, 1}}},                               // no metric name
       {{{"__name__", "m"}, {"a", "1"}, {"a", "2"}}, {{1, 1}}},  // duplicate name
       {{{"__name__", "m"}, {"", "v"}}, {{1, 1}}}}));            // empty name
  ASSERT_TRUE(r.is_ok());
  for (const auto& s : r->series) EXPECT_FALSE(s.valid) << s.labels.to_string();
}

class ReceiverTest : public ::testing::Test {
 protected:
  HttpResponse post(RemoteWriteReceiver& rw, const std::string& body) {
    HttpRequest req;
    req.method = http::verb::post;
    req.path = "/api/v1/write";
    req.body = body;
    HttpResponse resp;
    rw.handle(req, resp);
    return resp;
  }
  testutil::MemoryStorage storage_;
};

TEST_F(ReceiverTest, StoresSamplesAndAnswersLikePrometheus) {
  RemoteWriteReceiver rw(storage_, true);
  std::string body = testutil::snappy_compress(
      testutil::encode_write_request({{{{"__name__", "up"}, {"job", "a"}}, {{1000, 1}, {2000, 1}}},
                                      {{{"job", "nameless"}}, {{1000, 1}}}}));
  HttpResponse r = post(rw, body);
  EXPECT_EQ(r.status, 204u) << r.body;
  EXPECT_EQ(storage_.num_samples(), 2u);
  EXPECT_EQ(rw.stats().invalid_label_series.load(), 1u);
  EXPECT_EQ(rw.stats().samples.load(), 2u);

  // An out-of-order sample fails the whole request with 400; nothing of it is kept.
  body = testutil::snappy_compress(
      testutil::encode_write_request({{{{"__name__", "up"}, {"job", "b"}}, {{5000, 1}}},
                                      {{{"__name__", "up"}, {"job", "a"}}, {{1500, 1}}}}));
  r = post(rw, body);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(storage_.num_samples(), 2u);

  EXPECT_EQ(post(rw, "not snappy at all").status, 400u);
  EXPECT_EQ(post(rw, testutil::snappy_compress("\xff\xff")).status, 400u);
  EXPECT_EQ(rw.stats().rejected_requests.load(), 3u);
}

TEST_F(ReceiverTest, DisabledByDefaultAsInPrometheus) {
  RemoteWriteReceiver rw(storage_, false);
  HttpResponse r = post(rw, testutil::snappy_compress(testutil::encode_write_request({})));
  EXPECT_EQ(r.status, 404u);
  EXPECT_NE(r.body.find("--web.enable-remote-write-receiver"), std::string::npos);
}

}  // namespace
}  // namespace promlite::api
