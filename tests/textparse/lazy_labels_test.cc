// Lazy label parsing (Parser::set_lazy_labels): the scrape loop skips parsing
// the label blocks of series its cache knows. Whatever the input, a lazy parse
// must report the same series, labels and errors as an eager one.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "scraper/textparse/openmetrics_parser.h"
#include "scraper/textparse/prom_parser.h"

namespace promlite::textparse {
namespace {

struct Outcome {
  std::vector<std::string> series;  // raw bytes, then the built label set
  std::string error;
};

std::unique_ptr<Parser> make(Format f, std::string_view body) {
  if (f == Format::kOpenMetrics) return std::make_unique<OpenMetricsParser>(body);
  return std::make_unique<PromParser>(body);
}

// Drains a parser, parsing (in lazy mode) every series' labels.
Outcome drain(Format f, std::string_view body, bool lazy) {
  auto p = make(f, body);
  p->set_lazy_labels(lazy);
  model::LabelsBuilder b;
  Outcome out;
  for (Entry e = p->next(); e != Entry::kEof; e = p->next()) {
    if (e == Entry::kError) {
      out.error = p->error().message();
      break;
    }
    if (e != Entry::kSeries) continue;
    if (!p->parse_labels()) continue;  // next() returns the error
    out.series.emplace_back(p->series());
    out.series.push_back(p->build_labels(b).to_string());
  }
  return out;
}

struct Case {
  const char* name;
  Format format;
  std::string body;
  std::string error_part;  // empty: no error
};

class LazyLabels : public ::testing::TestWithParam<Case> {};

TEST_P(LazyLabels, SameAsEager) {
  const Case& c = GetParam();
  Outcome eager = drain(c.format, c.body, false);
  Outcome lazy = drain(c.format, c.body, true);
  EXPECT_EQ(lazy.series, eager.series);
  EXPECT_EQ(lazy.error, eager.error);
  if (c.error_part.empty()) {
    EXPECT_EQ(eager.error, "");
  } else {
    EXPECT_NE(eager.error.find(c.error_part), std::string::npos) << eager.error;
  }
}

const Case kCases[] = {
    {"plain", Format::kPrometheusText, "a{x=\"1\",y=\"2\"} 1\nb 2\n", ""},
    {"escapes_fall_back", Format::kPrometheusText, "a{x=\"q\\\"uote\",y=\"n\\\\l\"} 1\n", ""},
    {"newline_in_value", Format::kPrometheusText, "a{x=\"line\nfeed\"} 1\nb{ 2\n", "line 3"},
    {"bad_name_then_bad_value", Format::kPrometheusText, "a{1x=\"1\"} zz\n", "expected label name"},
    {"duplicate_then_bad_timestamp", Format::kPrometheusText, "a{x=\"1\",x=\"2\"} 1 zz\n",
     "duplicate label name"},
    {"bad_value_only", Format::kPrometheusText, "a{x=\"1\"} zz\n", "zz"},
    {"quoted_metric_name", Format::kPrometheusText, "{\"a.b\",x=\"1\"} 1\n", ""},
    {"name_set_twice", Format::kPrometheusText, "a{\"b\"} 1\n", "metric name already set"},
    {"om_missing_comma", Format::kOpenMetrics, "a{x=\"1\" y=\"2\"} 1\n# EOF\n",
     "expected comma or brace close"},
    {"om_no_eof_after_bad_block", Format::kOpenMetrics, "a{x=1} 1\n", "expected label value"},
    {"om_plain", Format::kOpenMetrics, "a_total{x=\"1\"} 1 # {t=\"a\"} 2\n# EOF\n", ""},
    {"invalid_utf8", Format::kPrometheusText, "a{x=\"\xff\"} 1\n", "invalid UTF-8"},
};

INSTANTIATE_TEST_SUITE_P(All, LazyLabels, ::testing::ValuesIn(kCases),
                         [](const auto& c) { return std::string(c.param.name); });

// The scrape loop's use: labels parsed only for bytes not met before.
TEST(LazyLabelsCache, RepeatedBytesNeedNoParse) {
  std::string body = "a{x=\"1\"} 1\na{x=\"1\"} 2\na{x=\"1\" 3\n";
  auto p = make(Format::kPrometheusText, body);
  p->set_lazy_labels(true);
  ASSERT_EQ(p->next(), Entry::kSeries);
  ASSERT_TRUE(p->parse_labels());
  ASSERT_EQ(p->labels().size(), 1u);
  ASSERT_EQ(p->next(), Entry::kSeries);  // same bytes: not parsed
  EXPECT_TRUE(p->labels().empty());
  EXPECT_EQ(p->value(), 2);
  // An unterminated block is never skipped.
  EXPECT_EQ(p->next(), Entry::kError);
  EXPECT_NE(p->error().message().find("line 3"), std::string::npos);
}

}  // namespace
}  // namespace promlite::textparse
