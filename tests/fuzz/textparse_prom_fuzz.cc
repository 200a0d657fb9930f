// Fuzz target: the Prometheus text parser must never crash, hang or read out
// of bounds, whatever the input; every accessor is exercised on every entry,
// and lazy label parsing must give what an eager parse gives.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tests/textparse/fuzz_drain.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  promlite::textparse::PromParser parser(body);
  promlite::textparse::fuzz::drain(parser, body);
  promlite::textparse::PromParser eager(body);
  promlite::textparse::PromParser lazy(body);
  lazy.set_lazy_labels(true);
  promlite::textparse::fuzz::check_lazy_matches(eager, lazy);
  return 0;
}
