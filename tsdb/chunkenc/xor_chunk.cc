// XOR chunk codec. Layout and bucket widths: tsdb/FORMAT.md, "Chunks / kXor".
#include "tsdb/chunkenc/xor_chunk.h"

#include <algorithm>
#include <bit>
#include <cassert>

#include "tsdb/chunkenc/chunk.h"
#include "tsdb/chunkenc/varint.h"

namespace promlite::tsdb::chunkenc {
namespace {

// Wrapping arithmetic: any int64 sequence encodes without signed overflow.
inline int64_t wrap_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t wrap_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

inline bool fits_signed(int64_t v, unsigned bits) {
  int64_t lim = int64_t{1} << (bits - 1);
  return v >= -lim && v < lim;
}

inline int64_t sign_extend(uint64_t v, unsigned bits) {
  return static_cast<int64_t>(v << (64 - bits)) >> (64 - bits);
}

// Timestamp delta-of-delta buckets. The prefix is a run of k one-bits ended by a
// zero (k = 0..4) or five one-bits; bucket k carries kDodBits[k] payload bits.
// Widths are sized for millisecond jitter: scrape timestamps usually differ from the
// expected interval by a few ms (8 bits), a late scrape by up to seconds (14 bits).
constexpr unsigned kDodBits[6] = {0, 8, 14, 20, 32, 64};

void write_dod(BitWriter& w, int64_t dod) {
  uint64_t u = static_cast<uint64_t>(dod);
  if (dod == 0) {
    w.write(0, 1);
  } else if (fits_signed(dod, 8)) {
    w.write(0b01 | (u & low_mask(8)) << 2, 10);
  } else if (fits_signed(dod, 14)) {
    w.write(0b011 | (u & low_mask(14)) << 3, 17);
  } else if (fits_signed(dod, 20)) {
    w.write(0b0111 | (u & low_mask(20)) << 4, 24);
  } else if (fits_signed(dod, 32)) {
    w.write(0b01111 | (u & low_mask(32)) << 5, 37);
  } else {
    w.write(0b11111, 5);
    w.write(u, 64);
  }
}

}  // namespace

void XorAppender::append(std::string& buf, model::Timestamp t, double v) {
  assert(count_ < kMaxChunkSamples);
  if (count_ == 0) {
    buf.clear();
    put_varint(buf, t);
    used_bits_ = 0;
  }
  append_bits(buf, t, v);
}

void XorAppender::append_bits(std::string& buf, model::Timestamp t, double v) {
  BitWriter w(buf, used_bits_);
  uint64_t bits = model::float_bits(v);
  if (count_ == 0) {
    w.write(bits, 64);
    delta_ = 0;
  } else {
    int64_t delta = wrap_sub(t, t_);
    write_dod(w, wrap_sub(delta, delta_));
    delta_ = delta;
    uint64_t x = bits ^ v_;
    if (x == 0) {
      w.write(0, 1);
    } else {
      unsigned lead = std::min(31u, static_cast<unsigned>(std::countl_zero(x)));
      unsigned trail = static_cast<unsigned>(std::countr_zero(x));
      if (leading_ != 0xff && lead >= leading_ && trail >= trailing_) {
        w.write(0b01, 2);
        w.write(x >> trailing_, 64 - leading_ - trailing_);
      } else {
        leading_ = static_cast<uint8_t>(lead);
        trailing_ = static_cast<uint8_t>(trail);
        unsigned sig = 64 - lead - trail;
        w.write(0b11 | static_cast<uint64_t>(lead) << 2 | static_cast<uint64_t>(sig & 63) << 7, 13);
        w.write(x >> trail, sig);
      }
    }
  }
  t_ = t;
  v_ = bits;
  ++count_;
  used_bits_ = static_cast<uint8_t>(w.used_bits());
}

Result<XorAppender> XorAppender::from_state(const State& st, size_t buf_size) {
  bool sane = st.used_bits < 8 &&
              (st.leading == 0xff ||
               (st.leading < 64 && st.trailing < 64 && st.leading + st.trailing < 64)) &&
              st.count <= kMaxChunkSamples && (st.count == 0) == (buf_size == 0);
  if (!sane) return corruption("invalid XOR appender state");
  XorAppender a;
  a.t_ = st.t;
  a.delta_ = st.delta;
  a.v_ = st.v;
  a.count_ = st.count;
  a.leading_ = st.leading;
  a.trailing_ = st.trailing;
  a.used_bits_ = st.used_bits;
  return a;
}

void XorAppender::seal(std::string_view buf, std::string& out) const {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(buf.data());
  const uint8_t* end = p + buf.size();
  int64_t t0 = 0;
  bool ok = get_varint(&p, end, &t0);
  assert(ok && count_ > 0);
  (void)ok;
  out.push_back(static_cast<char>(Encoding::kXor));
  put_uvarint(out, count_);
  put_varint(out, t0);
  put_uvarint(out, static_cast<uint64_t>(wrap_sub(t_, t0)));
  out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(end - p));
}

void XorAppender::encode_sealed(std::span<const model::Sample> samples, std::string& out) {
  put_chunk_header(out, Encoding::kXor, samples);
  XorAppender app;
  for (const model::Sample& s : samples) app.append_bits(out, s.t, s.v);
}

// --- XorIterator ---

void XorIterator::start(const uint8_t* p, size_t n, int64_t t0, uint32_t count) {
  r_.reset(p, n);
  if (!status_.is_ok()) status_ = Status::ok();
  t_ = t0;
  delta_ = 0;
  v_ = 0;
  count_ = count;
  read_ = 0;
  leading_ = 0xff;
  sig_ = 0;
  done_ = false;
}

void XorIterator::reset(std::span<const uint8_t> chunk) {
  auto meta = read_chunk_meta(chunk);
  if (!meta.is_ok()) {
    start(nullptr, 0, 0, 0);
    done_ = true;
    status_ = meta.status();
    return;
  }
  reset(chunk, *meta);
}

void XorIterator::reset(std::span<const uint8_t> chunk, const ChunkMeta& meta) {
  if (meta.encoding != Encoding::kXor) {
    start(nullptr, 0, 0, 0);
    fail("not an XOR chunk");
    return;
  }
  start(chunk.data() + meta.header_size, chunk.size() - meta.header_size, meta.min_t, meta.count);
  max_t_ = meta.max_t;
  sealed_ = true;
}

void XorIterator::reset_open(std::span<const uint8_t> buf, uint32_t count) {
  const uint8_t* p = buf.data();
  const uint8_t* end = p + buf.size();
  int64_t t0 = 0;
  if (count > 0 && !get_varint(&p, end, &t0)) {
    start(nullptr, 0, 0, 0);
    fail("truncated open XOR chunk");
    return;
  }
  start(p, static_cast<size_t>(end - p), t0, count);
  sealed_ = false;
}

bool XorIterator::fail(const char* what) {
  status_ = corruption(std::string("XOR chunk: ") + what);
  done_ = true;
  return false;
}

bool XorIterator::finish() {
  done_ = true;
  if (sealed_ && t_ != max_t_) return fail("last timestamp differs from the header");
  if (r_.bits_left() >= 8) return fail("trailing bytes after the last sample");
  return false;
}

// Most bits one sample can take: 5 + 64 for the timestamp, 13 + 64 for the value.
constexpr unsigned kMaxSampleBits = 146;

// One sample after the first. kFast: the caller checked that kMaxSampleBits can be
// read without bounds checks.
template <bool kFast>
inline bool XorIterator::decode_sample() {
  auto peek = [this](unsigned n) { return kFast ? r_.peek_fast(n) : r_.peek(n); };
  auto skip = [this](unsigned n) {
    if constexpr (kFast) {
      r_.skip_fast(n);
    } else {
      r_.skip(n);
    }
  };
  auto read = [this](unsigned n) { return kFast ? r_.read_fast(n) : r_.read(n); };

  // Timestamp: delta of delta.
  uint64_t p = peek(5);
  unsigned ones = static_cast<unsigned>(std::countr_one(p));
  int64_t dod = 0;
  if (ones == 0) {
    skip(1);
  } else if (ones < 5) {
    unsigned bits = kDodBits[ones];
    uint64_t u = read(ones + 1 + bits) >> (ones + 1);
    dod = sign_extend(u, bits);
  } else {
    skip(5);
    dod = static_cast<int64_t>(read(64));
  }
  delta_ = wrap_add(delta_, dod);
  t_ = wrap_add(t_, delta_);
  // Value: XOR with the previous one.
  uint64_t c = peek(13);
  if ((c & 1) == 0) {
    skip(1);
  } else {
    if ((c & 2) == 0) {
      if (leading_ == 0xff) return fail("XOR window reused before it was set");
      skip(2);
    } else {
      skip(13);
      unsigned lead = static_cast<unsigned>((c >> 2) & 31);
      unsigned sig = static_cast<unsigned>((c >> 7) & 63);
      if (sig == 0) sig = 64;
      if (lead + sig > 64) return fail("XOR window wider than 64 bits");
      leading_ = static_cast<uint8_t>(lead);
      sig_ = static_cast<uint8_t>(sig);
    }
    v_ ^= read(sig_) << (64 - leading_ - sig_);
  }
  return true;
}

inline bool XorIterator::decode_one() {
  if (done_) return false;
  if (read_ == count_) return finish();
  if (read_ == 0) {
    v_ = r_.read(64);
  } else if (r_.can_read_fast(kMaxSampleBits)) {
    if (!decode_sample<true>()) return false;
  } else if (!decode_sample<false>()) {
    return false;
  }
  if (!r_.ok()) return fail("truncated");
  ++read_;
  return true;
}

bool XorIterator::next() { return decode_one(); }

bool XorIterator::seek(model::Timestamp t) {
  if (done_) return false;
  if (read_ > 0 && t_ >= t) return true;
  if (sealed_ && t > max_t_) {
    // Timestamps increase, so nothing at or after t: end without decoding.
    done_ = true;
    return false;
  }
  while (decode_one()) {
    if (t_ >= t) return true;
  }
  return false;
}

size_t XorIterator::next_batch(model::Timestamp* ts, double* vs, size_t max) {
  size_t n = 0;
  while (n < max && decode_one()) {
    ts[n] = t_;
    vs[n] = model::bits_to_float(v_);
    ++n;
  }
  return n;
}

}  // namespace promlite::tsdb::chunkenc
