#include "scraper/textparse/content_type.h"

#include <cctype>
#include <set>

#include "scraper/textparse/scan.h"

namespace promlite::textparse {
namespace {

struct Protocol {
  std::string_view name;
  std::string_view header;  // Accept header element, without escaping and q
  bool escaping;            // takes ";escaping=<scheme>"
};

// Every protocol Prometheus 3 knows; the count sets the first q-weight.
constexpr Protocol kProtocols[] = {
    {"PrometheusProto",
     "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
     false},
    {"PrometheusText0.0.4", "text/plain;version=0.0.4", false},
    {"PrometheusText1.0.0", "text/plain;version=1.0.0", true},
    {"OpenMetricsText0.0.1", "application/openmetrics-text;version=0.0.1", false},
    {"OpenMetricsText1.0.0", "application/openmetrics-text;version=1.0.0", true},
};

const Protocol* find_protocol(std::string_view name) {
  for (const auto& p : kProtocols) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool is_tspecial(char c) {
  switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':  // NOLINT
    case '\\':
    case '"':
    case '/':
    case '[':
    case ']':
    case '?':
    case '=':  // NOLINT
      return true;
    default:
      return false;
  }
}

bool is_token_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && !is_tspecial(c);
}

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  s = trim_left(s);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Splits the leading run of token characters off *s.
std::string_view consume_token(std::string_view* s) {
  size_t n = 0;
  while (n < s->size() && is_token_char((*s)[n])) ++n;
  std::string_view tok = s->substr(0, n);
  s->remove_prefix(n);
  return tok;
}

// A parameter value: a token or a quoted string. False if malformed.
bool consume_value(std::string_view* s) {
  if (s->empty()) return false;
  if ((*s)[0] != '"') return !consume_token(s).empty();
  for (size_t i = 1; i < s->size(); ++i) {
    char c = (*s)[i];
    if (c == '"') {
      s->remove_prefix(i + 1);
      return true;
    }
    if (c == '\\' && i + 1 < s->size() && is_tspecial((*s)[i + 1])) {
      ++i;
      continue;
    }
    if (c == '\r' || c == '\n') return false;
  }
  return false;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Go's %q, as Prometheus's messages quote.
std::string go_quote(std::string_view s) { return scan::quote_for_error(s, s.size()); }

}  // namespace

std::string accept_header(const std::vector<std::string>& protocols, std::string_view escaping) {
  std::string out;
  int weight = static_cast<int>(std::size(kProtocols)) + 1;
  for (const auto& name : protocols) {
    const Protocol* p = find_protocol(name);
    int w = weight--;
    if (!p || p->name == "PrometheusProto") continue;  // never requested: see header
    out.append(p->header);
    if (p->escaping) out.append(";escaping=").append(escaping);
    out.append(";q=0.").append(std::to_string(w)).push_back(',');
  }
  out.append("*/*;q=0.").append(std::to_string(weight));
  return out;
}

std::string_view protocol_media_type(std::string_view protocol) {
  const Protocol* p = find_protocol(protocol);
  if (!p) return {};
  return p->header.substr(0, p->header.find(';'));
}

Result<std::string> parse_media_type(std::string_view v) {
  std::string_view base = v.substr(0, v.find(';'));
  std::string media = lower(trim(base));
  {
    std::string_view rest = media;
    if (consume_token(&rest).empty()) return invalid_argument("mime: no media type");
    if (!rest.empty()) {
      if (rest[0] != '/') return invalid_argument("mime: expected slash after first token");
      rest.remove_prefix(1);
      if (consume_token(&rest).empty()) return invalid_argument("mime: expected token after slash");
      if (!rest.empty()) return invalid_argument("mime: unexpected content after media subtype");
    }
  }
  std::string_view params = v.substr(base.size());
  std::set<std::string> seen;
  for (;;) {
    params = trim_left(params);
    if (params.empty()) break;
    std::string_view rest = params;
    bool ok = false;
    std::string key;
    if (rest[0] == ';') {
      rest = trim_left(rest.substr(1));
      key = lower(consume_token(&rest));
      rest = trim_left(rest);
      if (!key.empty() && !rest.empty() && rest[0] == '=') {
        rest = trim_left(rest.substr(1));
        ok = consume_value(&rest);
      }
    }
    if (!ok) {
      if (trim(params) == ";") break;  // a trailing semicolon is fine
      return invalid_argument("mime: invalid media parameter");
    }
    if (!seen.insert(key).second) return invalid_argument("mime: duplicate parameter name");
    params = rest;
  }
  return media;
}

Result<Format> select_format(std::string_view content_type, std::string_view fallback_protocol,
                             std::string* note) {
  std::string fallback(protocol_media_type(fallback_protocol));
  std::string media;
  if (content_type.empty()) {
    if (fallback.empty()) {
      return invalid_argument(
          "non-compliant scrape target sending blank Content-Type and no "
          "fallback_scrape_protocol specified for target");
    }
    *note =
        "non-compliant scrape target sending blank Content-Type, using "
        "fallback_scrape_protocol " +
        go_quote(fallback);
    media = fallback;
  } else if (auto parsed = parse_media_type(content_type); !parsed) {
    // Prometheus joins the two errors with a line feed (errors.Join).
    if (fallback.empty()) {
      return invalid_argument("cannot parse Content-Type " + go_quote(content_type) +
                              " and no fallback_scrape_protocol for target\n" +
                              parsed.status().message());
    }
    *note = "could not parse received Content-Type " + go_quote(content_type) +
            ", using fallback_scrape_protocol " + go_quote(fallback) + "\n" +
            parsed.status().message();
    media = fallback;
  } else if (*parsed == "application/openmetrics-text" || *parsed == "text/plain" ||
             *parsed == "application/vnd.google.protobuf") {
    media = *parsed;
  } else {
    if (fallback.empty()) {
      return invalid_argument("received unsupported Content-Type " + go_quote(content_type) +
                              " and no fallback_scrape_protocol specified for target");
    }
    *note = "received unsupported Content-Type " + go_quote(content_type) +
            ", using fallback_scrape_protocol " + go_quote(fallback);
    media = fallback;
  }
  if (media == "application/openmetrics-text") return Format::kOpenMetrics;
  if (media == "text/plain") return Format::kPrometheusText;
  return invalid_argument("received protobuf Content-Type " + go_quote(content_type) +
                          ", which promlite does not parse (it never asks for it: list only text "
                          "formats in scrape_protocols)");
}

Format choose_parser(std::string_view content_type) {
  auto media = parse_media_type(content_type);
  if (media && *media == "application/openmetrics-text") return Format::kOpenMetrics;
  // Lenient: a malformed parameter list still names its media type.
  std::string base = lower(trim(content_type.substr(0, content_type.find(';'))));
  return base == "application/openmetrics-text" ? Format::kOpenMetrics : Format::kPrometheusText;
}

std::unique_ptr<Parser> new_parser(Format format, std::string_view body,
                                   OpenMetricsParser::Options om_options) {
  if (format == Format::kOpenMetrics) return std::make_unique<OpenMetricsParser>(body, om_options);
  return std::make_unique<PromParser>(body);
}

}  // namespace promlite::textparse
