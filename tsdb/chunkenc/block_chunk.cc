// kConst and kIntPack codecs. Layout: tsdb/FORMAT.md, "Chunks / Block codecs".
#include "tsdb/chunkenc/block_chunk.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <vector>

#include "tsdb/chunkenc/bit_stream.h"
#include "tsdb/chunkenc/block_decode.h"
#include "tsdb/chunkenc/varint.h"

namespace promlite::tsdb::chunkenc {
namespace {

constexpr double kPow10[kMaxDecimalScale + 1] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
constexpr double kTwo53 = 9007199254740992.0;

// Block header byte: width in the low 7 bits, 0x80 when a base varint follows.
constexpr uint8_t kHasBase = 0x80;

// Room for the packed bytes of one block at the widest width, plus the
// kernels' read slack.
constexpr size_t kStageBytes = kBlockSamples * 8 + kBlockReadSlack + 1;

// Residual streams. Both use the same recurrence per sample, which decoding undoes
// with one add (order 1) or two adds (order 2) per sample:
//   order 2: d += r; x += d      order 1: x += r      order 0: x = r
// Order-2 state starts at (x0 - d1, d1) with d1 = x1 - x0, so r0 = r1 = 0 and no
// large first delta widens block 0.
void residuals(const uint64_t* x, size_t n, unsigned order, uint64_t* r) {
  if (order == 0) {
    std::copy(x, x + n, r);
    return;
  }
  if (order == 1) {
    uint64_t prev = x[0];
    for (size_t i = 0; i < n; ++i) {
      r[i] = x[i] - prev;
      prev = x[i];
    }
    return;
  }
  uint64_t d = n > 1 ? x[1] - x[0] : 0;
  uint64_t prev = x[0] - d;
  for (size_t i = 0; i < n; ++i) {
    uint64_t nd = x[i] - prev;
    r[i] = nd - d;
    d = nd;
    prev = x[i];
  }
}

struct BlockShape {
  int64_t base;
  unsigned width;
};

BlockShape block_shape(const uint64_t* r, size_t m) {
  int64_t lo = static_cast<int64_t>(r[0]), hi = lo;
  for (size_t j = 1; j < m; ++j) {
    int64_t v = static_cast<int64_t>(r[j]);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return {lo, bit_width(static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo))};
}

size_t block_size(const uint64_t* r, size_t m) {
  BlockShape s = block_shape(r, m);
  return 1 + (s.base != 0 ? uvarint_size(zigzag_encode(s.base)) : 0) + packed_bytes(m, s.width);
}

size_t stream_size(const uint64_t* r, size_t n) {
  size_t total = 0;
  for (size_t i = 0; i < n; i += kBlockSamples)
    total += block_size(r + i, std::min(kBlockSamples, n - i));
  return total;
}

void put_block(std::string& out, const uint64_t* r, size_t m) {
  BlockShape s = block_shape(r, m);
  out.push_back(static_cast<char>(s.width | (s.base != 0 ? kHasBase : 0)));
  if (s.base != 0) put_varint(out, s.base);
  uint64_t tmp[kBlockSamples];
  for (size_t j = 0; j < m; ++j) tmp[j] = r[j] - static_cast<uint64_t>(s.base);
  pack_bits(tmp, m, s.width, out);
}

// Timestamp residuals and the first delta.
std::vector<uint64_t> time_residuals(std::span<const model::Sample> samples, int64_t* d1) {
  size_t n = samples.size();
  std::vector<uint64_t> x(n), r(n);
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<uint64_t>(samples[i].t);
  residuals(x.data(), n, 2, r.data());
  *d1 = n > 1 ? static_cast<int64_t>(x[1] - x[0]) : 0;
  return r;
}

size_t header_size(std::span<const model::Sample> samples) {
  std::string h;
  put_chunk_header(h, Encoding::kConst, samples);
  return h.size();
}

// v == n / 10^k exactly (bitwise), with |n| <= 2^53.
bool to_int(double v, unsigned k, int64_t* n) {
  double x = k == 0 ? v : v * kPow10[k];
  if (!(x >= -kTwo53 && x <= kTwo53)) return false;  // also NaN
  int64_t i = static_cast<int64_t>(std::nearbyint(x));
  double back = k == 0 ? static_cast<double>(i) : static_cast<double>(i) / kPow10[k];
  if (model::float_bits(back) != model::float_bits(v)) return false;
  *n = i;
  return true;
}

// The smallest scale at which every value is an exact integer, filling `ints`.
std::optional<unsigned> int_scale(std::span<const model::Sample> samples, uint64_t* ints) {
  unsigned k = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    int64_t n;
    if (to_int(samples[i].v, k, &n)) {
      ints[i] = static_cast<uint64_t>(n);
      continue;
    }
    unsigned k2 = k + 1;
    while (k2 <= kMaxDecimalScale && !to_int(samples[i].v, k2, &n)) ++k2;
    if (k2 > kMaxDecimalScale) return std::nullopt;
    k = k2;
    i = static_cast<size_t>(-1);  // rescan at the larger scale
  }
  return k;
}

size_t int_preamble_size(const uint64_t* ints, size_t n, unsigned order) {
  size_t s = 1 + uvarint_size(zigzag_encode(static_cast<int64_t>(ints[0])));
  if (order == 2)
    s += uvarint_size(zigzag_encode(n > 1 ? static_cast<int64_t>(ints[1] - ints[0]) : 0));
  return s;
}

}  // namespace

// --- Encoders ---

std::optional<size_t> const_encoded_size(std::span<const model::Sample> samples) {
  uint64_t bits = model::float_bits(samples[0].v);
  for (const model::Sample& s : samples) {
    if (model::float_bits(s.v) != bits) return std::nullopt;
  }
  int64_t d1;
  std::vector<uint64_t> tr = time_residuals(samples, &d1);
  return header_size(samples) + uvarint_size(zigzag_encode(d1)) + 8 +
         stream_size(tr.data(), tr.size());
}

void encode_const(std::span<const model::Sample> samples, std::string& out) {
  put_chunk_header(out, Encoding::kConst, samples);
  int64_t d1;
  std::vector<uint64_t> tr = time_residuals(samples, &d1);
  put_varint(out, d1);
  uint64_t bits = model::float_bits(samples[0].v);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
  for (size_t i = 0; i < tr.size(); i += kBlockSamples) {
    put_block(out, tr.data() + i, std::min(kBlockSamples, tr.size() - i));
  }
}

std::optional<IntPlan> plan_int(std::span<const model::Sample> samples) {
  size_t n = samples.size();
  std::vector<uint64_t> ints(n), r(n);
  std::optional<unsigned> scale = int_scale(samples, ints.data());
  if (!scale) return std::nullopt;
  int64_t d1;
  std::vector<uint64_t> tr = time_residuals(samples, &d1);
  size_t fixed = header_size(samples) + uvarint_size(zigzag_encode(d1)) + stream_size(tr.data(), n);
  IntPlan best;
  best.scale = *scale;
  for (unsigned order = 0; order <= 2; ++order) {
    residuals(ints.data(), n, order, r.data());
    size_t size = fixed + int_preamble_size(ints.data(), n, order) + stream_size(r.data(), n);
    if (order == 0 || size < best.size) {
      best.order = order;
      best.size = size;
    }
  }
  return best;
}

void encode_int(std::span<const model::Sample> samples, const IntPlan& plan, std::string& out) {
  size_t n = samples.size();
  std::vector<uint64_t> ints(n), r(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t v = 0;
    bool ok = to_int(samples[i].v, plan.scale, &v);
    assert(ok);
    (void)ok;
    ints[i] = static_cast<uint64_t>(v);
  }
  residuals(ints.data(), n, plan.order, r.data());
  int64_t d1;
  std::vector<uint64_t> tr = time_residuals(samples, &d1);

  put_chunk_header(out, Encoding::kIntPack, samples);
  put_varint(out, d1);
  out.push_back(static_cast<char>(plan.scale | plan.order << 5));
  put_varint(out, static_cast<int64_t>(ints[0]));
  if (plan.order == 2) put_varint(out, n > 1 ? static_cast<int64_t>(ints[1] - ints[0]) : 0);
  for (size_t i = 0; i < n; i += kBlockSamples) {
    size_t m = std::min(kBlockSamples, n - i);
    put_block(out, tr.data() + i, m);
    put_block(out, r.data() + i, m);
  }
}

// --- BlockIterator ---

size_t BlockIterator::fail(const char* what) {
  status_ = corruption(std::string(is_const_ ? "const chunk: " : "int chunk: ") + what);
  done_ = true;
  remaining_ = 0;
  return 0;
}

void BlockIterator::reset(std::span<const uint8_t> chunk) {
  auto meta = read_chunk_meta(chunk);
  if (!meta.is_ok()) {
    has_cur_ = false;
    buf_len_ = buf_pos_ = 0;
    remaining_ = 0;
    done_ = true;
    status_ = meta.status();
    return;
  }
  reset(chunk, *meta);
}

void BlockIterator::reset(std::span<const uint8_t> chunk, const ChunkMeta& meta) {
  if (!status_.is_ok()) status_ = Status::ok();
  has_cur_ = false;
  buf_len_ = buf_pos_ = 0;
  remaining_ = 0;
  done_ = true;
  is_const_ = meta.encoding == Encoding::kConst;
  if (!is_const_ && meta.encoding != Encoding::kIntPack) {
    fail("not a block chunk");
    return;
  }
  p_ = chunk.data() + meta.header_size;
  end_ = chunk.data() + chunk.size();
  max_t_ = meta.max_t;
  int64_t d1 = 0;
  if (!get_varint(&p_, end_, &d1)) {
    fail("truncated preamble");
    return;
  }
  td_ = static_cast<uint64_t>(d1);
  t_ = static_cast<uint64_t>(meta.min_t) - td_;
  if (is_const_) {
    if (end_ - p_ < 8) {
      fail("truncated value");
      return;
    }
    v_ = load_le64(p_);
    p_ += 8;
  } else {
    if (p_ == end_) {
      fail("truncated preamble");
      return;
    }
    uint8_t params = *p_++;
    scale_ = params & 31;
    order_ = params >> 5;
    if (scale_ > kMaxDecimalScale || order_ > 2) {
      fail("bad value parameters");
      return;
    }
    int64_t v0 = 0, vd1 = 0;
    if (!get_varint(&p_, end_, &v0) || (order_ == 2 && !get_varint(&p_, end_, &vd1))) {
      fail("truncated preamble");
      return;
    }
    vd_ = static_cast<uint64_t>(vd1);
    v_ = static_cast<uint64_t>(v0) - (order_ == 2 ? vd_ : 0);
    value_kernels_ = value_kernels(order_);
  }
  remaining_ = meta.count;
  done_ = false;
}

namespace {

// One block's header, parsed: where its packed residuals are, their width and
// base.
struct PackedBlock {
  const uint8_t* data = nullptr;
  unsigned width = 0;
  uint64_t base = 0;
};

// Parses the block header at *p and moves *p past the block. When fewer than
// kBlockReadSlack bytes follow the packed bytes inside [*p, end) (the last
// block of a buffer), they are copied to `stage` (zero-padded) so that the
// kernels' 8-byte loads stay inside memory the iterator owns. False on
// corruption.
inline bool read_block(const uint8_t** p, const uint8_t* end, size_t m, uint8_t* stage,
                       PackedBlock* b) {
  if (*p == end) return false;
  uint8_t h = *(*p)++;
  b->width = h & 0x7f;
  if (b->width > 64) return false;
  int64_t base = 0;
  if ((h & kHasBase) && !get_varint(p, end, &base)) return false;  // inline 1-byte path
  b->base = static_cast<uint64_t>(base);
  size_t nbytes = packed_bytes(m, b->width);
  size_t avail = static_cast<size_t>(end - *p);
  if (avail < nbytes) return false;
  b->data = *p;
  if (avail < nbytes + kBlockReadSlack) {
    std::memcpy(stage, *p, nbytes);
    std::memset(stage + nbytes, 0, kBlockReadSlack);
    b->data = stage;
  }
  *p += nbytes;
  return true;
}

}  // namespace

size_t BlockIterator::decode_blocks(int64_t* ts, double* vs, size_t max) {
  if (done_) return 0;
  // The state lives in locals for the whole run; the members are written back
  // once (the stores to ts/vs could otherwise alias them).
  const uint8_t* p = p_;
  uint32_t remaining = remaining_;
  TimeState tst{t_, td_};
  ValueState vst{v_, vd_};
  uint8_t stage[kStageBytes];
  PackedBlock b;
  const TimeKernel* const time = time_kernels();
  const char* error = nullptr;
  size_t n = 0;
  while (remaining > 0) {
    const size_t m = std::min<size_t>(kBlockSamples, remaining);
    if (max - n < m) break;
    if (!read_block(&p, end_, m, stage, &b)) {
      error = "bad timestamp block";
      break;
    }
    int64_t* bt = ts + n;
    if (b.width == 0 && b.base == 0) {
      // The common case, a perfectly regular interval: an induction the
      // compiler can vectorise.
      const uint64_t t = tst.t, d = tst.d;
      for (size_t j = 0; j < m; ++j) bt[j] = static_cast<int64_t>(t + (j + 1) * d);
      tst.t = t + m * d;
    } else {
      time[b.width](b.data, m, b.base, tst, bt);
    }
    double* bv = vs + n;
    if (is_const_) {
      const double v = model::bits_to_float(vst.v);
      for (size_t j = 0; j < m; ++j) bv[j] = v;
    } else {
      if (!read_block(&p, end_, m, stage, &b)) {
        error = "bad value block";
        break;
      }
      value_kernels_[b.width](b.data, m, b.base, vst, bv);
      if (scale_ != 0) {
        const double div = kPow10[scale_];
        for (size_t j = 0; j < m; ++j) bv[j] /= div;
      }
    }
    n += m;
    remaining -= static_cast<uint32_t>(m);
  }
  p_ = p;
  remaining_ = remaining;
  t_ = tst.t;
  td_ = tst.d;
  v_ = vst.v;
  vd_ = vst.vd;
  if (error != nullptr) {
    fail(error);
    return n;  // the blocks before the bad one are good
  }
  if (remaining == 0) {
    done_ = true;
    if (p_ != end_)
      fail("trailing bytes after the last block");
    else if (static_cast<int64_t>(t_) != max_t_)
      fail("last timestamp differs from the header");
  }
  return n;
}

bool BlockIterator::refill() {
  buf_pos_ = 0;
  buf_len_ = static_cast<uint32_t>(decode_blocks(buf_t_, buf_v_, kBlockSamples));
  return buf_len_ > 0;
}

bool BlockIterator::next() {
  if (buf_pos_ >= buf_len_ && !refill()) return has_cur_ = false;
  has_cur_ = true;
  cur_ = {buf_t_[buf_pos_], buf_v_[buf_pos_]};
  ++buf_pos_;
  return true;
}

bool BlockIterator::seek(model::Timestamp t) {
  if (has_cur_ && cur_.t >= t) return true;  // already on a sample that satisfies t
  has_cur_ = false;
  if (t > max_t_) {
    // Timestamps increase, so nothing at or after t: end without decoding.
    buf_pos_ = buf_len_ = 0;
    remaining_ = 0;
    done_ = true;
    return false;
  }
  for (;;) {
    if (buf_pos_ >= buf_len_ && !refill()) return false;
    if (buf_t_[buf_len_ - 1] < t) {
      buf_pos_ = buf_len_;
      continue;
    }
    while (buf_t_[buf_pos_] < t) ++buf_pos_;
    has_cur_ = true;
    cur_ = {buf_t_[buf_pos_], buf_v_[buf_pos_]};
    ++buf_pos_;
    return true;
  }
}

size_t BlockIterator::next_batch(model::Timestamp* ts, double* vs, size_t max) {
  size_t n = std::min<size_t>(max, buf_len_ - buf_pos_);
  std::memcpy(ts, buf_t_ + buf_pos_, n * sizeof(int64_t));
  std::memcpy(vs, buf_v_ + buf_pos_, n * sizeof(double));
  buf_pos_ += static_cast<uint32_t>(n);
  // Whole blocks straight into the caller's arrays.
  n += decode_blocks(ts + n, vs + n, max - n);
  if (n < max && refill()) {
    size_t k = std::min<size_t>(max - n, buf_len_);
    std::memcpy(ts + n, buf_t_, k * sizeof(int64_t));
    std::memcpy(vs + n, buf_v_, k * sizeof(double));
    buf_pos_ = static_cast<uint32_t>(k);
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
