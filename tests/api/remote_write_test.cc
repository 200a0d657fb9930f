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

TEST(RemoteWriteDecode, WithCacheAgreesWithoutOnEveryPrefix) {
  std::string proto = testutil::encode_write_request(
      {{{{"__name__", "up"}, {"job", "a"}}, {{1, 1}}}, {{{"__name__", "lag"}}, {{2, 2}, {3, 3}}}});
  SeriesRefCache cache;
  WriteRequestView plain, cached;
  ASSERT_TRUE(decode_write_request(proto, &cached, &cache).is_ok());
  cache.put(cached.series[0].key, 42);  // the first series is known
  for (size_t cut = 0; cut <= proto.size(); ++cut) {
    std::string_view in = std::string_view(proto).substr(0, cut);
    Status a = decode_write_request(in, &plain);
    Status b = decode_write_request(in, &cached, &cache);
    ASSERT_EQ(a.is_ok(), b.is_ok()) << "cut at " << cut;
    if (!a.is_ok()) continue;
    ASSERT_EQ(plain.series.size(), cached.series.size());
    for (size_t i = 0; i < plain.series.size(); ++i) {
      const auto& ps = plain.series[i];
      const auto& cs = cached.series[i];
      EXPECT_EQ(plain.samples_of(ps).size(), cached.samples_of(cs).size());
      if (cs.cached_ref != 0) {
        EXPECT_EQ(cs.cached_ref, 42u);
        EXPECT_TRUE(cached.labels_of(cs).empty());  // not decoded
      } else {
        EXPECT_EQ(plain.labels_of(ps).size(), cached.labels_of(cs).size());
      }
    }
  }
}

TEST(RemoteWriteDecode, InvalidLabelSetsAreMarked) {
  auto r = decode_write_request(testutil::encode_write_request(
      {{{{"job", "x"}}, {{1, 1}}},                               // no metric name
       {{{"__name__", "m"}, {"a", "1"}, {"a", "2"}}, {{1, 1}}},  // duplicate name
       {{{"__name__", "m"}, {"", "v"}}, {{1, 1}}}}));            // empty name
  ASSERT_TRUE(r.is_ok());
  for (const auto& s : r->series) EXPECT_FALSE(s.valid) << s.labels.to_string();
}

TEST(RemoteWriteDecode, RawLabelBytesOnlyWhenContiguous) {
  std::string proto =
      testutil::encode_write_request({{{{"__name__", "up"}, {"job", "a"}}, {{1, 1}}}});
  WriteRequestView view;
  ASSERT_TRUE(decode_write_request(proto, &view).is_ok());
  ASSERT_EQ(view.series.size(), 1u);
  // Both label fields, tags included, and nothing else.
  EXPECT_EQ(view.series[0].raw_labels.size(), 2u + 14 + 2u + 8);
  EXPECT_EQ(view.labels_of(view.series[0]).size(), 2u);

  // A sample between two labels (legal, if odd): no raw bytes, so not cached.
  std::string ts;
  auto field = [](std::string& out, int f, const std::string& body) {
    out.push_back(static_cast<char>(f << 3 | 2));
    out.push_back(static_cast<char>(body.size()));
    out += body;
  };
  std::string l1, l2, sample;
  field(l1, 1, "__name__");
  field(l1, 2, "up");
  field(l2, 1, "job");
  field(l2, 2, "a");
  sample = std::string("\x09\0\0\0\0\0\0\xf0\x3f\x10\x01", 11);  // v=1, t=1
  field(ts, 1, l1);
  field(ts, 2, sample);
  field(ts, 1, l2);
  std::string req;
  field(req, 1, ts);
  ASSERT_TRUE(decode_write_request(req, &view).is_ok());
  ASSERT_EQ(view.series.size(), 1u);
  EXPECT_TRUE(view.series[0].raw_labels.empty());
  EXPECT_EQ(view.labels_of(view.series[0]).size(), 2u);
  ASSERT_EQ(view.samples_of(view.series[0]).size(), 1u);
  EXPECT_EQ(view.samples_of(view.series[0])[0].v, 1.0);
}

TEST(SeriesLabelsBuilder, JudgesAsPrometheus) {
  struct Case {
    std::vector<std::pair<std::string, std::string>> wire;
    bool valid;
    std::string labels;  // to_string() when valid
  };
  const Case cases[] = {
      {{{"__name__", "up"}, {"job", "a"}}, true, "up{job=\"a\"}"},
      {{{"job", "a"}, {"__name__", "up"}}, true, "up{job=\"a\"}"},  // sorted here
      {{{"__name__", "up"}, {"empty", ""}}, true, "up{}"},          // empty value dropped
      {{{"__name__", "m"}, {"l", "caf\xc3\xa9"}}, true, "m{l=\"caf\xc3\xa9\"}"},
      {{{"__name__", "a.b/c"}}, true, "a.b/c{}"},                   // UTF-8 names are fine
      {{{"job", "a"}}, false, ""},                                  // no metric name
      {{{"__name__", ""}, {"job", "a"}}, false, ""},                // empty metric name
      {{{"__name__", "m"}, {"", "v"}}, false, ""},                  // empty label name
      {{{"__name__", "m"}, {"a", "1"}, {"a", "2"}}, false, ""},     // repeated name
      {{{"a", "1"}, {"__name__", "m"}, {"a", "1"}}, false, ""},     // repeated, unsorted
      {{{"__name__", "m"}, {"l", "\xff"}}, false, ""},              // invalid UTF-8 value
      {{{"__name__", "m"}, {"l\xc0\xaf", "v"}}, false, ""},         // overlong encoding
      {{{"__name__", "m"}, {"l", "\xed\xa0\x80"}}, false, ""},      // surrogate
      {{{"__name__", "m"}, {"l", "abcdefgh\xe2\x82"}}, false, ""},  // truncated sequence
      {{}, false, ""},
  };
  SeriesLabelsBuilder b;
  for (const Case& c : cases) {
    std::vector<model::Label> wire;
    for (const auto& [n, v] : c.wire) wire.push_back({n, v});
    model::Labels out{{"untouched", "1"}};
    EXPECT_EQ(b.build(wire, &out), c.valid) << ::testing::PrintToString(c.wire);
    if (c.valid) {
      EXPECT_EQ(out.to_string(), c.labels);
    } else {
      EXPECT_EQ(out.to_string(), "{untouched=\"1\"}");
    }
  }
}

TEST(SeriesRefCache, FindPutEraseSweep) {
  SeriesRefCache c;
  auto k1 = SeriesRefCache::key_of("series one");
  auto k2 = SeriesRefCache::key_of("series two");
  EXPECT_NE(k1.a, SeriesRefCache::key_of("series onf").a);
  EXPECT_EQ(c.find(k1), 0u);
  c.put(k1, 11);
  c.put(k2, 22);
  EXPECT_EQ(c.find(k1), 11u);
  EXPECT_EQ(c.find(k2), 22u);
  c.put(k1, 12);  // a new ref for the same bytes
  EXPECT_EQ(c.find(k1), 12u);
  c.erase(k2);
  EXPECT_EQ(c.find(k2), 0u);
  c.sweep();  // drops the erased entry; k1 was used in the period it ends
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.find(k1), 12u);  // used again in this period
  c.sweep();
  EXPECT_EQ(c.size(), 1u);
  c.sweep();  // unused for a whole period: gone
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.find(k1), 0u);

  // Many keys: the tables grow and every key stays findable.
  for (uint64_t i = 1; i <= 20000; ++i) c.put(SeriesRefCache::key_of(std::to_string(i)), i);
  EXPECT_EQ(c.size(), 20000u);
  for (uint64_t i = 1; i <= 20000; ++i) {
    ASSERT_EQ(c.find(SeriesRefCache::key_of(std::to_string(i))), i);
  }
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

TEST_F(ReceiverTest, KnownSeriesGoThroughTheCacheAndSurviveStaleRefs) {
  RemoteWriteReceiver rw(storage_, true, [] { return int64_t{1'000'000}; });
  auto request = [](int64_t t) {
    std::vector<testutil::RwSeries> in;
    for (int i = 0; i < 50; ++i) {
      in.push_back({{{"__name__", "m"}, {"i", std::to_string(i)}}, {{t, static_cast<double>(i)}}});
    }
    return testutil::snappy_compress(testutil::encode_write_request(in));
  };
  ASSERT_EQ(post(rw, request(1000)).status, 204u);
  EXPECT_EQ(rw.cache().size(), 50u);
  ASSERT_EQ(post(rw, request(2000)).status, 204u);  // by cached refs
  EXPECT_EQ(storage_.num_series(), 50u);
  EXPECT_EQ(storage_.num_samples(), 100u);

  // Storage forgets its refs (as the head after gc): the cached refs are
  // refused and the series are appended by their labels again.
  storage_.clear();
  ASSERT_EQ(post(rw, request(3000)).status, 204u);
  EXPECT_EQ(storage_.num_series(), 50u);
  EXPECT_EQ(storage_.num_samples(), 50u);
  EXPECT_EQ(rw.stats().samples.load(), 150u);
  EXPECT_EQ(rw.stats().invalid_label_series.load(), 0u);

  // Errors on cached series name the series and answer as Prometheus.
  std::string body = testutil::snappy_compress(
      testutil::encode_write_request({{{{"__name__", "m"}, {"i", "1"}}, {{4000, 1}}},
                                      {{{"__name__", "m"}, {"i", "7"}}, {{2500, 7}}}}));
  HttpResponse r = post(rw, body);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.body, "out of order sample\n");
  body = testutil::snappy_compress(
      testutil::encode_write_request({{{{"__name__", "m"}, {"i", "7"}}, {{3000, 8}}}}));
  r = post(rw, body);
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("duplicate sample"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("i=\"7\""), std::string::npos) << r.body;
  EXPECT_EQ(storage_.num_samples(), 50u);  // nothing of either request stored
}

TEST_F(ReceiverTest, SamplesTooFarInTheFutureAreRefused) {
  const int64_t now = 1'700'000'000'000;
  RemoteWriteReceiver rw(storage_, true, [now] { return now; });
  auto body = [](int64_t t) {
    return testutil::snappy_compress(
        testutil::encode_write_request({{{{"__name__", "up"}}, {{t, 1}}}}));
  };
  EXPECT_EQ(post(rw, body(now + 10 * 60 * 1000)).status, 204u);  // exactly 10m ahead: fine
  HttpResponse r = post(rw, body(now + 10 * 60 * 1000 + 1));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.body, "out of bounds: timestamp is too far in the future\n");
  EXPECT_EQ(storage_.num_samples(), 1u);
}

TEST_F(ReceiverTest, CorruptSnappyLengthIsRefusedBeforeAllocating) {
  RemoteWriteReceiver rw(storage_, true);
  // A snappy header claiming ~4 GiB of output, then nothing.
  HttpResponse r = post(rw, std::string("\xff\xff\xff\xff\x0f", 5));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(post(rw, "").status, 400u);  // not even a length
}

TEST_F(ReceiverTest, DisabledByDefaultAsInPrometheus) {
  RemoteWriteReceiver rw(storage_, false);
  HttpResponse r = post(rw, testutil::snappy_compress(testutil::encode_write_request({})));
  EXPECT_EQ(r.status, 404u);
  EXPECT_NE(r.body.find("--web.enable-remote-write-receiver"), std::string::npos);
}

}  // namespace
}  // namespace promlite::api
