#include "api/query_encoder.h"

#include <type_traits>

#include "api/json_writer.h"

namespace promlite::api {

void write_labels(JsonWriter& w, const model::Labels& labels) {
  w.begin_object();
  for (model::Label l : labels) w.key(l.name).string(l.value);
  w.end_object();
}

void encode_query_data(std::string& out, const query::Value& value) {
  JsonWriter w(out);
  w.begin_object();
  w.key("resultType").string(query::value_type_name(query::value_type(value)));
  w.key("result");
  std::visit(
      [&w](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, query::Scalar>) {
          w.begin_array().timestamp(v.t).sample_value(v.v).end_array();
        } else if constexpr (std::is_same_v<T, query::String>) {
          w.begin_array().timestamp(v.t).string(v.v).end_array();
        } else if constexpr (std::is_same_v<T, query::Vector>) {
          w.begin_array();
          for (const auto& s : v) {
            w.begin_object();
            w.key("metric");
            write_labels(w, s.metric);
            w.key("value").begin_array().timestamp(s.t).sample_value(s.v).end_array();
            w.end_object();
          }
          w.end_array();
        } else {
          w.begin_array();
          for (const auto& series : v) {
            w.begin_object();
            w.key("metric");
            write_labels(w, series.metric);
            w.key("values").begin_array();
            for (const auto& p : series.points) {
              w.begin_array().timestamp(p.t).sample_value(p.v).end_array();
            }
            w.end_array();
            w.end_object();
          }
          w.end_array();
        }
      },
      value);
  w.end_object();
}

}  // namespace promlite::api
