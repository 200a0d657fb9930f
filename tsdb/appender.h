// tsdb::Appender: the seam between writers (scraper, remote-write receiver,
// rule evaluator) and storage.
//
// Usage, one batch per scrape:
//
//   auto app = db.appender();
//   for (each sample) {
//     auto ref = app->append(cached_ref, labels, t, v);   // per-sample result
//     if (ref) cached_ref = *ref; else count(ref.status().code());
//   }
//   Status s = app->commit();   // or app->rollback()
//
// Contract:
// - An Appender is used by one thread at a time and is single-use: after
//   commit() or rollback() it must be destroyed. Destroying it uncommitted is
//   a rollback. Different Appenders may be used concurrently from many threads;
//   implementations must not serialise them on one global lock.
// - append(ref, labels, t, v) is the only entry point. `ref` is a hint: a value
//   returned earlier by append() for the same label set, or 0 (unknown). With a
//   valid non-zero ref the labels are not hashed or compared (the fast path); a
//   stale or unknown ref falls back to the labels. Refs are ephemeral: they stay
//   valid while the series is in the head and are never written anywhere.
//   A caller that keeps only refs may pass an empty label set with its ref: a
//   live ref appends, a stale one is refused with kInvalidArgument and no side
//   effect, and the caller retries with the labels (the remote-write receiver's
//   series cache relies on this).
// - Per-sample rejections (StatusCode::kOutOfOrder, kDuplicateSample,
//   kOutOfBounds, kInvalidArgument for a bad label set) fail only that sample;
//   the batch goes on and commit() stores the accepted ones. Other errors
//   (kIOError, kResourceExhausted) mean the batch cannot be stored: the caller
//   rolls back and reports the error.
// - `labels` must be valid: a non-empty __name__ is not required, but names must
//   be non-empty and the set must be sorted (model::Labels guarantees it).
// - Within one series, samples must arrive in increasing time order across
//   batches; the staleness NaN (model::stale_nan()) is a value like any other.
// - commit() makes the batch durable first (write-ahead log) and then visible
//   to queriers; a failed commit() has already rolled back.
#pragma once

#include <cstdint>
#include <memory>

#include "model/labels.h"
#include "model/sample.h"
#include "model/status.h"

namespace promlite::tsdb {

// Identifies a series in the head; 0 means "unknown".
using SeriesRef = uint64_t;

// Room for what later writers need (exemplars, metadata, out-of-order
// windows) without growing new interfaces.
struct AppendOptions {
  // Accept samples older than the series' newest one (remote-write backfill).
  bool allow_out_of_order = false;
};

class Appender {
 public:
  virtual ~Appender() = default;

  // Adds one sample to the batch. Returns the series ref for later appends,
  // or a per-sample error (see the contract above).
  virtual Result<SeriesRef> append(SeriesRef ref, const model::Labels& labels, model::Timestamp t,
                                   double v) = 0;

  // Makes the batch durable and visible. The Appender is spent afterwards.
  virtual Status commit() = 0;

  // Discards the batch. The Appender is spent afterwards.
  virtual void rollback() = 0;
};

class Appendable {
 public:
  virtual ~Appendable() = default;
  // A fresh Appender; safe to call from any thread.
  virtual std::unique_ptr<Appender> appender(const AppendOptions& opts = {}) = 0;
};

}  // namespace promlite::tsdb
