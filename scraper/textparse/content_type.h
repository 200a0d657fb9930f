// Content negotiation of a scrape, as Prometheus 3 does it: the Accept header
// built from a job's scrape_protocols, and the parser picked from the
// response's Content-Type (or from fallback_scrape_protocol when the target
// sends none, an unparsable one or an unknown one).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/status.h"
#include "scraper/textparse/openmetrics_parser.h"
#include "scraper/textparse/parser.h"
#include "scraper/textparse/prom_parser.h"

namespace promlite::textparse {

// Accept header of a Prometheus 3 scrape with the default scrape_protocols
// (OpenMetricsText1.0.0, OpenMetricsText0.0.1, PrometheusText1.0.0,
// PrometheusText0.0.4) and the default escaping scheme (allow-utf-8).
inline constexpr std::string_view kScrapeAcceptHeader =
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
    "application/openmetrics-text;version=0.0.1;q=0.5,"
    "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
    "text/plain;version=0.0.4;q=0.3,"
    "*/*;q=0.2";

// The Accept header for `protocols` (scrape_protocols names, validated by the
// config loader) in preference order: q-weights from 0.6 down, one step per
// listed protocol, then "*/*". The 1.0.0 text formats carry
// ";escaping=<escaping>". As Prometheus computes it, except that
// "PrometheusProto" is left out (promlite parses only text) while still taking
// its weight step, so the rest of the header is byte-identical to Prometheus's.
std::string accept_header(const std::vector<std::string>& protocols, std::string_view escaping);

// The media type of a scrape_protocols name ("PrometheusText0.0.4" ->
// "text/plain"); empty for an unknown name.
std::string_view protocol_media_type(std::string_view protocol);

// Go's mime.ParseMediaType, reduced to what a scrape needs: the lower-cased
// media type, or Go's error text ("mime: no media type", "mime: expected slash
// after first token", "mime: invalid media parameter", ...).
Result<std::string> parse_media_type(std::string_view content_type);

// Picks the format of a response as Prometheus 3's textparse.New does:
// application/openmetrics-text and text/plain by media type; a blank,
// unparsable or unknown Content-Type uses `fallback_protocol` (a
// scrape_protocols name; empty for none) or fails the scrape with Prometheus's
// message, e.g. "non-compliant scrape target sending blank Content-Type and no
// fallback_scrape_protocol specified for target". When the fallback was used,
// *note gets Prometheus's explanation (worth a debug log) and the result is ok.
// The protobuf media type fails: promlite never asks for it.
Result<Format> select_format(std::string_view content_type, std::string_view fallback_protocol,
                             std::string* note);

// Format of a response by its Content-Type, leniently: application/openmetrics-text
// (any version, parameters and case) is OpenMetrics; anything else is the
// Prometheus text format. For tools and tests; scrapes use select_format().
Format choose_parser(std::string_view content_type);

// A parser over `body` (which must outlive it) for the given format.
std::unique_ptr<Parser> new_parser(Format format, std::string_view body,
                                   OpenMetricsParser::Options om_options = {});
inline std::unique_ptr<Parser> new_parser(std::string_view content_type, std::string_view body,
                                          OpenMetricsParser::Options om_options = {}) {
  return new_parser(choose_parser(content_type), body, om_options);
}

}  // namespace promlite::textparse
