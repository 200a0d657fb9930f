// The JSON form of a PromQL syntax tree that /api/v1/parse_query returns (the
// tree view of Prometheus's "Explain" UI), in the shape of Prometheus 3.5's
// web/api/v1 translateAST:
//
//   sum(rate(x[5m])) ->
//   {"expr":{"args":[{"matchers":[{"name":"__name__","type":"=","value":"x"}],
//     "name":"x","offset":0,"range":300000,"startOrEnd":null,"timestamp":null,
//     "type":"matrixSelector"}],"func":{"argTypes":["matrix"],"name":"rate",
//     "returnType":"vector","variadic":0},"type":"call"},"grouping":[],"op":"sum",
//     "param":null,"type":"aggregation","without":false}
//
// Object keys are in alphabetical order, as Go writes maps. Times (range,
// offset, step, timestamp) are milliseconds. Ranges, steps and offsets given
// as experimental duration expressions are written folded (their value).
#pragma once

#include <string>

#include "query/ast.h"

namespace promlite::api {

class JsonWriter;

// Writes `e` as one JSON value.
void write_ast_json(JsonWriter& w, const query::Expr& e);

// The same, appended to `out`.
void append_ast_json(std::string& out, const query::Expr& e);

}  // namespace promlite::api
