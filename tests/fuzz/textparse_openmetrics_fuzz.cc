// Fuzz target: the OpenMetrics parser must never crash, hang or read out of
// bounds, whatever the input; every accessor is exercised on every entry, with
// and without skipping _created series.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tests/textparse/fuzz_drain.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  for (bool skip : {false, true}) {
    promlite::textparse::OpenMetricsParser parser(body, {.skip_created_series = skip});
    promlite::textparse::fuzz::drain(parser, body);
    promlite::textparse::OpenMetricsParser eager(body, {.skip_created_series = skip});
    promlite::textparse::OpenMetricsParser lazy(body, {.skip_created_series = skip});
    lazy.set_lazy_labels(true);
    promlite::textparse::fuzz::check_lazy_matches(eager, lazy);
  }
  return 0;
}
