// Fuzz target for the PromQL parser: any input must parse or fail cleanly,
// without crashing, hanging or overflowing the stack; whatever parses must
// print to a form that parses back to the same printed form.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "query/parser.h"
#include "query/printer.h"

namespace {

void check_round_trip(std::string_view input, const promlite::query::ParseOptions& opts) {
  auto r = promlite::query::parse_expr(input, opts);
  if (!r) return;
  std::string printed = promlite::query::to_string(**r);
  auto again = promlite::query::parse_expr(printed, opts);
  if (!again || promlite::query::to_string(**again) != printed) {
    std::fprintf(
        stderr, "round trip failed\ninput:   %.*s\nprinted: %s\nerror:   %s\n",
        static_cast<int>(input.size()), input.data(), printed.c_str(),
        again ? promlite::query::to_string(**again).c_str() : again.status().message().c_str());
    std::abort();
  }
  (void)promlite::query::prettify(**r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;  // keeps prettify's per-level re-printing cheap
  std::string_view input(reinterpret_cast<const char*>(data), size);
  check_round_trip(input, {});
  promlite::query::ParseOptions all;
  all.experimental_functions = true;
  all.duration_expressions = true;
  check_round_trip(input, all);
  (void)promlite::query::parse_metric_selector(input);
  (void)promlite::query::parse_duration_literal(input);
  return 0;
}
