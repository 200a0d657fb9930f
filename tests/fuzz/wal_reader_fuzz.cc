// Fuzz target for the WAL reader and record codecs (tsdb/wal).
//
// The input is read as a segment image (also split in two segments at a point
// picked from the input) through Reader::from_memory; every record it yields
// goes through record_type() and the decoders, and whatever decodes must
// survive an encode/decode round trip bit-exactly. The whole input is also fed
// to the decoders directly, as a series and as a samples record. Corrupt input
// must end in a kCorruption status, never a crash or an out-of-bounds read.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "model/sample.h"
#include "tsdb/wal/reader.h"
#include "tsdb/wal/records.h"

namespace {

using namespace promlite;
using namespace promlite::tsdb::wal;

void check(bool cond) {
  if (!cond) __builtin_trap();
}

void decode_record(std::string_view rec) {
  std::vector<SeriesRecord> series;
  if (decode_series(rec, series).is_ok()) {
    std::string again;
    encode_series(series, again);
    std::vector<SeriesRecord> back;
    check(decode_series(again, back).is_ok() && back == series);
  }
  std::vector<RefSample> samples;
  if (decode_samples(rec, samples).is_ok()) {
    std::string again;
    encode_samples(samples, again);
    std::vector<RefSample> back;
    check(decode_samples(again, back).is_ok() && back.size() == samples.size());
    for (size_t i = 0; i < back.size(); ++i) {
      check(back[i].id == samples[i].id && back[i].t == samples[i].t &&
            model::float_bits(back[i].v) == model::float_bits(samples[i].v));
    }
  }
  auto type = record_type(rec);
  check(type.is_ok() || type.status().code() == StatusCode::kCorruption);
}

void read_segments(std::vector<std::string_view> segments) {
  auto r = Reader::from_memory(std::move(segments), 1);
  size_t n = 0;
  while (r->next()) {
    check(!r->record().empty());
    decode_record(r->record());
    ++n;
  }
  check(r->status().is_ok() || r->status().code() == StatusCode::kCorruption);
  check(r->next() == false);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  read_segments({in});
  if (size > 0) {
    size_t cut = data[0] % (size + 1);
    read_segments({in.substr(0, cut), in.substr(cut)});
  }
  decode_record(in);
  for (char type : {'\x01', '\x02'}) {
    std::string typed(1, type);
    typed.append(in);
    decode_record(typed);
  }
  return 0;
}
