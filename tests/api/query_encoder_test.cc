#include "api/query_encoder.h"

#include <gtest/gtest.h>

#include <cmath>

#include "api/json_writer.h"

namespace promlite::api {
namespace {

using model::Labels;

TEST(QueryEncoder, EveryValueKind) {
  struct {
    query::Value value;
    const char* want;
  } cases[] = {
      {query::Scalar{4000, 2}, "{\"resultType\":\"scalar\",\"result\":[4,\"2\"]}"},
      {query::String{1500, "a\"b"}, "{\"resultType\":\"string\",\"result\":[1.500,\"a\\\"b\"]}"},
      {query::Vector{}, "{\"resultType\":\"vector\",\"result\":[]}"},
      {query::Vector{{Labels{{"__name__", "up"}, {"job", "x"}}, 1000, 1}, {Labels{}, 2000, NAN}},
       "{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"__name__\":\"up\",\"job\":\"x\"},"
       "\"value\":[1,\"1\"]},{\"metric\":{},\"value\":[2,\"NaN\"]}]}"},
      {query::Matrix{}, "{\"resultType\":\"matrix\",\"result\":[]}"},
      {query::Matrix{{Labels{{"a", "b"}}, {{0, INFINITY}, {15000, -INFINITY}, {30001, 0.25}}}},
       "{\"resultType\":\"matrix\",\"result\":[{\"metric\":{\"a\":\"b\"},\"values\":[[0,\"+Inf\"],"
       "[15,\"-Inf\"],[30.001,\"0.25\"]]}]}"},
  };
  for (const auto& c : cases) {
    std::string out;
    encode_query_data(out, c.value);
    EXPECT_EQ(out, c.want);
  }
}

// The batched matrix and vector writers against the generic JsonWriter, with
// enough points per series to flush the point buffer several times, several
// series (commas), escapes in labels and every kind of value.
TEST(QueryEncoder, BatchedWritersMatchJsonWriter) {
  query::Matrix m;
  query::Vector vec;
  for (int s = 0; s < 3; ++s) {
    query::MatrixSeries ms;
    ms.metric = Labels{{"__name__", "m"}, {"op", "a<\"" + std::to_string(s) + "\">"}};
    for (int i = 0; i < 500; ++i) {
      double v = i % 5 == 0   ? NAN
                 : i % 5 == 1 ? i * 1e-9
                 : i % 5 == 2 ? -static_cast<double>(i)
                 : i % 5 == 3 ? i / 7.0
                              : 1e22 * i;
      ms.points.push_back({1732400000000 + i * 1001LL, v});
    }
    vec.push_back({ms.metric, ms.points[s].t, ms.points[s + 1].v});
    m.push_back(std::move(ms));
  }
  m.push_back({Labels{}, {}});  // no points: no "values" key, as Prometheus
  auto reference = [&](bool matrix) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.key("resultType").string(matrix ? "matrix" : "vector");
    w.key("result").begin_array();
    if (matrix) {
      for (const auto& s : m) {
        w.begin_object().key("metric");
        write_labels(w, s.metric);
        if (!s.points.empty()) {
          w.key("values").begin_array();
          for (const auto& p : s.points) {
            w.begin_array().timestamp(p.t).sample_value(p.v).end_array();
          }
          w.end_array();
        }
        w.end_object();
      }
    } else {
      for (const auto& s : vec) {
        w.begin_object().key("metric");
        write_labels(w, s.metric);
        w.key("value").begin_array().timestamp(s.t).sample_value(s.v).end_array();
        w.end_object();
      }
    }
    w.end_array().end_object();
    return out;
  };
  std::string got;
  encode_query_data(got, m);
  EXPECT_EQ(got, reference(true));
  EXPECT_NE(got.find(",{\"metric\":{}}]}"), std::string::npos);
  got = "prefix";  // appends to what the caller has
  encode_query_data(got, vec);
  EXPECT_EQ(got, "prefix" + reference(false));
}

}  // namespace
}  // namespace promlite::api
