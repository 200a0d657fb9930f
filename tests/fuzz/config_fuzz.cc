// Fuzz target for the prometheus.yml loader: any input gives a Config or a
// clear error, never a crash, a hang or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string yaml(reinterpret_cast<const char*>(data), size);
  auto c = promlite::config::load_config(yaml, "fuzz.yml");
  if (!c.is_ok() && c.status().message().empty()) __builtin_trap();  // errors must say why
  return 0;
}
