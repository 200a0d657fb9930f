// Key layout of a partition column family (see tsdb/FORMAT.md, "Partition store").
//
//   'S' be64(id)                                   -> encoded labels (Labels::data())
//   'P' esc(name) 00 01 esc(value) 00 01 be64(id)  -> empty
//   'C' be64(id) be64(min_t ^ 2^63)                -> sealed chunk bytes
//
// esc() doubles every 0x00 byte as 00 FF, so 00 01 ends a string and keys of one
// name (or one name and value) are contiguous and sort by value, then id.
// Fixed-width integers are big-endian so that byte order is numeric order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/sample.h"

namespace promlite::tsdb::store {

inline constexpr char kSeriesTag = 'S';
inline constexpr char kPostingsTag = 'P';
inline constexpr char kChunkTag = 'C';

void append_be64(std::string& out, uint64_t v);
uint64_t read_be64(const char* p);

// Appends esc(s) followed by the terminator 00 01.
void append_escaped(std::string& out, std::string_view s);

// Reads an escaped, terminated string from the front of `in` into `out` and
// advances `in` past the terminator. False when malformed.
bool read_escaped(std::string_view& in, std::string& out);

std::string series_key(uint64_t id);
// 'S' + id; false when `key` is not a series key.
bool parse_series_key(std::string_view key, uint64_t* id);

// 'P' esc(name) 00 01: every postings key of `name` starts with it.
std::string postings_name_prefix(std::string_view name);
// Prefix of every key of the pair (name, value).
std::string postings_value_prefix(std::string_view name, std::string_view value);
std::string postings_key(std::string_view name, std::string_view value, uint64_t id);

// Smallest key after every key that starts with `prefix`, where `prefix` ends
// with a terminator 00 01: the same bytes with the last one set to 02.
std::string skip_terminated(std::string_view prefix);

// Splits a postings key that starts with `name_prefix` into value and id.
bool parse_postings_tail(std::string_view key, size_t name_prefix_len, std::string* value,
                         uint64_t* id);
// Reads the label name of a postings key; `*name_prefix_len` gets the length of
// its postings_name_prefix().
bool parse_postings_name(std::string_view key, std::string* name, size_t* name_prefix_len);

std::string chunk_prefix(uint64_t id);
std::string chunk_key(uint64_t id, model::Timestamp min_t);
bool parse_chunk_key(std::string_view key, uint64_t* id, model::Timestamp* min_t);

}  // namespace promlite::tsdb::store
