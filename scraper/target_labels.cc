#include "scraper/target_labels.h"

#include <cstdio>

#include "model/utf8.h"
#include "scraper/relabel.h"

namespace promlite::scraper {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Length of the UTF-8 sequence at s[0], or 0 when it is not valid UTF-8.
size_t utf8_len(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// Close to Go's %q: a double-quoted string with escapes for quotes, backslashes,
// control characters and invalid UTF-8 bytes.
std::string quote(std::string_view s) {
  std::string out = "\"";
  char hex[8];
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = utf8_len(s.substr(i));
    if (n > 1) {
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out.append("\\\"");
        continue;
      case '\\':
        out.append("\\\\");
        continue;
      case '\n':
        out.append("\\n");
        continue;
      case '\t':
        out.append("\\t");
        continue;
      case '\r':
        out.append("\\r");
        continue;
      default:
        break;
    }
    if (n == 0 || c < 0x20 || c == 0x7f) {
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      out.append(hex);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
  return out;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

enum class Escape { kPath, kHost, kQueryComponent };

// Go's net/url shouldEscape for the three modes used by a scrape URL.
bool should_escape(unsigned char c, Escape mode) {
  if (is_unreserved(c)) return false;
  std::string_view reserved = "$&+,/:;=?@";
  if (mode == Escape::kHost) {
    return std::string_view("!$&'()*+,;=:[]<>\"").find(static_cast<char>(c)) ==
           std::string_view::npos;
  }
  if (reserved.find(static_cast<char>(c)) != std::string_view::npos) {
    return mode == Escape::kPath ? c == '?' : true;
  }
  return true;
}

void append_escaped(std::string& out, std::string_view s, Escape mode) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == ' ' && mode == Escape::kQueryComponent) {
      out.push_back('+');
    } else if (should_escape(c, mode)) {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
}

}  // namespace

model::Labels discovered_labels(const model::Labels& target, const model::Labels& group,
                                const ScrapeSettings& settings) {
  model::LabelsBuilder b(target);
  for (model::Label l : group) {
    if (!target.has(l.name)) b.set(l.name, l.value);
  }
  const std::string interval = model::format_duration(settings.scrape_interval);
  const std::string timeout = model::format_duration(settings.scrape_timeout);
  const std::pair<std::string_view, std::string_view> scrape_labels[] = {
      {kJobLabel, settings.job_name},  {kScrapeIntervalLabel, interval},
      {kScrapeTimeoutLabel, timeout},  {kMetricsPathLabel, settings.metrics_path},
      {kSchemeLabel, settings.scheme},
  };
  for (const auto& [name, value] : scrape_labels) {
    if (b.get(name).empty()) b.set(name, value);
  }
  std::string name;
  for (const auto& [key, values] : settings.params) {
    name.assign(kParamLabelPrefix).append(key);
    if (!values.empty() && b.get(name).empty()) b.set(name, values.front());
  }
  return b.build();
}

PopulatedTarget populate_target_labels(const model::Labels& target, const model::Labels& group,
                                       const ScrapeSettings& settings,
                                       const config::RelabelConfigs& relabel_configs) {
  PopulatedTarget res;
  res.discovered = discovered_labels(target, group, settings);
  auto fail = [&res](std::string msg) {
    res.outcome = PopulatedTarget::Outcome::kError;
    res.error = std::move(msg);
    return std::move(res);
  };

  RelabelBuilder b;
  b.reset(res.discovered);
  if (!relabel(relabel_configs, b)) {
    res.outcome = PopulatedTarget::Outcome::kDropped;
    return res;
  }
  const std::string addr(b.get(kAddressLabel));
  if (addr.empty()) return fail("no address");
  if (addr.find('/') != std::string::npos) return fail(quote(addr) + " is not a valid hostname");

  const std::string interval(b.get(kScrapeIntervalLabel));
  auto interval_ms = model::parse_duration(interval);
  if (!interval_ms) return fail("error parsing scrape interval: " + interval_ms.status().message());
  if (*interval_ms == 0) return fail("scrape interval cannot be 0");
  const std::string timeout(b.get(kScrapeTimeoutLabel));
  auto timeout_ms = model::parse_duration(timeout);
  if (!timeout_ms) return fail("error parsing scrape timeout: " + timeout_ms.status().message());
  if (*timeout_ms == 0) return fail("scrape timeout cannot be 0");
  if (*timeout_ms > *interval_ms) {
    return fail("scrape timeout cannot be greater than scrape interval (" + quote(timeout) + " > " +
                quote(interval) + ")");
  }

  // Meta labels go; the other internal labels stay for the scrape itself.
  b.range([&b](model::Label l) {
    if (starts_with(l.name, kMetaLabelPrefix)) b.del(l.name);
  });
  if (b.get(kInstanceLabel).empty()) b.set(kInstanceLabel, addr);

  model::Labels internal = b.labels();
  std::vector<std::pair<std::string, std::string>> public_pairs;
  for (model::Label l : internal) {
    if (!model::valid_utf8(l.value)) {
      return fail("invalid label value for " + quote(l.name) + ": " + quote(l.value));
    }
    if (!starts_with(l.name, kReservedLabelPrefix)) {
      public_pairs.emplace_back(std::string(l.name), std::string(l.value));
    }
  }
  res.internal = std::move(internal);
  res.labels = model::Labels::from_pairs(std::move(public_pairs));
  res.interval = *interval_ms;
  res.timeout = *timeout_ms;
  return res;
}

std::string scrape_url(const model::Labels& internal,
                       const std::map<std::string, std::vector<std::string>>& params) {
  std::map<std::string, std::vector<std::string>> query = params;
  for (model::Label l : internal) {
    if (!starts_with(l.name, kParamLabelPrefix)) continue;
    auto& values = query[std::string(l.name.substr(kParamLabelPrefix.size()))];
    if (values.empty()) {
      values.emplace_back(l.value);
    } else {
      values.front().assign(l.value);
    }
  }
  std::string url(internal.get(kSchemeLabel));
  url.append("://");
  std::string_view host = internal.get(kAddressLabel);
  append_escaped(url, host, Escape::kHost);
  std::string_view path = internal.get(kMetricsPathLabel);
  if (!path.empty() && path[0] != '/' && !host.empty()) url.push_back('/');
  append_escaped(url, path, Escape::kPath);
  bool first = true;
  for (const auto& [key, values] : query) {
    for (const auto& v : values) {
      url.push_back(first ? '?' : '&');
      first = false;
      append_escaped(url, key, Escape::kQueryComponent);
      url.push_back('=');
      append_escaped(url, v, Escape::kQueryComponent);
    }
  }
  return url;
}

}  // namespace promlite::scraper
