// Sealed chunks: one series' samples for a span of time, as stored on disk.
//
// Every sealed chunk starts with a common header (format byte, sample count,
// first and last timestamp), so a reader learns the codec, when to stop and the
// time range without decoding samples. The byte layouts of the header and of each
// codec are specified in tsdb/FORMAT.md, "Chunks"; keep that file in step with
// the code.
//
//   std::string chunk;
//   Status s = encode_best(samples, chunk);      // picks the smallest codec
//   auto meta = read_chunk_meta(as_bytes(chunk));  // cheap: header only
//   auto it = new_iterator(as_bytes(chunk));       // SampleIterator
//
// Lifetimes: iterators and metas hold no copy of the chunk; its bytes must stay
// alive and unchanged while an iterator over them is in use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "model/sample.h"
#include "model/status.h"
#include "tsdb/querier.h"

namespace promlite::tsdb::chunkenc {

// The format byte, first byte of every sealed chunk. Values are persisted: never
// renumber; add new codecs at unused values. 0 is reserved so that zeroed memory
// never parses as a chunk.
enum class Encoding : uint8_t {
  kXor = 1,      // Gorilla: delta-of-delta timestamps, XOR floats. Any float64.
  kConst = 2,    // one float64 value (any bits) for every sample; timestamps in blocks
  kIntPack = 3,  // decimal-scaled integer values, differenced and bit-packed in blocks
};

std::string_view encoding_name(Encoding e);

// Samples per sealed chunk accepted by the encoders and decoders; a header with a
// larger count is corrupt.
inline constexpr uint32_t kMaxChunkSamples = 1u << 20;

struct ChunkMeta {
  Encoding encoding{};
  uint32_t count = 0;          // number of samples, >= 1
  model::Timestamp min_t = 0;  // timestamp of the first sample
  model::Timestamp max_t = 0;  // timestamp of the last sample
  size_t header_size = 0;      // bytes of the common header
};

inline std::span<const uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Parses only the common header. kCorruption for an unknown format byte, a
// truncated header or a count of 0 or above kMaxChunkSamples.
Result<ChunkMeta> read_chunk_meta(std::span<const uint8_t> chunk);

// Encodes `samples` with codec `e` and appends the chunk to `out`. Timestamps
// should be increasing (iterators assume it); any int64 sequence round-trips.
// kInvalidArgument when the span is empty or longer than kMaxChunkSamples, or when
// the codec cannot represent the values exactly (kConst with differing values,
// kIntPack with non-integer-like values); `out` is then unchanged.
Status encode(Encoding e, std::span<const model::Sample> samples, std::string& out);

// Analyses `samples`, then appends the smallest exact encoding to `out` and
// returns its codec. Value bits always round-trip exactly (NaN payloads, -0.0).
Result<Encoding> encode_best(std::span<const model::Sample> samples, std::string& out);

// A SampleIterator over a sealed chunk of any codec. A corrupt chunk yields an
// iterator whose status() is kCorruption (possibly after some valid samples).
// `reuse` may be an iterator returned earlier by this function; its buffers are
// recycled. The iterators' next_batch() returns fewer than `max` samples only
// once the chunk is exhausted (its end checked) or corrupt, so a caller need
// not call it again to learn that.
std::unique_ptr<SampleIterator> new_iterator(std::span<const uint8_t> chunk,
                                             std::unique_ptr<SampleIterator> reuse = nullptr);
// Same, with the header already parsed: `meta` must be read_chunk_meta(chunk)
// (callers that keep chunk metas skip parsing the header again).
std::unique_ptr<SampleIterator> new_iterator(std::span<const uint8_t> chunk, const ChunkMeta& meta,
                                             std::unique_ptr<SampleIterator> reuse);

// Decodes a whole chunk (tests, re-encoding); kCorruption on a bad chunk.
Result<std::vector<model::Sample>> decode_all(std::span<const uint8_t> chunk);

// --- Internal helpers shared by the codecs. ---

Status corruption(std::string msg);

// Appends the common header.
void put_chunk_header(std::string& out, Encoding e, std::span<const model::Sample> samples);

}  // namespace promlite::tsdb::chunkenc
