// Record layouts: tsdb/FORMAT.md, "WAL" (uvarint / varint as in "Chunks").
#include "tsdb/wal/records.h"

#include <cstring>

#include "model/varint.h"

namespace promlite::tsdb::wal {
namespace {

using model::get_uvarint;
using model::kMaxVarintBytes;
using model::put_uvarint;
using model::zigzag_decode;
using model::zigzag_encode;

// Smallest encodings, used to bound a count before reserving for it.
constexpr size_t kMinSeriesBytes = 2;   // id, labels length
constexpr size_t kMinSampleBytes = 10;  // id delta, t delta, 8 value bytes

inline uint8_t* put_le64(uint8_t* p, uint64_t v) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  std::memcpy(p, &v, 8);
  return p + 8;
}

inline uint64_t get_le64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

Status corrupt(std::string_view what) {
  return Status(StatusCode::kCorruption, "WAL record: " + std::string(what));
}

// Grows `out` by up to `max_bytes` and returns where to write; finish() trims it.
uint8_t* reserve_tail(std::string& out, size_t max_bytes) {
  size_t old = out.size();
  out.resize(old + max_bytes);
  return reinterpret_cast<uint8_t*>(out.data()) + old;
}
void finish(std::string& out, const uint8_t* end) {
  out.resize(end - reinterpret_cast<const uint8_t*>(out.data()));
}

Status check_type(std::string_view rec, RecordType want) {
  if (rec.empty()) return corrupt("empty");
  if (static_cast<uint8_t>(rec[0]) != static_cast<uint8_t>(want)) {
    return corrupt("type " + std::to_string(static_cast<uint8_t>(rec[0])) + ", want " +
                   std::to_string(static_cast<uint8_t>(want)));
  }
  return Status::ok();
}

}  // namespace

void encode_series(std::span<const SeriesRecord> series, std::string& out) {
  size_t max = 1 + kMaxVarintBytes;
  for (const auto& s : series) max += 2 * kMaxVarintBytes + s.labels.data().size();
  uint8_t* p = reserve_tail(out, max);
  *p++ = static_cast<uint8_t>(RecordType::kSeries);
  p = put_uvarint(p, series.size());
  for (const auto& s : series) {
    const std::string& l = s.labels.data();
    p = put_uvarint(p, s.id);
    p = put_uvarint(p, l.size());
    std::memcpy(p, l.data(), l.size());
    p += l.size();
  }
  finish(out, p);
}

void encode_samples(std::span<const RefSample> samples, std::string& out) {
  uint8_t* p =
      reserve_tail(out, 1 + 3 * kMaxVarintBytes + samples.size() * (2 * kMaxVarintBytes + 8));
  *p++ = static_cast<uint8_t>(RecordType::kSamples);
  p = put_uvarint(p, samples.size());
  if (!samples.empty()) {
    // Ids are deltas from the previous sample's id (a scrape logs ids created
    // in sequence); timestamps are deltas from the first one (a scrape shares
    // one timestamp). All arithmetic is modulo 2^64.
    const uint64_t base_t = static_cast<uint64_t>(samples[0].t);
    uint64_t prev_id = samples[0].id;
    p = put_uvarint(p, prev_id);
    p = put_uvarint(p, zigzag_encode(samples[0].t));
    for (const auto& s : samples) {
      p = put_uvarint(p, zigzag_encode(static_cast<int64_t>(s.id - prev_id)));
      p = put_uvarint(p, zigzag_encode(static_cast<int64_t>(static_cast<uint64_t>(s.t) - base_t)));
      p = put_le64(p, model::float_bits(s.v));
      prev_id = s.id;
    }
  }
  finish(out, p);
}

Result<RecordType> record_type(std::string_view rec) {
  if (rec.empty()) return corrupt("empty");
  auto t = static_cast<uint8_t>(rec[0]);
  if (t == static_cast<uint8_t>(RecordType::kSeries) ||
      t == static_cast<uint8_t>(RecordType::kSamples) ||
      (t >= static_cast<uint8_t>(RecordType::kFirstExternal) &&
       t <= static_cast<uint8_t>(RecordType::kLastExternal))) {
    return static_cast<RecordType>(t);
  }
  return corrupt("unknown type " + std::to_string(t));
}

Status decode_series(std::string_view rec, std::vector<SeriesRecord>& out) {
  if (Status st = check_type(rec, RecordType::kSeries); !st) return st;
  const auto* p = reinterpret_cast<const uint8_t*>(rec.data()) + 1;
  const auto* end = reinterpret_cast<const uint8_t*>(rec.data()) + rec.size();
  uint64_t count;
  if (!get_uvarint(&p, end, &count)) return corrupt("series: bad count");
  if (count > static_cast<size_t>(end - p) / kMinSeriesBytes) {
    return corrupt("series: count " + std::to_string(count) + " exceeds the record");
  }
  out.reserve(out.size() + count);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t id, len;
    if (!get_uvarint(&p, end, &id) || !get_uvarint(&p, end, &len) ||
        len > static_cast<size_t>(end - p)) {
      return corrupt("series " + std::to_string(i) + ": truncated");
    }
    bool ok = false;
    auto labels = model::Labels::from_encoded(
        std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(len)), &ok);
    if (!ok) return corrupt("series " + std::to_string(i) + ": invalid label set");
    p += len;
    out.push_back(SeriesRecord{id, std::move(labels)});
  }
  if (p != end) return corrupt("series: " + std::to_string(end - p) + " trailing bytes");
  return Status::ok();
}

Status decode_samples(std::string_view rec, std::vector<RefSample>& out) {
  if (Status st = check_type(rec, RecordType::kSamples); !st) return st;
  const auto* p = reinterpret_cast<const uint8_t*>(rec.data()) + 1;
  const auto* end = reinterpret_cast<const uint8_t*>(rec.data()) + rec.size();
  uint64_t count;
  if (!get_uvarint(&p, end, &count)) return corrupt("samples: bad count");
  if (count > 0) {
    uint64_t id, base_t;
    if (!get_uvarint(&p, end, &id) || !get_uvarint(&p, end, &base_t)) {
      return corrupt("samples: truncated base");
    }
    base_t = static_cast<uint64_t>(zigzag_decode(base_t));
    if (count > static_cast<size_t>(end - p) / kMinSampleBytes) {
      return corrupt("samples: count " + std::to_string(count) + " exceeds the record");
    }
    size_t first = out.size();
    out.resize(first + count);
    RefSample* dst = out.data() + first;
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t did, dt;
      // Fast path: the common sample is 1-byte deltas and 8 value bytes.
      if (end - p >= 10 && p[0] < 0x80 && p[1] < 0x80) {
        id += static_cast<uint64_t>(zigzag_decode(p[0]));
        dst[i].id = id;
        dst[i].t = static_cast<int64_t>(base_t + static_cast<uint64_t>(zigzag_decode(p[1])));
        dst[i].v = model::bits_to_float(get_le64(p + 2));
        p += 10;
        continue;
      }
      if (!get_uvarint(&p, end, &did) || !get_uvarint(&p, end, &dt) || end - p < 8) {
        out.resize(first + i);
        return corrupt("samples: sample " + std::to_string(i) + " truncated");
      }
      id += static_cast<uint64_t>(zigzag_decode(did));
      dst[i].id = id;
      dst[i].t = static_cast<int64_t>(base_t + static_cast<uint64_t>(zigzag_decode(dt)));
      dst[i].v = model::bits_to_float(get_le64(p));
      p += 8;
    }
  }
  if (p != end) return corrupt("samples: " + std::to_string(end - p) + " trailing bytes");
  return Status::ok();
}

}  // namespace promlite::tsdb::wal
