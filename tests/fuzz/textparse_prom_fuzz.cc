// Fuzz target: the Prometheus text parser must never crash, hang or read out
// of bounds, whatever the input; every accessor is exercised on every entry.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tests/textparse/fuzz_drain.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  promlite::textparse::PromParser parser(body);
  promlite::textparse::fuzz::drain(parser, body);
  return 0;
}
