// The PromQL function table the parser type-checks calls against: every
// function of Prometheus 3.5, with argument types, how many trailing optional
// arguments it takes and its return type. The evaluator looks functions up by
// the same pointer the parser stored in Call::func.
#pragma once

#include <span>
#include <string_view>

#include "query/value.h"

namespace promlite::query {

struct FunctionSignature {
  std::string_view name;
  std::span<const ValueType> arg_types;
  // 0: exactly arg_types.size() arguments. Otherwise the last argument is
  // optional and arguments past the end take the last type: n > 0 allows
  // at most arg_types.size() - 1 + n arguments, -1 any number.
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  // Behind --enable-feature=promql-experimental-functions in Prometheus.
  bool experimental = false;
};

// The function called `name`, or null.
const FunctionSignature* find_function(std::string_view name);

// All functions, sorted by name.
std::span<const FunctionSignature> all_functions();

}  // namespace promlite::query
