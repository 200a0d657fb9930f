// Helpers shared by the head tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "model/labels.h"
#include "model/matcher.h"
#include "model/sample.h"
#include "tsdb/querier.h"

namespace promlite::tsdb::testing {

inline model::Matcher matcher(model::MatchType t, const std::string& n, const std::string& v) {
  auto m = model::Matcher::make(t, n, v);
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  return *m;
}

struct SeriesSamples {
  model::Labels labels;
  std::vector<model::Sample> samples;
  bool operator==(const SeriesSamples& o) const {
    if (!(labels == o.labels) || samples.size() != o.samples.size()) return false;
    for (size_t i = 0; i < samples.size(); ++i) {
      if (samples[i].t != o.samples[i].t ||
          model::float_bits(samples[i].v) != model::float_bits(o.samples[i].v)) {
        return false;
      }
    }
    return true;
  }
};

inline std::ostream& operator<<(std::ostream& os, const SeriesSamples& s) {
  os << s.labels.to_string() << " =>";
  for (const auto& smp : s.samples) os << ' ' << smp.t << ':' << smp.v;
  return os;
}

// Every series and sample a select returns, read with next().
inline std::vector<SeriesSamples> read_all(Queryable& db, model::Timestamp mint,
                                           model::Timestamp maxt, const model::Matchers& ms,
                                           bool sorted = true) {
  auto q = db.querier(mint, maxt);
  EXPECT_TRUE(q.is_ok());
  auto set = (*q)->select(sorted, nullptr, ms);
  std::vector<SeriesSamples> out;
  while (set->next()) {
    SeriesSamples s{set->at().labels(), {}};
    auto it = set->at().iterator(nullptr);
    while (it->next()) s.samples.push_back(it->at());
    EXPECT_TRUE(it->status().is_ok()) << it->status().to_string();
    out.push_back(std::move(s));
  }
  EXPECT_TRUE(set->status().is_ok());
  return out;
}

}  // namespace promlite::tsdb::testing
