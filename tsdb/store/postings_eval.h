// Internal: resolves label matchers to the sorted series ids of one partition,
// by prefix scans over its 'P' keys, with Prometheus's rules for matchers that
// accept the empty string ({a=""} and {a!~".+"} select series without `a`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/matcher.h"
#include "model/status.h"

namespace rocksdb {
class Iterator;
}

namespace promlite::tsdb::store {

using IdList = std::vector<uint64_t>;  // sorted, unique

IdList intersect_ids(const IdList& a, const IdList& b);
IdList unite_ids(const IdList& a, const IdList& b);
IdList subtract_ids(const IdList& a, const IdList& b);

// Every series id of the partition (its 'S' keys).
Result<IdList> all_series_ids(rocksdb::Iterator& it);

// Ids of the series matching every matcher; all series when `matchers` is
// empty. `it` is any iterator over the partition; it is repositioned.
Result<IdList> select_ids(rocksdb::Iterator& it, const model::Matchers& matchers);

// Positions `it` at the first key >= target, stepping with Next() when the
// target is a few keys ahead of the current position (ids read in increasing
// order are often adjacent) and seeking otherwise.
void seek_forward(rocksdb::Iterator& it, std::string_view target);

// Reads the encoded labels of series `id` into `out`; false when absent. Ids
// read in increasing order reuse the iterator's position.
Result<bool> read_series_labels(rocksdb::Iterator& it, uint64_t id, std::string* out);

// Sorted, unique label names (any value) / values of `name` in the partition,
// one seek per distinct name / value.
Status scan_label_names(rocksdb::Iterator& it, std::vector<std::string>* out);
Status scan_label_values(rocksdb::Iterator& it, const std::string& name,
                         std::vector<std::string>* out);

// The same restricted to series among `ids` (sorted, unique): a name or value
// counts when one of its postings is in `ids`. Each value's postings are
// intersected with `ids` by leapfrogging (Next for near ids, Seek for far
// ones) and left at the first hit, so the cost follows the smaller side, not
// the series' labels (which are never read).
Status scan_label_names_for(rocksdb::Iterator& it, const IdList& ids,
                            std::vector<std::string>* out);
Status scan_label_values_for(rocksdb::Iterator& it, const std::string& name, const IdList& ids,
                             std::vector<std::string>* out);

}  // namespace promlite::tsdb::store
