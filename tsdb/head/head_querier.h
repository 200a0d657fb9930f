// HeadQuerier: tsdb::Querier over a Head, bound to [mint, maxt].
//
// select() evaluates the matchers on the postings, resolves the ids to series
// and keeps those with samples in the bounds. Each selected series remembers
// the newest timestamp it had at select time, and its iterators stop there, so
// a select and the iterators created from it agree even while appends continue
// (sealed chunks are shared, the open chunk is copied when an iterator is made).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tsdb/head/head.h"
#include "tsdb/querier.h"

namespace promlite::tsdb::head {

class HeadQuerier final : public Querier {
 public:
  HeadQuerier(Head* head, model::Timestamp mint, model::Timestamp maxt)
      : head_(head), mint_(mint), maxt_(maxt) {}

  std::unique_ptr<SeriesSet> select(bool sorted, const SelectHints* hints,
                                    const model::Matchers& matchers) override;
  Result<std::vector<std::string>> label_names(const model::Matchers& matchers,
                                               const LabelHints& hints = {}) override;
  Result<std::vector<std::string>> label_values(const std::string& name,
                                                const model::Matchers& matchers,
                                                const LabelHints& hints = {}) override;

  // A selected series: the series and the newest timestamp its iterators read.
  struct Selected {
    SeriesPtr series;
    model::Timestamp maxt;
  };

 private:
  // True when series `id` exists and has samples in the bounds.
  bool in_bounds(index::SeriesId id) const;
  // Series matching `matchers` with samples in the bounds, in id order.
  std::vector<Selected> matching(const model::Matchers& matchers) const;
  // The series of `ids` (sorted) with samples in the bounds.
  std::vector<Selected> matching(const std::vector<index::SeriesId>& ids) const;
  // True when some series among `ids` has samples in the bounds.
  bool any_in_bounds(std::span<const index::SeriesId> ids) const;

  Head* head_;
  model::Timestamp mint_;
  model::Timestamp maxt_;
};

}  // namespace promlite::tsdb::head
