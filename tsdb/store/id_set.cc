#include "tsdb/store/id_set.h"

#include <algorithm>

namespace promlite::tsdb::store {

bool SeriesIdSet::contains(uint64_t id) const {
  return std::binary_search(main_.begin(), main_.end(), id) ||
         std::binary_search(tail_.begin(), tail_.end(), id);
}

void SeriesIdSet::insert(uint64_t id) {
  if (tail_.empty() && (main_.empty() || id > main_.back())) {
    main_.push_back(id);
    return;
  }
  if (std::binary_search(main_.begin(), main_.end(), id)) return;
  auto pos = std::lower_bound(tail_.begin(), tail_.end(), id);
  if (pos != tail_.end() && *pos == id) return;
  tail_.insert(pos, id);
  size_t limit = std::clamp<size_t>(main_.size() / 32, 64, 4096);
  if (tail_.size() > limit) merge_tail();
}

void SeriesIdSet::merge_tail() {
  std::vector<uint64_t> merged;
  merged.reserve(main_.size() + tail_.size());
  std::merge(main_.begin(), main_.end(), tail_.begin(), tail_.end(), std::back_inserter(merged));
  main_ = std::move(merged);
  tail_.clear();
}

}  // namespace promlite::tsdb::store
