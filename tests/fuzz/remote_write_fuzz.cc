// Fuzz target for the remote-write request decoder (after snappy).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/remote_write.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = promlite::api::decode_write_request(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (r.is_ok()) {
    for (const auto& s : r->series) (void)s.labels.hash();
  }
  return 0;
}
