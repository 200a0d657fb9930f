#include "tsdb/store/keys.h"

namespace promlite::tsdb::store {

namespace {
constexpr uint64_t kSignBit = uint64_t{1} << 63;
}  // namespace

void append_be64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out.append(b, 8);
}

uint64_t read_be64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void append_escaped(std::string& out, std::string_view s) {
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\0') {
      out.append(s.data() + start, i - start + 1);
      out.push_back('\xff');
      start = i + 1;
    }
  }
  out.append(s.data() + start, s.size() - start);
  out.push_back('\0');
  out.push_back('\x01');
}

bool read_escaped(std::string_view& in, std::string& out) {
  out.clear();
  size_t i = 0;
  while (true) {
    size_t z = in.find('\0', i);
    if (z == std::string_view::npos || z + 1 >= in.size()) return false;
    out.append(in.data() + i, z - i);
    if (in[z + 1] == '\x01') {
      in.remove_prefix(z + 2);
      return true;
    }
    if (in[z + 1] != '\xff') return false;
    out.push_back('\0');
    i = z + 2;
  }
}

std::string series_key(uint64_t id) {
  std::string k(1, kSeriesTag);
  append_be64(k, id);
  return k;
}

bool parse_series_key(std::string_view key, uint64_t* id) {
  if (key.size() != 9 || key[0] != kSeriesTag) return false;
  *id = read_be64(key.data() + 1);
  return true;
}

std::string postings_name_prefix(std::string_view name) {
  std::string k(1, kPostingsTag);
  append_escaped(k, name);
  return k;
}

std::string postings_value_prefix(std::string_view name, std::string_view value) {
  std::string k = postings_name_prefix(name);
  append_escaped(k, value);
  return k;
}

std::string postings_key(std::string_view name, std::string_view value, uint64_t id) {
  std::string k = postings_value_prefix(name, value);
  append_be64(k, id);
  return k;
}

std::string skip_terminated(std::string_view prefix) {
  std::string k(prefix);
  k.back() = '\x02';
  return k;
}

bool parse_postings_tail(std::string_view key, size_t name_prefix_len, std::string* value,
                         uint64_t* id) {
  if (key.size() < name_prefix_len) return false;
  key.remove_prefix(name_prefix_len);
  if (!read_escaped(key, *value) || key.size() != 8) return false;
  *id = read_be64(key.data());
  return true;
}

bool parse_postings_name(std::string_view key, std::string* name, size_t* name_prefix_len) {
  if (key.empty() || key[0] != kPostingsTag) return false;
  std::string_view rest = key.substr(1);
  if (!read_escaped(rest, *name)) return false;
  *name_prefix_len = key.size() - rest.size();
  return true;
}

std::string chunk_prefix(uint64_t id) {
  std::string k(1, kChunkTag);
  append_be64(k, id);
  return k;
}

std::string chunk_key(uint64_t id, model::Timestamp min_t) {
  std::string k = chunk_prefix(id);
  append_be64(k, static_cast<uint64_t>(min_t) ^ kSignBit);
  return k;
}

bool parse_chunk_key(std::string_view key, uint64_t* id, model::Timestamp* min_t) {
  if (key.size() != 17 || key[0] != kChunkTag) return false;
  *id = read_be64(key.data() + 1);
  *min_t = static_cast<model::Timestamp>(read_be64(key.data() + 9) ^ kSignBit);
  return true;
}

}  // namespace promlite::tsdb::store
