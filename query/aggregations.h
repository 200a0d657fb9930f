// Group keys for PromQL aggregations.
#pragma once

#include <string>
#include <vector>

#include "model/labels.h"

namespace promlite::query {

// The output labels of the group `l` falls into: by(...) keeps the named labels
// (`grouping` sorted), without(...) drops them and the metric name.
model::Labels aggregation_group_labels(const model::Labels& l,
                                       const std::vector<std::string>& grouping, bool without);

}  // namespace promlite::query
