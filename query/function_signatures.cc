#include "query/function_signatures.h"

#include <algorithm>
#include <array>

namespace promlite::query {
namespace {

using VT = ValueType;
constexpr VT kNone[] = {VT::kScalar};  // only its empty prefix is used
constexpr VT kV[] = {VT::kVector};
constexpr VT kM[] = {VT::kMatrix};
constexpr VT kS[] = {VT::kScalar};
constexpr VT kVS[] = {VT::kVector, VT::kScalar};
constexpr VT kVSS[] = {VT::kVector, VT::kScalar, VT::kScalar};
constexpr VT kMS[] = {VT::kMatrix, VT::kScalar};
constexpr VT kMSS[] = {VT::kMatrix, VT::kScalar, VT::kScalar};
constexpr VT kSM[] = {VT::kScalar, VT::kMatrix};
constexpr VT kSV[] = {VT::kScalar, VT::kVector};
constexpr VT kSSV[] = {VT::kScalar, VT::kScalar, VT::kVector};
constexpr VT kVV[] = {VT::kVector, VT::kVector};
constexpr VT kVStr[] = {VT::kVector, VT::kString};
constexpr VT kVStr3[] = {VT::kVector, VT::kString, VT::kString, VT::kString};
constexpr VT kVStr4[] = {VT::kVector, VT::kString, VT::kString, VT::kString, VT::kString};

constexpr std::span<const VT> kEmpty(kNone, 0);

// Sorted by name (checked by the tests through all_functions()).
constexpr FunctionSignature kFunctions[] = {
    {"abs", kV},
    {"absent", kV},
    {"absent_over_time", kM},
    {"acos", kV},
    {"acosh", kV},
    {"asin", kV},
    {"asinh", kV},
    {"atan", kV},
    {"atanh", kV},
    {"avg_over_time", kM},
    {"ceil", kV},
    {"changes", kM},
    {"clamp", kVSS},
    {"clamp_max", kVS},
    {"clamp_min", kVS},
    {"cos", kV},
    {"cosh", kV},
    {"count_over_time", kM},
    {"day_of_month", kV, 1},
    {"day_of_week", kV, 1},
    {"day_of_year", kV, 1},
    {"days_in_month", kV, 1},
    {"deg", kV},
    {"delta", kM},
    {"deriv", kM},
    {"double_exponential_smoothing", kMSS, 0, VT::kVector, true},
    {"exp", kV},
    {"floor", kV},
    {"histogram_avg", kV},
    {"histogram_count", kV},
    {"histogram_fraction", kSSV},
    {"histogram_quantile", kSV},
    {"histogram_stddev", kV},
    {"histogram_stdvar", kV},
    {"histogram_sum", kV},
    {"hour", kV, 1},
    {"idelta", kM},
    {"increase", kM},
    {"info", kVV, 1, VT::kVector, true},
    {"irate", kM},
    {"label_join", kVStr3, -1},
    {"label_replace", kVStr4},
    {"last_over_time", kM},
    {"ln", kV},
    {"log10", kV},
    {"log2", kV},
    {"mad_over_time", kM, 0, VT::kVector, true},
    {"max_over_time", kM},
    {"min_over_time", kM},
    {"minute", kV, 1},
    {"month", kV, 1},
    {"pi", kEmpty, 0, VT::kScalar},
    {"predict_linear", kMS},
    {"present_over_time", kM},
    {"quantile_over_time", kSM},
    {"rad", kV},
    {"rate", kM},
    {"resets", kM},
    {"round", kVS, 1},
    {"scalar", kV, 0, VT::kScalar},
    {"sgn", kV},
    {"sin", kV},
    {"sinh", kV},
    {"sort", kV},
    {"sort_by_label", kVStr, -1, VT::kVector, true},
    {"sort_by_label_desc", kVStr, -1, VT::kVector, true},
    {"sort_desc", kV},
    {"sqrt", kV},
    {"stddev_over_time", kM},
    {"stdvar_over_time", kM},
    {"sum_over_time", kM},
    {"tan", kV},
    {"tanh", kV},
    {"time", kEmpty, 0, VT::kScalar},
    {"timestamp", kV},
    {"ts_of_last_over_time", kM, 0, VT::kVector, true},
    {"ts_of_max_over_time", kM, 0, VT::kVector, true},
    {"ts_of_min_over_time", kM, 0, VT::kVector, true},
    {"vector", kS},
    {"year", kV, 1},
};

}  // namespace

const FunctionSignature* find_function(std::string_view name) {
  const auto* end = std::end(kFunctions);
  const auto* it =
      std::lower_bound(std::begin(kFunctions), end, name,
                       [](const FunctionSignature& f, std::string_view n) { return f.name < n; });
  if (it == end || it->name != name) return nullptr;
  return it;
}

std::span<const FunctionSignature> all_functions() { return kFunctions; }

}  // namespace promlite::query
