#include "scraper/textparse/content_type.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace promlite::textparse {
namespace {

TEST(ChooseParser, ByContentType) {
  const std::pair<const char*, Format> cases[] = {
      {"application/openmetrics-text; version=1.0.0; charset=utf-8", Format::kOpenMetrics},
      {"application/openmetrics-text;version=0.0.1", Format::kOpenMetrics},
      {"Application/OpenMetrics-Text", Format::kOpenMetrics},
      {"  application/openmetrics-text ;version=1.0.0", Format::kOpenMetrics},
      {"text/plain; version=0.0.4; charset=utf-8", Format::kPrometheusText},
      {"text/plain;version=1.0.0;escaping=allow-utf-8", Format::kPrometheusText},
      {"", Format::kPrometheusText},
      {"application/json", Format::kPrometheusText},
      {"application/openmetrics-textual", Format::kPrometheusText},
  };
  for (const auto& [ct, want] : cases) EXPECT_EQ(choose_parser(ct), want) << ct;
}

TEST(ChooseParser, NewParserMatchesFormat) {
  auto om = new_parser("application/openmetrics-text; version=1.0.0", "foo 1\n# EOF\n");
  EXPECT_EQ(om->format(), Format::kOpenMetrics);
  EXPECT_EQ(om->next(), Entry::kSeries);
  EXPECT_EQ(om->next(), Entry::kEof);
  auto prom = new_parser("text/plain; version=0.0.4", "foo 1\n");
  EXPECT_EQ(prom->format(), Format::kPrometheusText);
  EXPECT_EQ(prom->next(), Entry::kSeries);
  EXPECT_EQ(prom->next(), Entry::kEof);
}

TEST(ScrapeAcceptHeader, IsPrometheus3Default) {
  // Prometheus 3.5 scrape_test.go expectations (weights start at 0.6).
  EXPECT_EQ(kScrapeAcceptHeader,
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
            "application/openmetrics-text;version=0.0.1;q=0.5,"
            "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
            "text/plain;version=0.0.4;q=0.3,*/*;q=0.2");
  EXPECT_EQ(accept_header({"OpenMetricsText1.0.0", "OpenMetricsText0.0.1", "PrometheusText1.0.0",
                           "PrometheusText0.0.4"},
                          "allow-utf-8"),
            kScrapeAcceptHeader);
}

TEST(ScrapeAcceptHeader, FollowsProtocolsAndEscaping) {
  const struct {
    std::vector<std::string> protocols;
    const char* escaping;
    const char* want;
  } cases[] = {
      {{"OpenMetricsText1.0.0", "OpenMetricsText0.0.1", "PrometheusText1.0.0",
        "PrometheusText0.0.4"},
       "underscores",
       "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,"
       "application/openmetrics-text;version=0.0.1;q=0.5,"
       "text/plain;version=1.0.0;escaping=underscores;q=0.4,text/plain;version=0.0.4;q=0.3,"
       "*/*;q=0.2"},
      // Prometheus would send the protobuf element with q=0.6; promlite leaves
      // it out and keeps every other element as Prometheus writes it.
      {{"PrometheusProto", "OpenMetricsText1.0.0", "OpenMetricsText0.0.1", "PrometheusText1.0.0",
        "PrometheusText0.0.4"},
       "dots",
       "application/openmetrics-text;version=1.0.0;escaping=dots;q=0.5,"
       "application/openmetrics-text;version=0.0.1;q=0.4,"
       "text/plain;version=1.0.0;escaping=dots;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1"},
      {{"PrometheusText0.0.4"}, "allow-utf-8", "text/plain;version=0.0.4;q=0.6,*/*;q=0.5"},
      {{"PrometheusText1.0.0", "OpenMetricsText1.0.0"},
       "values",
       "text/plain;version=1.0.0;escaping=values;q=0.6,"
       "application/openmetrics-text;version=1.0.0;escaping=values;q=0.5,*/*;q=0.4"},
  };
  for (const auto& c : cases) EXPECT_EQ(accept_header(c.protocols, c.escaping), c.want);
}

TEST(SelectFormat, AsPrometheus3) {
  struct Case {
    const char* content_type;
    const char* fallback;
    bool ok;
    Format format;
    const char* message;  // error, or the fallback note
  };
  const Case cases[] = {
      {"text/plain; version=0.0.4; charset=utf-8", "", true, Format::kPrometheusText, ""},
      {"TEXT/Plain", "", true, Format::kPrometheusText, ""},
      {"application/openmetrics-text; version=1.0.0; charset=utf-8", "", true, Format::kOpenMetrics,
       ""},
      {"text/plain;", "", true, Format::kPrometheusText, ""},
      {"text/plain; charset=\"utf-8\"", "", true, Format::kPrometheusText, ""},
      {"", "", false, Format::kPrometheusText,
       "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol "
       "specified for target"},
      {"", "OpenMetricsText1.0.0", true, Format::kOpenMetrics,
       "non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol "
       "\"application/openmetrics-text\""},
      {"application/json", "", false, Format::kPrometheusText,
       "received unsupported Content-Type \"application/json\" and no fallback_scrape_protocol "
       "specified for target"},
      {"application/json", "PrometheusText0.0.4", true, Format::kPrometheusText,
       "received unsupported Content-Type \"application/json\", using fallback_scrape_protocol "
       "\"text/plain\""},
      {"text", "", false, Format::kPrometheusText,
       "received unsupported Content-Type \"text\" and no fallback_scrape_protocol specified "
       "for target"},
      {"text/plain; version", "", false, Format::kPrometheusText,
       "cannot parse Content-Type \"text/plain; version\" and no fallback_scrape_protocol for "
       "target\nmime: invalid media parameter"},
      {"text /plain", "", false, Format::kPrometheusText,
       "cannot parse Content-Type \"text /plain\" and no fallback_scrape_protocol for "
       "target\nmime: expected slash after first token"},
      {";charset=utf-8", "PrometheusText0.0.4", true, Format::kPrometheusText,
       "could not parse received Content-Type \";charset=utf-8\", using "
       "fallback_scrape_protocol \"text/plain\"\nmime: no media type"},
      {"text/plain; a=1; A=2", "", false, Format::kPrometheusText,
       "mime: duplicate parameter name"},
      {"application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily", "", false,
       Format::kPrometheusText, "which promlite does not parse"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.content_type);
    std::string note;
    auto got = select_format(c.content_type, c.fallback, &note);
    ASSERT_EQ(got.is_ok(), c.ok) << (got ? std::string("ok") : got.status().message());
    if (c.ok) {
      EXPECT_EQ(*got, c.format);
      EXPECT_EQ(note, c.message);
    } else {
      EXPECT_NE(got.status().message().find(c.message), std::string::npos)
          << got.status().message();
    }
  }
}

}  // namespace
}  // namespace promlite::textparse
