// The chunk formats' varints and zigzag (tsdb/FORMAT.md, "Chunks"): the shared
// encoders of model/varint.h, named here for the chunk codecs.
#pragma once

#include "model/varint.h"

namespace promlite::tsdb::chunkenc {

using model::get_uvarint;
using model::get_varint;
using model::kMaxVarintBytes;
using model::put_uvarint;
using model::put_varint;
using model::uvarint_size;
using model::zigzag_decode;
using model::zigzag_encode;

}  // namespace promlite::tsdb::chunkenc
