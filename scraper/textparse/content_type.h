// Picking a parser from a scrape response's Content-Type, and the Accept
// header promlite sends (the one Prometheus 3 sends with its default
// scrape_protocols).
#pragma once

#include <memory>
#include <string_view>

#include "scraper/textparse/openmetrics_parser.h"
#include "scraper/textparse/parser.h"
#include "scraper/textparse/prom_parser.h"

namespace promlite::textparse {

// Accept header of a Prometheus 3 scrape with the default scrape_protocols
// (OpenMetricsText1.0.0, OpenMetricsText0.0.1, PrometheusText1.0.0,
// PrometheusText0.0.4), in preference order with q-values.
inline constexpr std::string_view kScrapeAcceptHeader =
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
    "application/openmetrics-text;version=0.0.1;q=0.4,"
    "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,"
    "text/plain;version=0.0.4;q=0.2,"
    "*/*;q=0.1";

// Format of a response by its Content-Type: application/openmetrics-text (any
// version, parameters and case) is OpenMetrics; text/plain, a missing or an
// unknown type is the Prometheus text format.
Format choose_parser(std::string_view content_type);

// A parser over `body` (which must outlive it) for the given format.
std::unique_ptr<Parser> new_parser(Format format, std::string_view body,
                                   OpenMetricsParser::Options om_options = {});
inline std::unique_ptr<Parser> new_parser(std::string_view content_type, std::string_view body,
                                          OpenMetricsParser::Options om_options = {}) {
  return new_parser(choose_parser(content_type), body, om_options);
}

}  // namespace promlite::textparse
