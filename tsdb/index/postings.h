// Postings: sorted lists of series ids and lazy combinators over them.
//
// A postings list holds the ids of the series that carry one label pair, in
// increasing order. Queries combine lists with intersect (AND of matchers),
// merge (OR of the values one matcher accepts) and without (matchers that
// exclude series). Every combinator is lazy: it pulls ids from its inputs with
// next()/seek() and never materialises them, so `{a="x", b="y"}` over two
// 100k-id lists costs one galloping walk.
//
//   auto p = intersect(lists...);  // unique_ptr<Postings>
//   while (p->next()) use(p->at());
//
// Thread-safety: a Postings object is used by one thread at a time. ListPostings
// reads a span it does not own; the span must outlive it and stay unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace promlite::tsdb::index {

// Stable 64-bit series id; the head hands them out in increasing order.
using SeriesId = uint64_t;

class Postings {
 public:
  virtual ~Postings() = default;
  // Advances to the next id. False at the end.
  virtual bool next() = 0;
  // Advances to the first id >= v. Never moves backwards: if the current id
  // already satisfies it, stays. False when there is no such id.
  virtual bool seek(SeriesId v) = 0;
  // REQUIRES: the last next()/seek() returned true.
  virtual SeriesId at() const = 0;
};

using PostingsPtr = std::unique_ptr<Postings>;

// Over a sorted, duplicate-free span (not owned).
class ListPostings final : public Postings {
 public:
  explicit ListPostings(std::span<const SeriesId> ids) : ids_(ids) {}
  bool next() override;
  bool seek(SeriesId v) override;
  SeriesId at() const override { return ids_[pos_]; }

 private:
  std::span<const SeriesId> ids_;
  size_t pos_ = 0;
  bool started_ = false;
};

// Over a sorted, duplicate-free vector it owns.
class VectorPostings final : public Postings {
 public:
  explicit VectorPostings(std::vector<SeriesId> ids) : ids_(std::move(ids)), list_(ids_) {}
  bool next() override { return list_.next(); }
  bool seek(SeriesId v) override { return list_.seek(v); }
  SeriesId at() const override { return list_.at(); }

 private:
  std::vector<SeriesId> ids_;
  ListPostings list_;
};

// No ids at all.
PostingsPtr empty_postings();

// Ids present in every input. No inputs: empty.
PostingsPtr intersect(std::vector<PostingsPtr> its);

// Ids present in any input, each once. No inputs: empty.
PostingsPtr merge(std::vector<PostingsPtr> its);

// Ids of `full` that are not in `drop`.
PostingsPtr without(PostingsPtr full, PostingsPtr drop);

// Drains `p` into a vector.
std::vector<SeriesId> expand(Postings& p);

// Eager intersection of two sorted spans (galloping on the longer one); what
// intersect() does for two lists, without the virtual calls.
std::vector<SeriesId> intersect_sorted(std::span<const SeriesId> a, std::span<const SeriesId> b);

}  // namespace promlite::tsdb::index
