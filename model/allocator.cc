#include "model/allocator.h"

#include <cstddef>  // defines __GLIBC__ on glibc (features.h)

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace promlite::model {

void tune_allocator() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

}  // namespace promlite::model
