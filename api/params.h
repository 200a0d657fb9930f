// Request parameters of the Prometheus HTTP API: URL query and form body merged
// (as Go's Request.Form: body values first), and the parsers for times,
// durations and escaped label names, with Prometheus's error texts.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http_server.h"
#include "model/duration.h"
#include "model/sample.h"
#include "model/status.h"

namespace promlite::api {

class Params {
 public:
  // Merges the URL query and, for POST/PUT/PATCH with an
  // application/x-www-form-urlencoded body, the body (whose values come first).
  static Params from_request(const HttpRequest& req);
  // Parses one "a=1&b=2" string (used by from_request and tests).
  void add_encoded(std::string_view encoded);

  // First value of `name`, if present.
  std::optional<std::string> get(std::string_view name) const;
  std::vector<std::string> get_all(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

// Prometheus's earliest and latest representable times (its MinTime/MaxTime),
// the defaults of missing start/end parameters.
inline constexpr model::Timestamp kApiMinTime = -9223309901257974000LL;
inline constexpr model::Timestamp kApiMaxTime = 9223309901257974999LL;

// A float of Unix seconds (fractions rounded to ms) or an RFC 3339 time, as
// Prometheus's parseTime. Error: cannot parse "x" to a valid timestamp.
Result<model::Timestamp> parse_time(std::string_view s);

// Float seconds or a Prometheus duration ("1m", "1m30s"), as Prometheus's
// parseDuration; truncated to ms.
Result<model::Duration> parse_duration_param(std::string_view s);

// Prometheus's parseLimitParam: "" is 0 (no limit); otherwise Go's
// strconv.Atoi with its errors (strconv.Atoi: parsing "x": invalid syntax),
// and "limit must be non-negative" below zero. Callers prefix the message with
// invalid parameter "limit": as Prometheus does.
Result<size_t> parse_limit_param(std::string_view s);

// Go's strconv.Quote, for error messages that quote user input with %q.
std::string go_quote(std::string_view s);

// Undoes Grafana's / Prometheus's "U__" label name escaping ("U__a_2e_b" ->
// "a.b", "__" -> "_"); returns the input unchanged when it is not a valid
// escaped name.
std::string unescape_label_name(std::string_view s);

}  // namespace promlite::api
