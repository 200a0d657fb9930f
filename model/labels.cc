#include "model/labels.h"

#include <algorithm>
#include <cstring>

#include "model/varint.h"

namespace promlite::model {
namespace {

std::string encode_sorted(const std::vector<std::pair<std::string, std::string>>& pairs) {
  size_t n = 0;
  for (const auto& [k, v] : pairs) n += k.size() + v.size() + 4;
  std::string out;
  out.reserve(n);
  for (const auto& [k, v] : pairs) {
    if (v.empty()) continue;
    put_uvarint(out, k.size());
    out.append(k);
    put_uvarint(out, v.size());
    out.append(v);
  }
  out.shrink_to_fit();
  return out;
}

void sort_unique(std::vector<std::pair<std::string, std::string>>& pairs) {
  // Stable so that of duplicate names the last one given wins.
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(pairs.size());
  for (auto& p : pairs) {
    if (!out.empty() && out.back().first == p.first) {
      out.back().second = std::move(p.second);
    } else {
      out.push_back(std::move(p));
    }
  }
  pairs = std::move(out);
}

inline uint64_t load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline uint64_t mix(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

constexpr uint64_t kP0 = 0x9e3779b97f4a7c15ULL;
constexpr uint64_t kP1 = 0xc2b2ae3d27d4eb4fULL;
constexpr uint64_t kP2 = 0x165667b19e3779f9ULL;

}  // namespace

uint64_t hash_bytes(const void* data, size_t len, uint64_t seed) {
  // A multiply-fold hash over 8-byte words; fast, well mixed, fixed forever
  // because series ids on disk derive from it.
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = seed ^ mix(len + kP0, kP1);
  while (len >= 16) {
    h = mix(load64(p) ^ kP1 ^ h, load64(p + 8) ^ kP2);
    p += 16;
    len -= 16;
  }
  if (len >= 8) {
    h = mix(load64(p) ^ kP1, h ^ kP2);
    p += 8;
    len -= 8;
  }
  uint64_t tail = 0;
  for (size_t i = 0; i < len; ++i) tail |= static_cast<uint64_t>(p[i]) << (8 * i);
  h = mix(tail ^ kP0, h ^ kP1);
  return mix(h, kP2) ^ h;
}

void Labels::Iterator::load() {
  if (p_ >= end_) {
    p_ = end_;
    return;
  }
  // The buffer was validated when built: the reads cannot fail.
  uint64_t nlen = 0, vlen = 0;
  const char* p = p_;
  get_uvarint(&p, end_, &nlen);
  cur_.name = std::string_view(p, nlen);
  p += nlen;
  get_uvarint(&p, end_, &vlen);
  cur_.value = std::string_view(p, vlen);
  next_ = p + vlen;
}

Labels::Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  std::vector<std::pair<std::string, std::string>> v;
  v.reserve(pairs.size());
  for (const auto& [k, val] : pairs) v.emplace_back(std::string(k), std::string(val));
  sort_unique(v);
  buf_ = encode_sorted(v);
}

Labels Labels::from_pairs(std::vector<std::pair<std::string, std::string>> pairs) {
  sort_unique(pairs);
  Labels l;
  l.buf_ = encode_sorted(pairs);
  return l;
}

Labels Labels::from_encoded(std::string encoded, bool* ok) {
  // Validate: every length in bounds, names strictly increasing, values non-empty.
  const char* p = encoded.data();
  const char* end = p + encoded.size();
  std::string_view prev;
  bool good = true;
  bool first = true;
  while (p < end) {
    uint64_t nlen = 0, vlen = 0;
    if (!get_uvarint(&p, end, &nlen) || static_cast<uint64_t>(end - p) < nlen) {
      good = false;
      break;
    }
    std::string_view name(p, nlen);
    p += nlen;
    if (!get_uvarint(&p, end, &vlen) || static_cast<uint64_t>(end - p) < vlen || vlen == 0 ||
        (!first && name <= prev)) {
      good = false;
      break;
    }
    p += vlen;
    prev = name;
    first = false;
  }
  if (ok) *ok = good;
  Labels l;
  if (good) l.buf_ = std::move(encoded);
  return l;
}

size_t Labels::size() const {
  size_t n = 0;
  for (auto it = begin(); it != end(); ++it) ++n;
  return n;
}

std::string_view Labels::get(std::string_view name) const {
  for (Label l : *this) {
    if (l.name == name) return l.value;
    if (l.name > name) break;
  }
  return {};
}

bool Labels::has(std::string_view name) const { return !get(name).empty(); }

uint64_t Labels::hash() const { return hash_bytes(buf_.data(), buf_.size()); }

uint64_t Labels::hash_for(const std::vector<std::string>& names, bool include) const {
  // Hash the encoded bytes of the selected pairs so that equal selections of
  // different sets collide exactly when their selected pairs are equal.
  std::string scratch;
  scratch.reserve(buf_.size());
  auto nit = names.begin();
  for (auto it = begin(); it != end(); ++it) {
    Label l = *it;
    while (nit != names.end() && *nit < l.name) ++nit;
    bool listed = nit != names.end() && *nit == l.name;
    if (listed == include) {
      put_uvarint(scratch, l.name.size());
      scratch.append(l.name);
      put_uvarint(scratch, l.value.size());
      scratch.append(l.value);
    }
  }
  return hash_bytes(scratch.data(), scratch.size());
}

std::string Labels::to_string() const {
  std::string out;
  std::string_view name = metric_name();
  out.append(name);
  out.push_back('{');
  bool first = true;
  for (Label l : *this) {
    if (l.name == kMetricName && !name.empty()) continue;
    if (!first) out.append(", ");
    first = false;
    out.append(l.name);
    out.append("=\"");
    for (char c : l.value) {
      switch (c) {
        case '\\':
          out.append("\\\\");
          break;
        case '"':
          out.append("\\\"");
          break;
        case '\n':
          out.append("\\n");
          break;
        default:
          out.push_back(c);
      }
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

int Labels::compare(const Labels& a, const Labels& b) {
  auto ia = a.begin(), ib = b.begin();
  auto ea = a.end(), eb = b.end();
  for (; ia != ea && ib != eb; ++ia, ++ib) {
    Label la = *ia, lb = *ib;
    if (int c = la.name.compare(lb.name)) return c < 0 ? -1 : 1;
    if (int c = la.value.compare(lb.value)) return c < 0 ? -1 : 1;
  }
  if (ia == ea && ib == eb) return 0;
  return ia == ea ? -1 : 1;
}

void LabelsBuilder::reset(const Labels& base) {
  pairs_.clear();
  for (Label l : base) pairs_.emplace_back(std::string(l.name), std::string(l.value));
}

void LabelsBuilder::reset() { pairs_.clear(); }

LabelsBuilder& LabelsBuilder::set(std::string_view name, std::string_view value) {
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const auto& p, std::string_view n) { return p.first < n; });
  bool found = it != pairs_.end() && it->first == name;
  if (value.empty()) {
    if (found) pairs_.erase(it);
  } else if (found) {
    it->second.assign(value);
  } else {
    pairs_.emplace(it, std::string(name), std::string(value));
  }
  return *this;
}

LabelsBuilder& LabelsBuilder::del(std::string_view name) { return set(name, {}); }

std::string_view LabelsBuilder::get(std::string_view name) const {
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const auto& p, std::string_view n) { return p.first < n; });
  if (it != pairs_.end() && it->first == name) return it->second;
  return {};
}

LabelsBuilder& LabelsBuilder::keep(const std::vector<std::string>& names) {
  std::erase_if(pairs_, [&](const auto& p) {
    return std::find(names.begin(), names.end(), p.first) == names.end();
  });
  return *this;
}

Labels LabelsBuilder::build() const {
  Labels l;
  l.buf_ = encode_sorted(pairs_);
  return l;
}

}  // namespace promlite::model
