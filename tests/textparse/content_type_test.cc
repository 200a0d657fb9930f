#include "scraper/textparse/content_type.h"

#include <gtest/gtest.h>

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
  EXPECT_EQ(kScrapeAcceptHeader,
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
            "application/openmetrics-text;version=0.0.1;q=0.4,"
            "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,"
            "text/plain;version=0.0.4;q=0.2,*/*;q=0.1");
}

}  // namespace
}  // namespace promlite::textparse
