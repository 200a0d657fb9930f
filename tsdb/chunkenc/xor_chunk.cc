// XOR chunk codec. Layout and bucket widths: tsdb/FORMAT.md, "Chunks / kXor".
#include "tsdb/chunkenc/xor_chunk.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>

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

namespace {

// sig_ before the first window is set. It is larger than any real window, so
// the fast path's "field fits in the loaded word" test fails for it and the
// slow path sees it.
constexpr uint32_t kNoWindow = 0xff;

// The fast loop reads a sample with loads that end at most 27 bytes after the
// sample's first byte (a 64-bit delta of delta and a full 64-bit value, each
// read by two 8-byte loads), so it runs while a sample starts at least this
// many bytes before the end of the span; the last bytes are decoded from a
// zero-padded copy.
constexpr size_t kFastTailBytes = 32;

// Any 64 bits of the stream starting at bit `pos`. REQUIRES: 16 bytes readable
// at p + pos / 8.
inline uint64_t bits64_at(const uint8_t* p, uint64_t pos) {
  const uint8_t* q = p + (pos >> 3);
  unsigned s = static_cast<unsigned>(pos & 7);
  return (load_le64(q) >> s) | ((load_le64(q + 8) << 1) << (63 - s));
}

struct FastState {
  uint64_t pos;  // bit position of the next sample
  uint64_t t, d, v;
  uint32_t sig, trail;  // XOR window; sig == kNoWindow: none yet
};

// Decodes up to `max` samples (none of them the first of the chunk) into ts/vs
// with the state in registers and no bounds checks, while each sample starts at
// least kFastTailBytes before the end of [p, p + size). Stops before a sample
// whose XOR window is invalid, leaving it to the checked path to report.
// Returns the number decoded; `st` is the state after the last of them.
//
// What makes it fast (measured, see bench/README.md "Decode"): one unaligned
// load yields the timestamp's prefix and payload, the value's control bits and,
// for a reused window of up to 54 bits (the common case: a gauge keeps its
// window for most samples), the value's bits too; the XOR is then a mask and a
// shift by the window's trailing zeros. The position, timestamp and value are
// separate dependency chains in registers, and the only bounds check is one
// compare of the position per sample. The branches on the control bits stay:
// they are well predicted on real series, and a branch-free variant (selects
// and masks) measured 1.6x slower, its dependency chain from the loaded bits to
// the next position costing more than the mispredicts it saved.
size_t decode_fast(const uint8_t* p, size_t size, FastState& st, int64_t* ts, double* vs,
                   size_t max) {
  if (size < kFastTailBytes) return 0;
  const uint64_t last_start = size - kFastTailBytes;  // last byte a sample may start in
  uint64_t pos = st.pos, t = st.t, d = st.d, v = st.v;
  uint64_t sig = st.sig, trail = st.trail;
  uint64_t mask = sig == kNoWindow ? 0 : low_mask(static_cast<unsigned>(sig));

  // The value after the timestamp. `w` holds the bits from `q` on, at least
  // 57 - used of them valid. False for an invalid window.
  auto value = [&](uint64_t w, uint64_t q, uint64_t used) -> bool {
    if ((w & 3) == 1 && used + 2 + sig <= 57) [[likely]] {
      v ^= ((w >> 2) & mask) << trail;  // '10': reused window, bits already in w
      pos = q + 2 + sig;
      return true;
    }
    if ((w & 1) == 0) {  // '0': same value
      pos = q + 1;
      return true;
    }
    if (w & 2) {  // '11' lead(5) sig(6): new window
      uint64_t lead = (w >> 2) & 31;
      uint64_t s = (((w >> 7) - 1) & 63) + 1;  // 0 means 64
      if (lead + s > 64) [[unlikely]]
        return false;
      sig = s;
      trail = 64 - lead - s;
      mask = ~uint64_t{0} >> (64 - s);
      q += 13;
    } else {  // '10' with a wide window
      if (sig == kNoWindow) [[unlikely]]
        return false;
      q += 2;
    }
    unsigned sh = static_cast<unsigned>(q & 7);
    uint64_t field = sh + sig <= 64 ? load_le64(p + (q >> 3)) >> sh : bits64_at(p, q);
    v ^= (field & mask) << trail;
    pos = q + sig;
    return true;
  };

  const uint64_t last_bit = last_start * 8 + 7;  // last bit a sample may start at
  size_t n = 0;
  for (; n < max && pos <= last_bit; ++n) {
    // >= 57 valid bits: enough for the largest bucketed timestamp (37 bits)
    // and the 13 value control bits after it.
    uint64_t w = load_le64(p + (pos >> 3)) >> (pos & 7);
    if ((w & 1) == 0) [[likely]] {  // delta of delta 0
      if (!value(w >> 1, pos + 1, 1)) [[unlikely]]
        break;
    } else {
      unsigned ones = static_cast<unsigned>(std::countr_zero(~w | 32));  // prefix ones, <= 5
      uint64_t dod, q, used;
      if (ones == 1) {
        // The 8-bit bucket (scrape jitter): constant shifts.
        dod = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(w >> 2)));
        used = 10;
        q = pos + 10;
        w >>= 10;
      } else if (ones < 5) {
        unsigned width = kDodBits[ones];
        dod = static_cast<uint64_t>(static_cast<int64_t>(w << (63 - ones - width)) >> (64 - width));
        used = ones + 1 + width;
        q = pos + used;
        w >>= used;
      } else {
        dod = bits64_at(p, pos + 5);
        q = pos + 69;
        w = load_le64(p + (q >> 3)) >> (q & 7);
        used = 0;
      }
      if (!value(w, q, used)) [[unlikely]]
        break;
      d += dod;
    }
    t += d;
    ts[n] = static_cast<int64_t>(t);
    vs[n] = model::bits_to_float(v);
  }
  st = {pos, t, d, v, static_cast<uint32_t>(sig), static_cast<uint32_t>(trail)};
  return n;
}

}  // namespace

void XorIterator::start(const uint8_t* p, size_t n, int64_t t0, uint32_t count) {
  r_.reset(p, n);
  if (!status_.is_ok()) status_ = Status::ok();
  t_ = static_cast<uint64_t>(t0);
  delta_ = 0;
  v_ = 0;
  count_ = count;
  read_ = 0;
  sig_ = kNoWindow;
  trail_ = 0;
  done_ = false;
  has_cur_ = false;
  buf_len_ = buf_pos_ = 0;
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
  if (sealed_ && static_cast<int64_t>(t_) != max_t_) {
    return fail("last timestamp differs from the header");
  }
  if (r_.bits_left() >= 8) return fail("trailing bytes after the last sample");
  return false;
}

bool XorIterator::decode_checked() {
  // Timestamp: delta of delta.
  uint64_t p = r_.peek(5);
  unsigned ones = static_cast<unsigned>(std::countr_one(p));
  uint64_t dod = 0;
  if (ones == 0) {
    r_.skip(1);
  } else if (ones < 5) {
    unsigned bits = kDodBits[ones];
    uint64_t u = r_.read(ones + 1 + bits) >> (ones + 1);
    dod = static_cast<uint64_t>(sign_extend(u, bits));
  } else {
    r_.skip(5);
    dod = r_.read(64);
  }
  // Value: XOR with the previous one.
  uint64_t c = r_.peek(13);
  uint64_t x = 0;
  if ((c & 1) == 0) {
    r_.skip(1);
  } else {
    if ((c & 2) == 0) {
      if (sig_ == kNoWindow) return fail("XOR window reused before it was set");
      r_.skip(2);
    } else {
      r_.skip(13);
      unsigned lead = static_cast<unsigned>((c >> 2) & 31);
      unsigned sig = static_cast<unsigned>((c >> 7) & 63);
      if (sig == 0) sig = 64;
      if (lead + sig > 64) return fail("XOR window wider than 64 bits");
      sig_ = sig;
      trail_ = 64 - lead - sig;
    }
    x = r_.read(sig_) << trail_;
  }
  if (!r_.ok()) return fail("truncated");
  delta_ += dod;
  t_ += delta_;
  v_ ^= x;
  return true;
}

size_t XorIterator::decode(int64_t* ts, double* vs, size_t max) {
  if (done_) return 0;
  if (read_ == count_) {
    finish();
    return 0;
  }
  max = std::min<size_t>(max, count_ - read_);
  size_t n = 0;
  if (max > 0 && read_ == 0) {
    v_ = r_.read(64);
    if (!r_.ok()) {
      fail("truncated");
      return 0;
    }
    ts[0] = static_cast<int64_t>(t_);
    vs[0] = model::bits_to_float(v_);
    n = 1;
  }
  if (n < max) {
    FastState st{r_.bit_pos(), t_, delta_, v_, sig_, trail_};
    const uint8_t* data = r_.data();
    const size_t size = r_.size();
    n += decode_fast(data, size, st, ts + n, vs + n, max - n);
    size_t base = static_cast<size_t>(st.pos >> 3);
    if (n < max && base + kFastTailBytes > size) {
      // The last bytes: the same loop over a zero-padded copy. A sample that
      // runs past the real end (a truncated or lying chunk) shows as a
      // position beyond it; then the samples before it are kept.
      uint8_t tail[2 * kFastTailBytes] = {};
      std::memcpy(tail, data + base, size - base);
      const uint64_t end_bits = (size - base) * 8;
      st.pos -= base * 8;
      FastState all = st;
      size_t k = decode_fast(tail, sizeof tail, all, ts + n, vs + n, max - n);
      if (all.pos <= end_bits) {
        st = all;
        n += k;
      } else {
        // Some sample ran past the end: keep those before it; the checked path
        // below reports it.
        for (; n < max; ++n) {
          FastState before = st;
          if (decode_fast(tail, sizeof tail, st, ts + n, vs + n, 1) == 0) break;
          if (st.pos > end_bits) {
            st = before;
            break;
          }
        }
      }
      st.pos += base * 8;
    }
    r_.set_bit_pos(st.pos);
    t_ = st.t;
    delta_ = st.d;
    v_ = st.v;
    sig_ = st.sig;
    trail_ = st.trail;
  }
  // Reached only on corruption: the checked decoder reports it.
  for (; n < max && decode_checked(); ++n) {
    ts[n] = static_cast<int64_t>(t_);
    vs[n] = model::bits_to_float(v_);
  }
  read_ += static_cast<uint32_t>(n);
  return n;
}

bool XorIterator::refill() {
  buf_pos_ = 0;
  buf_len_ = static_cast<uint32_t>(decode(buf_t_, buf_v_, kBufSamples));
  return buf_len_ > 0;
}

bool XorIterator::next() {
  if (buf_pos_ >= buf_len_ && !refill()) return has_cur_ = false;
  cur_ = {buf_t_[buf_pos_], buf_v_[buf_pos_]};
  ++buf_pos_;
  return has_cur_ = true;
}

bool XorIterator::seek(model::Timestamp t) {
  if (has_cur_ && cur_.t >= t) return true;  // already on a sample that satisfies t
  if (sealed_ && t > max_t_) {
    // Timestamps increase, so nothing at or after t: end without decoding.
    done_ = true;
    buf_pos_ = buf_len_ = 0;
    return has_cur_ = false;
  }
  for (;;) {
    if (buf_pos_ >= buf_len_ && !refill()) return has_cur_ = false;
    if (buf_t_[buf_len_ - 1] < t) {
      buf_pos_ = buf_len_;
      continue;
    }
    while (buf_t_[buf_pos_] < t) ++buf_pos_;
    cur_ = {buf_t_[buf_pos_], buf_v_[buf_pos_]};
    ++buf_pos_;
    return has_cur_ = true;
  }
}

size_t XorIterator::next_batch(model::Timestamp* ts, double* vs, size_t max) {
  size_t n = std::min<size_t>(max, buf_len_ - buf_pos_);
  std::memcpy(ts, buf_t_ + buf_pos_, n * sizeof(int64_t));
  std::memcpy(vs, buf_v_ + buf_pos_, n * sizeof(double));
  buf_pos_ += static_cast<uint32_t>(n);
  while (n < max) {
    size_t k = decode(ts + n, vs + n, max - n);
    if (k == 0) break;
    n += k;
  }
  if (n > 0) {
    has_cur_ = true;
    cur_ = {ts[n - 1], vs[n - 1]};
  } else if (max > 0) {
    has_cur_ = false;
  }
  return n;
}

}  // namespace promlite::tsdb::chunkenc
