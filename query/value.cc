#include "query/value.h"

namespace promlite::query {

const char* value_type_name(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kString:
      return "string";
    case ValueType::kVector:
      return "vector";
    case ValueType::kMatrix:
      return "matrix";
  }
  return "unknown";
}

}  // namespace promlite::query
