// The scrape cache: lookups by raw series bytes (with the same-order hint),
// staleness bookkeeping and forgetting of old entries.
#include "scraper/scrape_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace promlite::scraper {
namespace {

// Runs one scrape over `lines`, adding unknown ones; returns the entries found.
std::vector<ScrapeCache::Entry*> scrape(ScrapeCache& c, const std::vector<std::string>& lines,
                                        bool success = true) {
  std::vector<ScrapeCache::Entry*> out;
  c.begin_scrape();
  for (const std::string& l : lines) {
    ScrapeCache::Entry* e = c.find(l);
    if (!e) {
      ScrapeCache::Entry fresh;
      fresh.labels = model::Labels{{"__name__", l}};
      e = c.add(l, std::move(fresh));
    }
    EXPECT_EQ(e->labels.metric_name(), l);
    c.mark_seen(e);
    out.push_back(e);
  }
  c.end_scrape(success);
  return out;
}

std::vector<std::string> names(int from, int to) {
  std::vector<std::string> v;
  for (int i = from; i < to; ++i) v.push_back("s" + std::to_string(i));
  return v;
}

TEST(ScrapeCache, FindsEntriesWhateverTheOrder) {
  ScrapeCache c;
  auto first = scrape(c, names(0, 100));
  // Same order, shifted by an insertion, a removal, reversed, shuffled.
  std::vector<std::vector<std::string>> orders;
  orders.push_back(names(0, 100));
  auto inserted = names(0, 100);
  inserted.insert(inserted.begin() + 10, "new");
  orders.push_back(inserted);
  auto removed = names(0, 100);
  removed.erase(removed.begin() + 50);
  orders.push_back(removed);
  auto reversed = names(0, 100);
  std::reverse(reversed.begin(), reversed.end());
  orders.push_back(reversed);
  for (const auto& order : orders) {
    auto got = scrape(c, order);
    for (size_t i = 0; i < order.size(); ++i) {
      if (order[i] == "new") continue;
      int idx = std::stoi(order[i].substr(1));
      EXPECT_EQ(got[i], first[static_cast<size_t>(idx)]) << order[i];
    }
  }
}

TEST(ScrapeCache, VanishedAndForgottenEntries) {
  ScrapeCache c;
  scrape(c, names(0, 100));
  c.begin_scrape();
  for (const std::string& l : names(0, 90)) c.mark_seen(c.find(l));
  auto gone = c.vanished();
  EXPECT_EQ(gone.size(), 10u);
  c.end_scrape(true);
  // Entries unseen for several scrapes are forgotten; the hint never points
  // at a forgotten entry (ASan would catch it).
  for (int i = 0; i < 40; ++i) scrape(c, names(0, 90));
  EXPECT_EQ(c.size(), 90u);
  // Failing scrapes of ever-new series flush the cache down to the last good one.
  for (int i = 0; i < 3; ++i) {
    scrape(c, names(1000 + i * 200, 1200 + i * 200), false);
    EXPECT_EQ(c.size(), 90u) << i;
  }
  auto again = scrape(c, names(0, 90));
  EXPECT_EQ(again.size(), 90u);
  EXPECT_EQ(c.size(), 90u);
}

}  // namespace
}  // namespace promlite::scraper
