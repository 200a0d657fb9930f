// Encodes PromQL results in the shapes of Prometheus's API:
//   {"resultType":"matrix","result":[{"metric":{...},"values":[[t,"v"],...]}]}
//   {"resultType":"vector","result":[{"metric":{...},"value":[t,"v"]}]}
//   {"resultType":"scalar","result":[t,"v"]}    {"resultType":"string","result":[t,"s"]}
// resultType always comes before result (older Grafana requires that order).
#pragma once

#include <string>

#include "model/labels.h"
#include "query/value.h"

namespace promlite::api {

class JsonWriter;

// Appends the `data` object of a query response to `out`, byte for byte as
// Prometheus writes it (a matrix series without points has no "values").
void encode_query_data(std::string& out, const query::Value& value);

// Writes a label set as a JSON object.
void write_labels(JsonWriter& w, const model::Labels& labels);
// Appends a label set as a JSON object to `out` (no separators: the caller
// writes the commas).
void append_labels_json(std::string& out, const model::Labels& labels);

}  // namespace promlite::api
