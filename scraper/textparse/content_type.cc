#include "scraper/textparse/content_type.h"

#include <cctype>

namespace promlite::textparse {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Format choose_parser(std::string_view content_type) {
  // Media type is everything before the first ';' (RFC 9110), case-insensitive.
  std::string_view media = trim(content_type.substr(0, content_type.find(';')));
  if (iequals(media, "application/openmetrics-text")) return Format::kOpenMetrics;
  return Format::kPrometheusText;
}

std::unique_ptr<Parser> new_parser(Format format, std::string_view body,
                                   OpenMetricsParser::Options om_options) {
  if (format == Format::kOpenMetrics) return std::make_unique<OpenMetricsParser>(body, om_options);
  return std::make_unique<PromParser>(body);
}

}  // namespace promlite::textparse
