#include "api/query_encoder.h"

#include <gtest/gtest.h>

#include <cmath>

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

}  // namespace
}  // namespace promlite::api
