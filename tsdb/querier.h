// tsdb::Querier: the seam between readers (PromQL engine, HTTP API) and storage.
//
//   auto q = db.querier(mint, maxt);            // bound to [mint, maxt], inclusive
//   auto set = q->select(false, &hints, matchers);
//   while (set->next()) {
//     const Series& s = set->at();
//     auto it = s.iterator(nullptr);
//     while (it->next()) use(it->at());
//   }
//   if (!set->status()) ...;
//
// Thread-safety: a Queryable is safe to use from many threads; each Querier,
// SeriesSet, Series and SampleIterator is used by one thread at a time.
// Lifetimes: a SeriesSet must not outlive its Querier; a Series reference
// returned by at() stays valid until the next call to next(); an iterator must
// not outlive the Querier. Views (string_view, Label) returned from a Series'
// labels stay valid as long as the Series does.
//
// This header holds the sample iterator type on purpose: query/ reads samples
// through it and never includes a chunk codec header.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/labels.h"
#include "model/matcher.h"
#include "model/sample.h"
#include "model/status.h"

namespace promlite::tsdb {

// Iterates the samples of one series in increasing time order, duplicates
// already removed and head and partitions already merged.
class SampleIterator {
 public:
  virtual ~SampleIterator() = default;

  // Advances to the next sample. Returns false at the end or on error
  // (check status()).
  virtual bool next() = 0;

  // Advances to the first sample with timestamp >= t. Never moves backwards:
  // if the current sample already satisfies it, stays. Returns false when no
  // such sample exists.
  virtual bool seek(model::Timestamp t) = 0;

  // REQUIRES: the last next()/seek() returned true.
  virtual model::Sample at() const = 0;

  // Reads up to `max` samples after the current position into the arrays and
  // returns how many were read (0 at the end). After a call, at() is the last
  // sample read. The default walks next(); codecs override it to decode in bulk.
  virtual size_t next_batch(model::Timestamp* ts, double* vs, size_t max) {
    size_t n = 0;
    while (n < max && next()) {
      model::Sample s = at();
      ts[n] = s.t;
      vs[n] = s.v;
      ++n;
    }
    return n;
  }

  virtual Status status() const { return Status::ok(); }
};

class Series {
 public:
  virtual ~Series() = default;
  virtual const model::Labels& labels() const = 0;
  // A new iterator over this series' samples within the querier's bounds.
  // `reuse` may be an iterator from an earlier call whose memory can be
  // recycled; it is consumed.
  virtual std::unique_ptr<SampleIterator> iterator(
      std::unique_ptr<SampleIterator> reuse = nullptr) const = 0;
};

class SeriesSet {
 public:
  virtual ~SeriesSet() = default;
  virtual bool next() = 0;
  // REQUIRES: the last next() returned true.
  virtual const Series& at() const = 0;
  virtual Status status() const { return Status::ok(); }
  // Non-fatal problems met while selecting (e.g. a partition could not be read).
  virtual std::vector<std::string> warnings() const { return {}; }
};

// What the caller will do with the selected data, so storage can skip work.
// All times in ms; 0 means "not given".
struct SelectHints {
  model::Timestamp start = 0;  // first sample time the caller needs
  model::Timestamp end = 0;    // last sample time the caller needs
  int64_t step = 0;            // query resolution step
  int64_t range = 0;           // range-vector window, e.g. 5m for rate(x[5m])
  std::string func;            // enclosing function name, e.g. "rate"
};

// Bounds for label look-ups.
struct LabelHints {
  size_t limit = 0;  // 0: no limit
};

class Querier {
 public:
  virtual ~Querier() = default;

  // Series whose labels satisfy every matcher and that have samples within the
  // querier's bounds. With `sorted`, series come in Labels::compare order.
  // At least one matcher must not match the empty string (the API enforces it).
  virtual std::unique_ptr<SeriesSet> select(bool sorted, const SelectHints* hints,
                                            const model::Matchers& matchers) = 0;

  // Sorted, unique label names of the series that match (all series when
  // `matchers` is empty) within the bounds.
  virtual Result<std::vector<std::string>> label_names(const model::Matchers& matchers,
                                                       const LabelHints& hints = {}) = 0;

  // Sorted, unique values of label `name` among matching series.
  virtual Result<std::vector<std::string>> label_values(const std::string& name,
                                                        const model::Matchers& matchers,
                                                        const LabelHints& hints = {}) = 0;
};

class Queryable {
 public:
  virtual ~Queryable() = default;
  // A querier over [mint, maxt] (inclusive, ms).
  virtual Result<std::unique_ptr<Querier>> querier(model::Timestamp mint,
                                                   model::Timestamp maxt) = 0;
};

}  // namespace promlite::tsdb
