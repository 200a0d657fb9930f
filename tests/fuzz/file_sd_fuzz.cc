// Fuzzes the file_sd parser (JSON and YAML). The first byte picks the format;
// the rest is the file content. Also checks an invariant of every accepted
// file: each group carries its source and __meta_filepath.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scraper/discovery/file_sd_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using promlite::scraper::discovery::FileSdFormat;
  const bool json = (data[0] & 1) == 0;
  const std::string_view path = json ? "/sd/fuzz.json" : "/sd/fuzz.yml";
  std::string_view content(reinterpret_cast<const char*>(data + 1), size - 1);
  auto groups = promlite::scraper::discovery::parse_file_sd(
      path, content, json ? FileSdFormat::kJson : FileSdFormat::kYaml);
  if (groups.is_ok()) {
    for (const auto& g : *groups) {
      if (g.labels.get("__meta_filepath") != path) std::abort();
      if (g.source.rfind(path, 0) != 0) std::abort();
    }
  }
  return 0;
}
