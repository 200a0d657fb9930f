#include "model/duration.h"

#include <chrono>
#include <limits>

namespace promlite::model {
namespace {

struct Unit {
  std::string_view suffix;
  Duration ms;
};
// Order matters: "ms" before "m" is handled by trying the longest suffix first
// at each position, and the index enforces the y > w > ... > ms order.
constexpr Unit kUnits[] = {{"y", kYear},   {"w", kWeek},   {"d", kDay}, {"h", kHour},
                           {"m", kMinute}, {"s", kSecond}, {"ms", 1}};

}  // namespace

Result<Duration> parse_duration(std::string_view s) {
  auto bad = [&] {
    return invalid_argument("not a valid duration string: \"" + std::string(s) + "\"");
  };
  if (s.empty()) return bad();
  if (s == "0") return Duration{0};
  Duration total = 0;
  size_t i = 0;
  int last_unit = -1;
  while (i < s.size()) {
    if (s[i] < '0' || s[i] > '9') return bad();
    unsigned __int128 n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + static_cast<unsigned>(s[i] - '0');
      if (n > static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max())) return bad();
      ++i;
    }
    int unit = -1;
    if (s.substr(i, 2) == "ms") {
      unit = 6;
    } else if (i < s.size()) {
      for (int u = 0; u < 6; ++u) {
        if (s[i] == kUnits[u].suffix[0]) unit = u;
      }
    }
    if (unit < 0 || unit <= last_unit) return bad();
    i += kUnits[unit].suffix.size();
    last_unit = unit;
    unsigned __int128 add = n * static_cast<unsigned __int128>(kUnits[unit].ms);
    unsigned __int128 sum = add + static_cast<unsigned __int128>(total);
    if (sum > static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max())) return bad();
    total = static_cast<Duration>(sum);
  }
  return total;
}

std::string format_duration(Duration d) {
  if (d == 0) return "0s";
  std::string out;
  if (d < 0) {
    out.push_back('-');
    d = -d;
  }
  // Years and weeks only when they divide evenly, as Prometheus prints them.
  auto emit = [&](Duration unit, std::string_view suffix) {
    if (d >= unit) {
      out += std::to_string(d / unit);
      out.append(suffix);
      d %= unit;
    }
  };
  if (d % kYear == 0) {
    emit(kYear, "y");
  } else if (d % kWeek == 0 && d >= kWeek) {
    emit(kWeek, "w");
  }
  emit(kDay, "d");
  emit(kHour, "h");
  emit(kMinute, "m");
  emit(kSecond, "s");
  emit(1, "ms");
  return out;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace promlite::model
