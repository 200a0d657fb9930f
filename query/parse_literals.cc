// Number and duration literals as Prometheus's parser reads them.
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "query/lexer.h"
#include "query/parse_internal.h"

namespace promlite::query::parse_internal {
namespace {

// Go's underscoreOK: underscores only between digits (or after a base prefix).
bool underscores_ok(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' &&
      (s[1] == 'b' || s[1] == 'B' || s[1] == 'o' || s[1] == 'O' || s[1] == 'x' || s[1] == 'X')) {
    i = 2;
    saw = '0';
    hex = s[1] == 'x' || s[1] == 'X';
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    char lc = static_cast<char>(c | 0x20);
    if ((c >= '0' && c <= '9') || (hex && lc >= 'a' && lc <= 'f')) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

}  // namespace

// strconv.ParseInt(s, 0, 64) for the digits the lexer accepts. Returns false
// when it does not parse as an int64 (syntax or range).
bool parse_go_int(std::string_view s, double* out) {
  if (s.empty()) return false;
  if (s.find('_') != std::string_view::npos && !underscores_ok(s)) return false;
  unsigned base = 10;
  size_t i = 0;
  if (s.size() >= 2 && s[0] == '0') {
    char p = static_cast<char>(s[1] | 0x20);
    if (p == 'x') {
      base = 16, i = 2;
    } else if (p == 'o') {
      base = 8, i = 2;
    } else if (p == 'b') {
      base = 2, i = 2;
    } else {
      base = 8, i = 1;
    }
  }
  unsigned __int128 v = 0;
  bool any = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_') continue;
    unsigned d;
    char lc = static_cast<char>(c | 0x20);
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (lc >= 'a' && lc <= 'f') {
      d = static_cast<unsigned>(lc - 'a' + 10);
    } else {
      return false;
    }
    if (d >= base) return false;
    v = v * base + d;
    if (v > static_cast<unsigned __int128>(INT64_MAX)) return false;
    any = true;
  }
  if (!any && !(base == 8 && s == "0")) return false;
  *out = static_cast<double>(static_cast<int64_t>(v));
  return true;
}

// strconv.ParseFloat for the lexer's number tokens; `err` gets Go's text.
bool parse_go_float(std::string_view s, double* out, std::string* err) {
  std::string text(s);
  std::string lower;
  for (char c : text)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower == "inf" || lower == "+inf" || lower == "infinity") {
    *out = INFINITY;
    return true;
  }
  if (lower == "nan") {
    *out = NAN;
    return true;
  }
  bool hex = lower.size() > 1 && lower[0] == '0' && lower[1] == 'x';
  bool bad = hex && lower.find('p') == std::string::npos;  // Go needs a 'p' exponent
  if (text.find('_') != std::string::npos) {
    if (!underscores_ok(text)) bad = true;
    std::string stripped;
    for (char c : text) {
      if (c != '_') stripped.push_back(c);
    }
    text = stripped;
  }
  char* end = nullptr;
  errno = 0;
  double v = bad ? 0 : std::strtod(text.c_str(), &end);
  if (bad || end != text.c_str() + text.size() || text.empty()) {
    *err = "strconv.ParseFloat: parsing " + go_quote(s) + ": invalid syntax";
    return false;
  }
  if (errno == ERANGE && std::isinf(v)) {
    *err = "strconv.ParseFloat: parsing " + go_quote(s) + ": value out of range";
    return false;
  }
  *out = v;
  return true;
}

// Prometheus's model.ParseDuration, in nanoseconds.
bool parse_prom_duration(std::string_view s, int64_t* ns, std::string* err) {
  const std::string orig(s);
  if (s == "0") {
    *ns = 0;
    return true;
  }
  if (s.empty()) {
    *err = "empty duration string";
    return false;
  }
  auto invalid = [&] {
    *err = "not a valid duration string: " + go_quote(orig);
    return false;
  };
  struct Unit {
    std::string_view name;
    int64_t ms;
    int order;
  };
  static constexpr Unit kUnits[] = {
      {"y", 365LL * 24 * 3600 * 1000, 1},
      {"w", 7LL * 24 * 3600 * 1000, 2},
      {"d", 24LL * 3600 * 1000, 3},
      {"h", 3600LL * 1000, 4},
      {"m", 60LL * 1000, 5},
      {"s", 1000, 6},
      {"ms", 1, 7},
  };
  unsigned __int128 total_ms = 0;
  int last = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) return invalid();
    size_t i = 0;
    unsigned __int128 v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
      if (v > static_cast<unsigned __int128>(UINT64_MAX)) return invalid();
      ++i;
    }
    if (i == 0) return invalid();
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !(s[j] >= '0' && s[j] <= '9')) ++j;
    if (j == 0) return invalid();
    std::string_view u = s.substr(0, j);
    s.remove_prefix(j);
    const Unit* unit = nullptr;
    for (const auto& cand : kUnits) {
      if (cand.name == u) unit = &cand;
    }
    if (!unit) {
      *err = "unknown unit " + go_quote(u) + " in duration " + go_quote(orig);
      return false;
    }
    if (unit->order <= last) return invalid();
    last = unit->order;
    total_ms += v * static_cast<unsigned __int128>(unit->ms);
    // time.Duration holds at most 2^63-1 ns.
    if (total_ms * 1000000 > static_cast<unsigned __int128>(INT64_MAX)) {
      *err = "duration out of range";
      return false;
    }
  }
  *ns = static_cast<int64_t>(total_ms * 1000000);
  return true;
}

// Seconds (as a literal holds them) to milliseconds, as Prometheus does:
// round to nanoseconds, then truncate to milliseconds.
model::Duration seconds_to_ms(double secs) {
  double ns = std::round(secs * 1e9);
  if (ns >= 9.2e18) return INT64_MAX / 1000000;
  if (ns <= -9.2e18) return INT64_MIN / 1000000;
  return static_cast<int64_t>(ns) / 1000000;
}

std::string format_go_f(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[512];
  std::snprintf(buf, sizeof buf, "%f", v);
  return buf;
}

std::string format_position(std::string_view query, int pos) {
  if (query.empty()) return "unknown position";
  if (pos < 0 || static_cast<size_t>(pos) > query.size()) return "invalid position";
  int line = 1;
  int last_break = -1;
  for (int i = 0; i < pos; ++i) {
    if (query[static_cast<size_t>(i)] == '\n') {
      last_break = i;
      ++line;
    }
  }
  return std::to_string(line) + ":" + std::to_string(pos - last_break);
}

}  // namespace promlite::query::parse_internal
