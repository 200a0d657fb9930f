// PromQL result values: scalar, string, instant vector, range vector (matrix).
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "model/labels.h"
#include "model/sample.h"

namespace promlite::query {

struct Scalar {
  model::Timestamp t = 0;
  double v = 0;
};

struct String {
  model::Timestamp t = 0;
  std::string v;
};

// One element of an instant vector.
struct VectorSample {
  model::Labels metric;
  model::Timestamp t = 0;
  double v = 0;
};
using Vector = std::vector<VectorSample>;

// One series of a range vector; points in increasing time order.
struct MatrixSeries {
  model::Labels metric;
  std::vector<model::Sample> points;
};
using Matrix = std::vector<MatrixSeries>;

enum class ValueType { kScalar, kString, kVector, kMatrix };

// Prometheus's names: "scalar", "string", "vector", "matrix".
const char* value_type_name(ValueType t);

using Value = std::variant<Scalar, String, Vector, Matrix>;

inline ValueType value_type(const Value& v) { return static_cast<ValueType>(v.index()); }

}  // namespace promlite::query
