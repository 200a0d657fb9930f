// Fuzz target for the chunk codecs (tsdb/chunkenc).
//
// Input byte 0 picks the mode:
// - kRoundTripMode: the rest is (int64 t, float64 v) pairs in little-endian; every
//   codec that accepts them, encode_best and the open XOR appender must give back
//   the exact bits, or the target traps.
// - anything else: the whole input is a sealed chunk (byte 0 is its format byte),
//   decoded through next(), next_batch() (which must yield the same samples, bit
//   for bit, and the same verdict) and seek(), plus as an open XOR chunk.
//   Corrupt input must end with a kCorruption status, never a crash.
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "tsdb/chunkenc/block_chunk.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/chunkenc/xor_chunk.h"

namespace {

using namespace promlite;
using namespace promlite::tsdb::chunkenc;

constexpr uint8_t kRoundTripMode = 0xFE;

void check(bool cond) {
  if (!cond) __builtin_trap();
}

bool same(const model::Sample& a, const model::Sample& b) {
  return a.t == b.t && model::float_bits(a.v) == model::float_bits(b.v);
}

void check_decodes_to(const std::string& chunk, const std::vector<model::Sample>& want) {
  auto it = new_iterator(as_bytes(chunk));
  size_t i = 0;
  while (it->next()) {
    check(i < want.size() && same(it->at(), want[i]));
    ++i;
  }
  check(i == want.size() && it->status().is_ok());
  it = new_iterator(as_bytes(chunk), std::move(it));
  int64_t ts[13];
  double vs[13];
  i = 0;
  while (size_t n = it->next_batch(ts, vs, 13)) {
    for (size_t k = 0; k < n; ++k, ++i) check(i < want.size() && same({ts[k], vs[k]}, want[i]));
  }
  check(i == want.size() && it->status().is_ok());
}

void round_trip(const uint8_t* data, size_t size) {
  std::vector<model::Sample> samples(size / 16);
  for (size_t i = 0; i < samples.size(); ++i) {
    uint64_t t, v;
    std::memcpy(&t, data + 16 * i, 8);
    std::memcpy(&v, data + 16 * i + 8, 8);
    samples[i] = {static_cast<int64_t>(t), model::bits_to_float(v)};
  }
  if (samples.empty()) return;
  for (Encoding e : {Encoding::kXor, Encoding::kConst, Encoding::kIntPack}) {
    std::string chunk;
    if (encode(e, samples, chunk).is_ok()) check_decodes_to(chunk, samples);
  }
  std::string best;
  check(encode_best(samples, best).is_ok());
  check_decodes_to(best, samples);
  std::string open;
  XorAppender app;
  for (const auto& s : samples) app.append(open, s.t, s.v);
  XorIterator xit;
  xit.reset_open(as_bytes(open), app.count());
  size_t i = 0;
  while (xit.next()) check(i < samples.size() && same(xit.at(), samples[i++]));
  check(i == samples.size() && xit.status().is_ok());
}

void decode(const uint8_t* data, size_t size) {
  std::span<const uint8_t> chunk(data, size);
  auto meta = read_chunk_meta(chunk);
  auto it = new_iterator(chunk);
  size_t n = 0;
  model::Timestamp last = 0;
  std::vector<model::Sample> seen;  // next()'s samples, which next_batch() must repeat
  while (it->next()) {
    last = it->at().t;
    if (seen.size() < 4096) seen.push_back(it->at());
    ++n;
  }
  check(n <= kMaxChunkSamples);
  Status s = it->status();
  check(s.is_ok() || s.code() == StatusCode::kCorruption);
  if (s.is_ok()) check(meta.is_ok() && n == meta->count && last == meta->max_t);

  int64_t ts[40];
  double vs[40];
  it = new_iterator(chunk, std::move(it));
  size_t m = 0;
  while (size_t k = it->next_batch(ts, vs, 1 + m % 40)) {
    for (size_t i = 0; i < k; ++i) {
      check(m + i < n);
      if (m + i < seen.size()) check(same({ts[i], vs[i]}, seen[m + i]));
    }
    m += k;
  }
  check(it->status().code() == s.code());
  check(m == n);

  it = new_iterator(chunk, std::move(it));
  model::Timestamp t = meta.is_ok() ? meta->min_t : 0;
  for (int k = 0; k < 64 && it->seek(t); ++k) {
    // Jump ahead by growing steps (wrapping arithmetic: timestamps may be near the limits).
    uint64_t next = static_cast<uint64_t>(it->at().t) + 1 + static_cast<uint64_t>(k) * 1000;
    if (static_cast<int64_t>(next) <= it->at().t) break;
    t = static_cast<int64_t>(next);
  }

  XorIterator xit;
  xit.reset_open(chunk, static_cast<uint32_t>(size * 2));
  while (xit.next()) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 0 && data[0] == kRoundTripMode) {
    round_trip(data + 1, size - 1);
  } else {
    decode(data, size);
  }
  return 0;
}
