// Common chunk header, codec choice and iterator dispatch. Layout:
// tsdb/FORMAT.md, "Chunks".
#include "tsdb/chunkenc/chunk.h"

#include <typeinfo>
#include <vector>

#include "tsdb/chunkenc/block_chunk.h"
#include "tsdb/chunkenc/varint.h"
#include "tsdb/chunkenc/xor_chunk.h"

namespace promlite::tsdb::chunkenc {
namespace {

bool known_encoding(uint8_t b) {
  return b == static_cast<uint8_t>(Encoding::kXor) || b == static_cast<uint8_t>(Encoding::kConst) ||
         b == static_cast<uint8_t>(Encoding::kIntPack);
}

Status check_span(std::span<const model::Sample> samples) {
  if (samples.empty()) return invalid_argument("chunk: no samples to encode");
  if (samples.size() > kMaxChunkSamples) {
    return invalid_argument("chunk: more than " + std::to_string(kMaxChunkSamples) + " samples");
  }
  return Status::ok();
}

// Iterator for a chunk whose header did not parse.
class ErrorIterator final : public SampleIterator {
 public:
  explicit ErrorIterator(Status s) : status_(std::move(s)) {}
  bool next() override { return false; }
  bool seek(model::Timestamp) override { return false; }
  model::Sample at() const override { return {}; }
  Status status() const override { return status_; }

 private:
  Status status_;
};

}  // namespace

std::string_view encoding_name(Encoding e) {
  switch (e) {
    case Encoding::kXor:
      return "xor";
    case Encoding::kConst:
      return "const";
    case Encoding::kIntPack:
      return "intpack";
  }
  return "unknown";
}

Status corruption(std::string msg) { return Status(StatusCode::kCorruption, std::move(msg)); }

void put_chunk_header(std::string& out, Encoding e, std::span<const model::Sample> samples) {
  out.push_back(static_cast<char>(e));
  put_uvarint(out, samples.size());
  put_varint(out, samples.front().t);
  put_uvarint(out,
              static_cast<uint64_t>(samples.back().t) - static_cast<uint64_t>(samples.front().t));
}

Result<ChunkMeta> read_chunk_meta(std::span<const uint8_t> chunk) {
  const uint8_t* p = chunk.data();
  const uint8_t* end = p + chunk.size();
  if (p == end) return corruption("chunk: empty");
  if (!known_encoding(*p)) return corruption("chunk: unknown format byte " + std::to_string(*p));
  ChunkMeta m;
  m.encoding = static_cast<Encoding>(*p++);
  uint64_t count = 0, span = 0;
  int64_t min_t = 0;
  if (!get_uvarint(&p, end, &count) || !get_varint(&p, end, &min_t) ||
      !get_uvarint(&p, end, &span)) {
    return corruption("chunk: truncated header");
  }
  if (count == 0 || count > kMaxChunkSamples) {
    return corruption("chunk: bad sample count " + std::to_string(count));
  }
  m.count = static_cast<uint32_t>(count);
  m.min_t = min_t;
  m.max_t = static_cast<int64_t>(static_cast<uint64_t>(min_t) + span);
  m.header_size = static_cast<size_t>(p - chunk.data());
  return m;
}

Status encode(Encoding e, std::span<const model::Sample> samples, std::string& out) {
  if (Status s = check_span(samples); !s.is_ok()) return s;
  switch (e) {
    case Encoding::kXor:
      XorAppender::encode_sealed(samples, out);
      return Status::ok();
    case Encoding::kConst:
      if (!const_encoded_size(samples)) return invalid_argument("chunk: values are not constant");
      encode_const(samples, out);
      return Status::ok();
    case Encoding::kIntPack: {
      std::optional<IntPlan> plan = plan_int(samples);
      if (!plan) return invalid_argument("chunk: values have no exact integer form");
      encode_int(samples, *plan, out);
      return Status::ok();
    }
  }
  return invalid_argument("chunk: unknown encoding");
}

Result<Encoding> encode_best(std::span<const model::Sample> samples, std::string& out) {
  if (Status s = check_span(samples); !s.is_ok()) return s;
  // Sizes of the block codecs are computed exactly without encoding; XOR has no
  // cheap exact size, so it is encoded and kept only if it is the smallest.
  std::optional<size_t> const_size = const_encoded_size(samples);
  std::optional<IntPlan> plan = plan_int(samples);
  size_t start = out.size();
  XorAppender::encode_sealed(samples, out);
  size_t best = out.size() - start;
  Encoding choice = Encoding::kXor;
  if (plan && plan->size < best) {
    best = plan->size;
    choice = Encoding::kIntPack;
  }
  if (const_size && *const_size < best) {
    best = *const_size;
    choice = Encoding::kConst;
  }
  if (choice == Encoding::kXor) return choice;
  out.resize(start);
  if (choice == Encoding::kIntPack) {
    encode_int(samples, *plan, out);
  } else {
    encode_const(samples, out);
  }
  return choice;
}

std::unique_ptr<SampleIterator> new_iterator(std::span<const uint8_t> chunk,
                                             std::unique_ptr<SampleIterator> reuse) {
  Result<ChunkMeta> meta = read_chunk_meta(chunk);
  if (!meta.is_ok()) return std::make_unique<ErrorIterator>(meta.status());
  return new_iterator(chunk, *meta, std::move(reuse));
}

std::unique_ptr<SampleIterator> new_iterator(std::span<const uint8_t> chunk, const ChunkMeta& meta,
                                             std::unique_ptr<SampleIterator> reuse) {
  // Both iterator classes are final: an exact type check is enough (and cheaper
  // than dynamic_cast, which shows at 120-sample chunks).
  const bool reusable = reuse != nullptr;
  if (meta.encoding == Encoding::kXor) {
    bool x = reusable && typeid(*reuse) == typeid(XorIterator);
    std::unique_ptr<SampleIterator> it = x ? std::move(reuse) : std::make_unique<XorIterator>();
    static_cast<XorIterator*>(it.get())->reset(chunk, meta);
    return it;
  }
  bool b = reusable && typeid(*reuse) == typeid(BlockIterator);
  std::unique_ptr<SampleIterator> it = b ? std::move(reuse) : std::make_unique<BlockIterator>();
  static_cast<BlockIterator*>(it.get())->reset(chunk, meta);
  return it;
}

Result<std::vector<model::Sample>> decode_all(std::span<const uint8_t> chunk) {
  std::unique_ptr<SampleIterator> it = new_iterator(chunk);
  std::vector<model::Sample> out;
  while (it->next()) out.push_back(it->at());
  if (Status s = it->status(); !s.is_ok()) return s;
  return out;
}

}  // namespace promlite::tsdb::chunkenc
