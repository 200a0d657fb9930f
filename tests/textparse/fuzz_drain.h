// Shared body of the textparse fuzz targets (tests/fuzz/textparse_*_fuzz.cc):
// drains a parser, touching every accessor, and checks the invariants that hold
// for any input.
#pragma once

#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "model/labels.h"
#include "scraper/textparse/content_type.h"

namespace promlite::textparse::fuzz {

inline void check(bool ok) {
  if (!ok) std::abort();
}

inline bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

inline void drain(Parser& parser, std::string_view body) {
  model::LabelsBuilder builder;
  std::string scratch;
  size_t entries = 0;
  for (;;) {
    Entry e = parser.next();
    check(++entries <= body.size() + 1);  // every entry consumes input
    switch (e) {
      case Entry::kEof:
        check(parser.error().is_ok());
        check(parser.next() == Entry::kEof);
        return;
      case Entry::kError:
        check(!parser.error().is_ok());
        check(parser.error().message().rfind("line ", 0) == 0);
        check(parser.next() == Entry::kError);
        return;
      case Entry::kSeries: {
        check(inside(parser.series(), body));
        check(inside(parser.metric_name(), body));
        check(!parser.metric_name().empty());
        for (const LabelRef& l : parser.labels()) {
          check(inside(l.name, body) && inside(l.value, body));
        }
        model::Labels labels = parser.build_labels(builder);
        check(!labels.metric_name().empty());
        (void)parser.value();
        (void)parser.timestamp();
        (void)parser.series_type();
        check(parser.skipped_exemplars() == 0 || !parser.last_exemplar_error().empty());
        if (const Exemplar* ex = parser.exemplar()) {
          for (const LabelRef& l : ex->labels) check(inside(l.name, body) && inside(l.value, body));
          (void)parser.build_exemplar_labels(builder);
        }
        break;
      }
      case Entry::kHelp:
        (void)parser.help(&scratch);
        check(inside(parser.meta_name(), body));
        break;
      case Entry::kType:
        (void)metric_type_name(parser.type());
        break;
      case Entry::kUnit:
        check(inside(parser.unit(), body));
        break;
      case Entry::kComment:
        check(inside(parser.comment(), body));
        break;
    }
  }
}

// Lazy label parsing must not change what a caller sees: `lazy` (with
// set_lazy_labels on) parses labels only for raw series bytes it has not met
// before, as the scrape loop's cache does, and must give the entries, labels
// and error of `eager` over the same body.
inline void check_lazy_matches(Parser& eager, Parser& lazy) {
  model::LabelsBuilder b1, b2;
  std::set<std::string, std::less<>> seen;
  for (;;) {
    Entry e1 = eager.next();
    Entry e2 = lazy.next();
    if (e2 == Entry::kSeries && !seen.count(lazy.series())) {
      if (!lazy.parse_labels()) e2 = lazy.next();  // the error, as the loop reports it
    }
    check(e1 == e2);
    if (e1 == Entry::kError) {
      check(eager.error().message() == lazy.error().message());
      return;
    }
    if (e1 == Entry::kEof) return;
    check(eager.line() == lazy.line());
    if (e1 != Entry::kSeries) continue;
    check(eager.series() == lazy.series());
    check(eager.value() == lazy.value() || (eager.value() != eager.value()));
    check(eager.timestamp() == lazy.timestamp());
    if (!seen.count(lazy.series())) {
      check(eager.build_labels(b1) == lazy.build_labels(b2));
      seen.emplace(lazy.series());
    }
  }
}

}  // namespace promlite::textparse::fuzz
