// Test helper: writes scrape-like WAL records (a series record for each id on
// first use, then one sample per series) for the remote-write tests.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels.h"
#include "model/status.h"
#include "tsdb/wal/records.h"
#include "tsdb/wal/writer.h"

namespace promlite::remote {

class WalScrapeLog {
 public:
  // Logs series m{i="<id>"} for ids [first_id, first_id + n_series), each
  // with one sample at time t, value t.
  Status log(tsdb::wal::Writer& writer, uint64_t first_id, int n_series, int64_t t) {
    std::vector<tsdb::wal::SeriesRecord> series;
    std::vector<tsdb::wal::RefSample> samples;
    for (int i = 0; i < n_series; ++i) {
      uint64_t id = first_id + static_cast<uint64_t>(i);
      if (known_.insert(id).second) {
        series.push_back(
            {id, model::Labels::from_pairs({{"__name__", "m"}, {"i", std::to_string(id)}})});
      }
      samples.push_back({id, t, static_cast<double>(t)});
    }
    std::string a, b;
    if (!series.empty()) tsdb::wal::encode_series(series, a);
    tsdb::wal::encode_samples(samples, b);
    std::vector<std::string_view> views;
    if (!a.empty()) views.push_back(a);
    views.push_back(b);
    return writer.log(views);
  }

 private:
  std::set<uint64_t> known_;
};

}  // namespace promlite::remote
