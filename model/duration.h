// Prometheus durations: "1h30m", "30d", "15s", "500ms", "0".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/status.h"

namespace promlite::model {

// Duration in milliseconds.
using Duration = int64_t;

inline constexpr Duration kSecond = 1000;
inline constexpr Duration kMinute = 60 * kSecond;
inline constexpr Duration kHour = 60 * kMinute;
inline constexpr Duration kDay = 24 * kHour;
inline constexpr Duration kWeek = 7 * kDay;
inline constexpr Duration kYear = 365 * kDay;

// Parses Prometheus's duration syntax: units y, w, d, h, m, s, ms, each at most
// once and in that order, or "0". Fails on anything else, including overflow.
Result<Duration> parse_duration(std::string_view s);

// Formats like Prometheus (model.Duration.String): "1h30m", "0s", "1d", "1y".
std::string format_duration(Duration d);

// Wall-clock now, in milliseconds since the epoch.
int64_t now_ms();

}  // namespace promlite::model
