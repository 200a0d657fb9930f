#include "model/log.h"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>

#include "model/duration.h"

namespace promlite::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<int> g_format{static_cast<int>(Format::kLogfmt)};
std::mutex g_mu;
std::ostream* g_out = nullptr;

const char* level_name(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

std::string rfc3339_ms(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

void logfmt_value(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v) {
    if (c <= ' ' || c == '=' || c == '"' || c == '\\' || c == 0x7f) quote = true;
  }
  if (!quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        out.push_back(c);
    }
  }
  out.push_back('"');
}

void json_string(std::string& out, std::string_view v) {
  out.push_back('"');
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (u < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", u);
          out.append(buf);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace

Field::Field(std::string_view k, double v) : key(k) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  value = buf;
}

Result<Level> parse_level(std::string_view s) {
  if (s == "debug") return Level::kDebug;
  if (s == "info") return Level::kInfo;
  if (s == "warn") return Level::kWarn;
  if (s == "error") return Level::kError;
  return invalid_argument("unrecognized log level \"" + std::string(s) +
                          "\" (one of debug, info, warn, error)");
}

Result<Format> parse_format(std::string_view s) {
  if (s == "logfmt") return Format::kLogfmt;
  if (s == "json") return Format::kJson;
  return invalid_argument("unrecognized log format \"" + std::string(s) +
                          "\" (one of logfmt, json)");
}

void configure(Level level, Format format, std::ostream* out) {
  g_level = static_cast<int>(level);
  g_format = static_cast<int>(format);
  std::lock_guard<std::mutex> lock(g_mu);
  g_out = out;
}

bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }

std::string format_line(Format format, int64_t now_ms, Level level, std::string_view caller,
                        std::string_view msg, std::initializer_list<Field> fields) {
  std::string out;
  out.reserve(128);
  if (format == Format::kJson) {
    out.append("{\"ts\":");
    json_string(out, rfc3339_ms(now_ms));
    out.append(",\"level\":");
    json_string(out, level_name(level));
    out.append(",\"caller\":");
    json_string(out, caller);
    out.append(",\"msg\":");
    json_string(out, msg);
    for (const Field& f : fields) {
      out.push_back(',');
      json_string(out, f.key);
      out.push_back(':');
      json_string(out, f.value);
    }
    out.append("}\n");
    return out;
  }
  out.append("ts=");
  out.append(rfc3339_ms(now_ms));
  out.append(" level=");
  out.append(level_name(level));
  out.append(" caller=");
  logfmt_value(out, caller);
  out.append(" msg=");
  logfmt_value(out, msg);
  for (const Field& f : fields) {
    out.push_back(' ');
    out.append(f.key);
    out.push_back('=');
    logfmt_value(out, f.value);
  }
  out.push_back('\n');
  return out;
}

void write(Level level, const char* file, int line, std::string_view msg,
           std::initializer_list<Field> fields) {
  std::string_view path(file);
  size_t slash = path.rfind('/');
  std::string caller(slash == std::string_view::npos ? path : path.substr(slash + 1));
  caller += ":" + std::to_string(line);
  std::string text = format_line(static_cast<Format>(g_format.load()), model::now_ms(), level,
                                 caller, msg, fields);
  std::lock_guard<std::mutex> lock(g_mu);
  std::ostream& out = g_out ? *g_out : std::cerr;
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.flush();
}

}  // namespace promlite::log
