// Structured logging in Prometheus's style:
//   logfmt: ts=2026-11-23T22:08:38.123Z level=info caller=main.cc:42 msg="Server is ready"
//   addr=:9090 json:
//   {"ts":"2026-11-23T22:08:38.123Z","level":"info","caller":"main.cc:42","msg":"Server is
//   ready","addr":":9090"}
//
// Thread-safe: each line is written with one call under a lock.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>

#include "model/status.h"

namespace promlite::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kLogfmt, kJson };

Result<Level> parse_level(std::string_view s);    // debug, info, warn, error
Result<Format> parse_format(std::string_view s);  // logfmt, json

// Sets the threshold, format and destination (default: info, logfmt, stderr).
void configure(Level level, Format format, std::ostream* out = nullptr);
bool enabled(Level level);

// One key=value field of a log line.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, int64_t v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, uint64_t v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, double v);
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  Field(std::string_view k, const Status& s) : key(k), value(s.to_string()) {}

  std::string_view key;
  std::string value;
};

void write(Level level, const char* file, int line, std::string_view msg,
           std::initializer_list<Field> fields);

// Formats one line without writing it (used by write() and by tests).
std::string format_line(Format format, int64_t now_ms, Level level, std::string_view caller,
                        std::string_view msg, std::initializer_list<Field> fields);

}  // namespace promlite::log

#define PL_LOG(level, msg, ...)                                              \
  do {                                                                       \
    if (::promlite::log::enabled(level))                                     \
      ::promlite::log::write(level, __FILE__, __LINE__, msg, {__VA_ARGS__}); \
  } while (0)
#define LOG_DEBUG(msg, ...) PL_LOG(::promlite::log::Level::kDebug, msg __VA_OPT__(, ) __VA_ARGS__)
#define LOG_INFO(msg, ...) PL_LOG(::promlite::log::Level::kInfo, msg __VA_OPT__(, ) __VA_ARGS__)
#define LOG_WARN(msg, ...) PL_LOG(::promlite::log::Level::kWarn, msg __VA_OPT__(, ) __VA_ARGS__)
#define LOG_ERROR(msg, ...) PL_LOG(::promlite::log::Level::kError, msg __VA_OPT__(, ) __VA_ARGS__)
