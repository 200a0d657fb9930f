#include "scraper/relabel.h"

#include <locale.h>
#include <openssl/evp.h>
#include <re2/re2.h>
#include <wctype.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstring>
#include <vector>

#include "model/utf8.h"
#include "model/varint.h"

namespace promlite::scraper {
namespace {

using config::RelabelAction;
using config::RelabelConfig;

constexpr char32_t kRuneError = 0xFFFD;
// Go's regexp refuses more capture groups than this anyway; a bigger rule just
// takes the heap path below.
constexpr int kStackGroups = 16;

// Decodes one rune like Go's utf8.DecodeRuneInString: invalid input gives
// (U+FFFD, 1). `s` must not be empty.
std::pair<char32_t, size_t> decode_rune(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(0);
  if (c < 0x80) return {c, 1};
  auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) {
    if (cont(1)) return {static_cast<char32_t>((c & 0x1F) << 6 | (b(1) & 0x3F)), 2};
  } else if (c >= 0xE0 && c <= 0xEF) {
    if (cont(1) && cont(2)) {
      char32_t r = (c & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F);
      if (r >= 0x800 && (r < 0xD800 || r > 0xDFFF)) return {r, 3};
    }
  } else if (c >= 0xF0 && c <= 0xF4) {
    if (cont(1) && cont(2) && cont(3)) {
      char32_t r = (c & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 | (b(3) & 0x3F);
      if (r >= 0x10000 && r <= 0x10FFFF) return {r, 4};
    }
  }
  return {kRuneError, 1};
}

void append_rune(std::string& out, char32_t r) {
  if (r < 0x80) {
    out.push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (r >> 6)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (r >> 12)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (r >> 18)));
    out.push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

// Prometheus 3's default (UTF-8) label name validation.
bool valid_label_name(std::string_view s) { return !s.empty() && model::valid_utf8(s); }

// Unicode tables come from glibc's C.UTF-8 locale; without it, only ASCII maps.
locale_t utf8_locale() {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

bool is_ascii_word(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// Go's unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_', approximated for
// non-ASCII runes by the locale's alnum class.
bool is_name_rune(char32_t r) {
  if (r < 0x80) return is_ascii_word(static_cast<unsigned char>(r));
  if (r == kRuneError) return false;
  locale_t loc = utf8_locale();
  return loc != nullptr && iswalnum_l(static_cast<wint_t>(r), loc);
}

// Like Go's strings.ToLower / ToUpper.
void map_case(std::string_view in, bool upper, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      if (upper && c >= 'a' && c <= 'z') c -= 'a' - 'A';
      if (!upper && c >= 'A' && c <= 'Z') c += 'a' - 'A';
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    auto [r, n] = decode_rune(in.substr(i));
    i += n;
    if (locale_t loc = utf8_locale(); loc != nullptr && r != kRuneError) {
      r = upper ? towupper_l(static_cast<wint_t>(r), loc) : towlower_l(static_cast<wint_t>(r), loc);
    }
    append_rune(out, r);
  }
}

// Go's regexp `extract`: reads a group reference after a '$'. Returns false
// when malformed. On success, *num is the group number or -1 for a name.
bool extract_ref(std::string_view s, std::string_view* name, int* num, size_t* consumed) {
  if (s.empty()) return false;
  bool brace = s[0] == '{';
  size_t start = brace ? 1 : 0;
  size_t i = start;
  while (i < s.size()) {
    auto [r, n] = decode_rune(s.substr(i));
    if (!is_name_rune(r)) break;
    i += n;
  }
  if (i == start) return false;
  *name = s.substr(start, i - start);
  if (brace) {
    if (i >= s.size() || s[i] != '}') return false;
    ++i;
  }
  int v = 0;
  for (char c : *name) {
    if (c < '0' || c > '9' || v >= 100000000) {
      v = -1;
      break;
    }
    v = v * 10 + (c - '0');
  }
  if ((*name)[0] == '0' && name->size() > 1) v = -1;  // no leading zeros
  *num = v;
  *consumed = i;
  return true;
}

// Go's Regexp.Expand: appends `tmpl` to `out`, with group references replaced
// by groups[i] (data()==nullptr when group i did not take part).
void expand(const re2::RE2& re, std::string_view tmpl, const re2::StringPiece* groups, int ngroups,
            std::string& out) {
  while (!tmpl.empty()) {
    size_t dollar = tmpl.find('$');
    if (dollar == std::string_view::npos) break;
    out.append(tmpl.substr(0, dollar));
    tmpl.remove_prefix(dollar + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      out.push_back('$');
      tmpl.remove_prefix(1);
      continue;
    }
    std::string_view name;
    int num = 0;
    size_t consumed = 0;
    if (!extract_ref(tmpl, &name, &num, &consumed)) {
      out.push_back('$');  // malformed: the '$' is literal text
      continue;
    }
    tmpl.remove_prefix(consumed);
    if (num < 0) {
      const auto& named = re.NamedCapturingGroups();
      auto it = named.find(std::string(name));
      num = it == named.end() ? -1 : it->second;
    }
    if (num >= 0 && num < ngroups && groups[num].data() != nullptr) {
      out.append(groups[num].data(), groups[num].size());
    }
  }
  out.append(tmpl);
}

// Holds the submatches of one match: on the stack for ordinary rules.
class Groups {
 public:
  explicit Groups(int n) : n_(n) {
    if (n > kStackGroups) heap_.resize(static_cast<size_t>(n));
  }
  re2::StringPiece* data() { return n_ > kStackGroups ? heap_.data() : stack_; }
  int size() const { return n_; }

 private:
  int n_;
  re2::StringPiece stack_[kStackGroups];
  std::vector<re2::StringPiece> heap_;
};

bool full_match(const re2::RE2& re, std::string_view s, re2::StringPiece* groups = nullptr,
                int ngroups = 0) {
  return re.Match(re2::StringPiece(s.data(), s.size()), 0, s.size(), re2::RE2::ANCHOR_BOTH, groups,
                  ngroups);
}

// Splits `regex` into its alternatives when it is nothing but literal text
// joined by '|'; RE2 would then fully match exactly those strings.
bool literal_alternatives(std::string_view regex, std::vector<std::string>* out) {
  if (regex.find_first_of("\\.+*?()[]{}^$") != std::string_view::npos) return false;
  out->clear();
  size_t start = 0;
  while (true) {
    size_t bar = regex.find('|', start);
    out->emplace_back(regex.substr(start, bar == std::string_view::npos ? bar : bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  std::sort(out->begin(), out->end());
  return true;
}

bool has_var(std::string_view s) { return s.find('$') != std::string_view::npos; }

uint64_t hash_mod(std::string_view val, uint64_t modulus) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  int ok = EVP_Digest(val.data(), val.size(), md, &len, EVP_md5(), nullptr);
  assert(ok == 1 && len == 16);
  (void)ok;
  // Prometheus uses only the last 8 bytes, big-endian.
  uint64_t v = 0;
  for (int i = 8; i < 16; ++i) v = v << 8 | md[i];
  return v % modulus;
}

void put_label(std::string& out, std::string_view name, std::string_view value) {
  model::put_uvarint(out, name.size());
  out.append(name);
  model::put_uvarint(out, value.size());
  out.append(value);
}

}  // namespace

// The rule implementations; a struct so that RelabelBuilder can befriend it.
struct RelabelAccess {
  // What the builder's cache knows about cfg's regex (see LiteralRegex).
  static const RelabelBuilder::LiteralRegex& literal_info(const RelabelConfig& cfg,
                                                          RelabelBuilder& b) {
    for (const auto& e : b.literal_cache_) {
      if (e.re == cfg.compiled) return e;
    }
    // Bounded: a long-lived builder sees new rules on every config reload.
    if (b.literal_cache_.size() >= 64) b.literal_cache_.clear();
    RelabelBuilder::LiteralRegex e;
    e.re = cfg.compiled;
    e.literal = literal_alternatives(cfg.regex, &e.alternatives);
    b.literal_cache_.push_back(std::move(e));
    return b.literal_cache_.back();
  }

  // Whether cfg's regex fully matches s.
  static bool matches(const RelabelBuilder::LiteralRegex& info, std::string_view s) {
    if (!info.literal) return full_match(*info.re, s);
    const auto& alts = info.alternatives;
    if (alts.size() <= 8) {
      // Few names: a scan where most candidates fail on length alone.
      return std::find(alts.begin(), alts.end(), s) != alts.end();
    }
    auto it = std::lower_bound(alts.begin(), alts.end(), s,
                               [](const std::string& a, std::string_view v) { return a < v; });
    return it != alts.end() && *it == s;
  }

  // The source values joined by the separator: a view into b or its join buffer.
  static std::string_view joined(const RelabelConfig& cfg, RelabelBuilder& b) {
    if (cfg.source_labels.empty()) return {};
    if (cfg.source_labels.size() == 1) return b.get(cfg.source_labels[0]);
    b.join_.clear();
    for (size_t i = 0; i < cfg.source_labels.size(); ++i) {
      if (i > 0) b.join_.append(cfg.separator);
      b.join_.append(b.get(cfg.source_labels[i]));
    }
    return b.join_;
  }

  static void replace(const RelabelConfig& cfg, std::string_view val, RelabelBuilder& b) {
    const re2::RE2& re = *cfg.compiled;
    bool target_var = has_var(cfg.target_label);
    bool value_var = has_var(cfg.replacement);
    Groups groups(target_var || value_var ? 1 + re.NumberOfCapturingGroups() : 0);
    if (!full_match(re, val, groups.data(), groups.size())) return;  // no match: no change
    std::string_view target = cfg.target_label;
    if (target_var) {
      b.target_buf_.clear();
      expand(re, cfg.target_label, groups.data(), groups.size(), b.target_buf_);
      target = b.target_buf_;
    }
    if (!valid_label_name(target)) return;
    std::string_view value = cfg.replacement;
    if (value_var) {
      b.value_buf_.clear();
      expand(re, cfg.replacement, groups.data(), groups.size(), b.value_buf_);
      value = b.value_buf_;
    }
    b.set(target, value);  // an empty value deletes
  }

  static void label_map(const RelabelConfig& cfg, RelabelBuilder& b) {
    const re2::RE2& re = *cfg.compiled;
    bool value_var = has_var(cfg.replacement);
    Groups groups(value_var ? 1 + re.NumberOfCapturingGroups() : 0);
    b.range([&](model::Label l) {
      if (!full_match(re, l.name, groups.data(), groups.size())) return;
      std::string_view name = cfg.replacement;
      if (value_var) {
        b.target_buf_.clear();
        expand(re, cfg.replacement, groups.data(), groups.size(), b.target_buf_);
        name = b.target_buf_;
      }
      if (!name.empty()) b.set(name, l.value);
    });
  }

  // labeldrop (drop_matching) and labelkeep (!drop_matching). Deleting never
  // changes what another label looks like, so no snapshot is needed.
  static void label_drop(const RelabelConfig& cfg, RelabelBuilder& b, bool drop_matching) {
    const RelabelBuilder::LiteralRegex& info = literal_info(cfg, b);
    for (size_t i = 0; i < b.base_.size(); ++i) {
      if (!b.hidden_[i] && matches(info, b.base_[i].name) == drop_matching) b.hidden_[i] = 1;
    }
    for (size_t i = b.add_n_; i-- > 0;) {
      if (matches(info, b.add_[i].first) == drop_matching) b.del(b.add_[i].first);
    }
  }

  static bool apply(const RelabelConfig& cfg, RelabelBuilder& b) {
    assert(cfg.compiled != nullptr && "RelabelConfig::compile() was not called");
    using A = RelabelAction;
    switch (cfg.action) {
      case A::kDrop:
        return !matches(literal_info(cfg, b), joined(cfg, b));
      case A::kKeep:
        return matches(literal_info(cfg, b), joined(cfg, b));
      case A::kDropEqual:
        return b.get(cfg.target_label) != joined(cfg, b);
      case A::kKeepEqual:
        return b.get(cfg.target_label) == joined(cfg, b);
      case A::kReplace:
        replace(cfg, joined(cfg, b), b);
        return true;
      case A::kLowercase:
      case A::kUppercase:
        map_case(joined(cfg, b), cfg.action == A::kUppercase, b.value_buf_);
        b.set(cfg.target_label, b.value_buf_);
        return true;
      case A::kHashMod: {
        if (cfg.modulus == 0) return true;  // rejected by compile(); never divide by zero
        char digits[24];
        auto res =
            std::to_chars(digits, digits + sizeof(digits), hash_mod(joined(cfg, b), cfg.modulus));
        b.set(cfg.target_label, std::string_view(digits, static_cast<size_t>(res.ptr - digits)));
        return true;
      }
      case A::kLabelMap:
        label_map(cfg, b);
        return true;
      case A::kLabelDrop:
        label_drop(cfg, b, true);
        return true;
      case A::kLabelKeep:
        label_drop(cfg, b, false);
        return true;
    }
    return true;
  }
};

void RelabelBuilder::reset(const model::Labels& base) {
  base_labels_ = &base;
  base_.clear();
  // Decodes model::Labels' documented encoding inline (<varint len><name>
  // <varint len><value>...): this runs for every scraped sample, and the
  // out-of-line iterator costs a call per label. The buffer is well formed.
  const std::string& buf = base.data();
  const char* p = buf.data();
  const char* end = p + buf.size();
  while (p < end) {
    uint64_t nlen = 0, vlen = 0;
    model::get_uvarint(&p, end, &nlen);
    std::string_view name(p, nlen);
    p += nlen;
    model::get_uvarint(&p, end, &vlen);
    base_.push_back(model::Label{name, std::string_view(p, vlen)});
    p += vlen;
  }
  hidden_.assign(base_.size(), 0);
  add_n_ = 0;
}

int RelabelBuilder::find_base(std::string_view name) const {
  auto it = std::lower_bound(base_.begin(), base_.end(), name,
                             [](const model::Label& l, std::string_view n) { return l.name < n; });
  if (it == base_.end() || it->name != name) return -1;
  return static_cast<int>(it - base_.begin());
}

int RelabelBuilder::find_add(std::string_view name) const {
  for (size_t i = 0; i < add_n_; ++i) {
    if (add_[i].first == name) return static_cast<int>(i);
  }
  return -1;
}

void RelabelBuilder::erase_add(int i) {
  // Rotate the entry past the live ones so its strings keep their capacity.
  std::rotate(add_.begin() + i, add_.begin() + i + 1, add_.begin() + static_cast<long>(add_n_));
  --add_n_;
}

std::string_view RelabelBuilder::get(std::string_view name) const {
  if (int i = find_add(name); i >= 0) return add_[static_cast<size_t>(i)].second;
  int j = find_base(name);
  if (j < 0 || hidden_[static_cast<size_t>(j)]) return {};
  return base_[static_cast<size_t>(j)].value;
}

void RelabelBuilder::set(std::string_view name, std::string_view value) {
  if (value.empty()) {
    del(name);
    return;
  }
  if (int i = find_add(name); i >= 0) {
    add_[static_cast<size_t>(i)].second.assign(value.data(), value.size());
    return;
  }
  if (add_n_ < add_.size()) {
    add_[add_n_].first.assign(name.data(), name.size());
    add_[add_n_].second.assign(value.data(), value.size());
  } else {
    // Copy before growing: name/value may point into add_.
    std::string n(name), v(value);
    add_.emplace_back(std::move(n), std::move(v));
  }
  ++add_n_;
  if (int j = find_base(add_[add_n_ - 1].first); j >= 0) hidden_[static_cast<size_t>(j)] = 1;
}

void RelabelBuilder::del(std::string_view name) {
  if (int j = find_base(name); j >= 0) hidden_[static_cast<size_t>(j)] = 1;
  if (int i = find_add(name); i >= 0) erase_add(i);
}

bool RelabelBuilder::changed() const {
  size_t same_as_base = 0;
  for (size_t i = 0; i < add_n_; ++i) {
    int j = find_base(add_[i].first);
    if (j < 0 || base_[static_cast<size_t>(j)].value != add_[i].second) return true;
    ++same_as_base;
  }
  size_t hidden = static_cast<size_t>(std::count(hidden_.begin(), hidden_.end(), 1));
  return hidden != same_as_base;
}

model::Labels RelabelBuilder::labels() {
  if (!changed()) return base_labels_ != nullptr ? *base_labels_ : model::Labels();
  order_.clear();
  size_t bytes = 0;
  for (size_t i = 0; i < add_n_; ++i) {
    order_.push_back(static_cast<uint32_t>(i));
    bytes += add_[i].first.size() + add_[i].second.size() + 4;
  }
  std::sort(order_.begin(), order_.end(),
            [&](uint32_t a, uint32_t b) { return add_[a].first < add_[b].first; });
  bytes += base_labels_ != nullptr ? base_labels_->data().size() : 0;
  std::string buf;
  buf.reserve(bytes);
  size_t k = 0;
  for (size_t i = 0; i < base_.size(); ++i) {
    if (hidden_[i]) continue;
    for (; k < order_.size() && add_[order_[k]].first < base_[i].name; ++k) {
      put_label(buf, add_[order_[k]].first, add_[order_[k]].second);
    }
    put_label(buf, base_[i].name, base_[i].value);
  }
  for (; k < order_.size(); ++k) put_label(buf, add_[order_[k]].first, add_[order_[k]].second);
  bool ok = false;
  model::Labels out = model::Labels::from_encoded(std::move(buf), &ok);
  assert(ok && "relabel produced a malformed label encoding");
  return out;
}

bool relabel(const config::RelabelConfigs& cfgs, RelabelBuilder& b) {
  for (const auto& cfg : cfgs) {
    if (!RelabelAccess::apply(cfg, b)) return false;
  }
  return true;
}

Relabeler::Outcome Relabeler::process(const config::RelabelConfigs& cfgs, const model::Labels& in,
                                      model::Labels* out) {
  if (cfgs.empty()) return Outcome::kUnchanged;
  builder_.reset(in);
  if (!relabel(cfgs, builder_)) return Outcome::kDropped;
  if (!builder_.changed()) return Outcome::kUnchanged;
  *out = builder_.labels();
  return Outcome::kChanged;
}

model::Labels relabel(const model::Labels& in, const config::RelabelConfigs& cfgs, bool* keep) {
  RelabelBuilder b;
  b.reset(in);
  *keep = relabel(cfgs, b);
  return *keep ? b.labels() : model::Labels();
}

}  // namespace promlite::scraper
