// Labels: an immutable, sorted label set in one contiguous buffer.
//
// Representation: the pairs are sorted by name and packed into one std::string as
// <varint name_len><name><varint value_len><value>... . A typical Flink label set
// (8 labels, ~300 bytes of text) costs its text plus ~16 bytes of lengths and one
// allocation, instead of 16 std::string objects. Empty values are never stored: a
// label with an empty value is the same as an absent label, as in Prometheus.
//
// Thread-safety: const methods are safe to call concurrently.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace promlite::model {

inline constexpr std::string_view kMetricName = "__name__";

struct Label {
  std::string_view name;
  std::string_view value;
  bool operator==(const Label&) const = default;
};

class Labels {
 public:
  Labels() = default;
  // Builds from pairs in any order; empty values are dropped, later duplicates win.
  Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs);
  static Labels from_pairs(std::vector<std::pair<std::string, std::string>> pairs);
  // Wraps an already encoded, sorted buffer (from Labels::data() or storage).
  // Returns false in `ok` if the buffer is malformed.
  static Labels from_encoded(std::string encoded, bool* ok = nullptr);

  class Iterator {
   public:
    using value_type = Label;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    Iterator(const char* p, const char* end) : p_(p), end_(end) { load(); }
    Label operator*() const { return cur_; }
    Iterator& operator++() {
      p_ = next_;
      load();
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const Iterator& o) const { return p_ == o.p_; }

   private:
    void load();
    const char* p_ = nullptr;
    const char* end_ = nullptr;
    const char* next_ = nullptr;
    Label cur_;
  };

  Iterator begin() const { return Iterator(buf_.data(), buf_.data() + buf_.size()); }
  Iterator end() const { return Iterator(buf_.data() + buf_.size(), buf_.data() + buf_.size()); }

  bool empty() const { return buf_.empty(); }
  size_t size() const;
  // Value of `name`, or "" when absent.
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
  std::string_view metric_name() const { return get(kMetricName); }

  // Stable 64-bit hash of the whole set; the same across runs and machines.
  uint64_t hash() const;
  // Hash over only the named labels (`include`) or all but them (!include).
  // `names` must be sorted. Used by aggregation and vector matching.
  uint64_t hash_for(const std::vector<std::string>& names, bool include) const;

  // Encoded form, suitable for storage and for from_encoded().
  const std::string& data() const { return buf_; }
  // Bytes of memory held (buffer capacity plus the object).
  size_t memory_bytes() const { return sizeof(*this) + buf_.capacity(); }

  // Prometheus's rendering: {a="1", b="2"} with the metric name in front when set.
  std::string to_string() const;

  bool operator==(const Labels& o) const { return buf_ == o.buf_; }
  // Label-by-label order (name, then value), as Prometheus's labels.Compare.
  static int compare(const Labels& a, const Labels& b);
  bool operator<(const Labels& o) const { return compare(*this, o) < 0; }

 private:
  friend class LabelsBuilder;
  std::string buf_;
};

// Builds a Labels from a base set plus edits (set/del); cheap to reuse.
class LabelsBuilder {
 public:
  LabelsBuilder() = default;
  explicit LabelsBuilder(const Labels& base) { reset(base); }
  void reset(const Labels& base);
  void reset();
  // Setting an empty value deletes the label.
  LabelsBuilder& set(std::string_view name, std::string_view value);
  LabelsBuilder& del(std::string_view name);
  std::string_view get(std::string_view name) const;
  // Keeps only the named labels.
  LabelsBuilder& keep(const std::vector<std::string>& names);
  Labels build() const;
  // Current pairs, sorted by name.
  const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;  // sorted by name, unique
};

// 64-bit hash of bytes; stable across runs (no per-process seed).
uint64_t hash_bytes(const void* data, size_t len, uint64_t seed = 0);

}  // namespace promlite::model
