#include "tsdb/store/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "model/matcher.h"
#include "tests/testutil/process.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/store/store_querier.h"

namespace promlite::tsdb::store {
namespace {

using model::Labels;
using model::Matcher;
using model::Matchers;
using model::MatchType;
using model::Sample;
using namespace std::string_literals;

constexpr int64_t kPart = 6 * 3600 * 1000;  // 6 h partitions keep the data small
constexpr int64_t kBase = 1'700'000'000'000 / kPart * kPart;
constexpr int64_t kStep = 60'000;
constexpr int64_t kChunkSpan = 30 * kStep;  // 30 samples per chunk

std::string encode(const std::vector<Sample>& samples) {
  std::string out;
  EXPECT_TRUE(chunkenc::encode_best(samples, out).is_ok());
  return out;
}

Matcher m(MatchType t, const std::string& n, const std::string& v) {
  auto r = Matcher::make(t, n, v);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return *r;
}

// The data written, kept for brute-force answers.
struct Dataset {
  std::map<Labels, std::map<int64_t, double>> samples;  // first write of a timestamp wins
  std::vector<std::pair<Labels, uint64_t>> series;      // label set, id
};

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testutil::make_temp_dir("store_test"); }

  // The store's table files and their sizes.
  std::map<std::string, uint64_t> sst_files() const {
    std::map<std::string, uint64_t> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_)) {
      if (e.is_regular_file() && e.path().extension() == ".sst") {
        out[e.path().string()] = e.file_size();
      }
    }
    return out;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void open() {
    store_.reset();
    StoreOptions opts;
    opts.partition_ms = kPart;
    opts.block_cache_bytes = 1 << 20;
    opts.write_buffer_bytes = 1 << 20;
    auto s = Store::open(dir_, opts);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    store_ = std::move(*s);
  }

  // Writes one chunk of `n` samples for series `id` starting at `t0`.
  Status write_chunk(uint64_t id, const Labels& labels, int64_t t0, int n, int64_t step = kStep,
                     double v0 = 0) {
    std::vector<Sample> s;
    for (int i = 0; i < n; ++i) {
      s.push_back({t0 + i * step, v0 + static_cast<double>(id) * 1000 + i});
    }
    std::string chunk = encode(s);
    ChunkRecord rec{id, &labels, chunk};
    Status st = store_->write({&rec, 1}, false);
    if (st.is_ok()) {
      for (const Sample& x : s) data_.samples[labels].emplace(x.t, x.v);
    }
    return st;
  }

  // 48 series over 3 partitions (18 h). Series 0-5 live in partition 0 only,
  // 6-11 in partition 2 only; the rest everywhere. One label value holds a
  // NUL byte; `opt` is set on some series only.
  void write_dataset() {
    std::vector<ChunkRecord> recs;
    std::vector<std::string> bufs;
    std::vector<Labels> labels;
    for (uint64_t i = 0; i < 48; ++i) {
      std::vector<std::pair<std::string, std::string>> pairs = {
          {"__name__", i % 2 ? "a_total" : "b_gauge"},
          {"job", "j" + std::to_string(i % 3)},
          {"inst", "i" + std::to_string(i)},
      };
      if (i % 4 == 0) pairs.emplace_back("opt", "o" + std::to_string(i % 8));
      if (i == 13) pairs.emplace_back("env", "p\0q"s);
      if (i == 14) pairs.emplace_back("env", "p");
      labels.push_back(Labels::from_pairs(pairs));
      data_.series.emplace_back(labels.back(), i + 100);
    }
    // One write batch per 30-minute slot, all series.
    for (int64_t t0 = kBase; t0 < kBase + 3 * kPart; t0 += kChunkSpan) {
      recs.clear();
      bufs.clear();
      for (uint64_t i = 0; i < 48; ++i) {
        int part = static_cast<int>((t0 - kBase) / kPart);
        if (i < 6 && part != 0) continue;
        if (i >= 6 && i < 12 && part != 2) continue;
        std::vector<Sample> s;
        for (int k = 0; k < 30; ++k) {
          // Counters, a constant and a float gauge: every codec shows up.
          double v = i % 2   ? static_cast<double>((t0 - kBase) / kStep + k) * (i + 1)
                     : i % 3 ? 42.0
                             : 0.1 * static_cast<double>(k) + static_cast<double>(i);
          s.push_back({t0 + k * kStep + static_cast<int64_t>(i), v});
        }
        for (const Sample& x : s) data_.samples[labels[i]].emplace(x.t, x.v);
        bufs.push_back(encode(s));
      }
      size_t b = 0;
      for (uint64_t i = 0; i < 48; ++i) {
        int part = static_cast<int>((t0 - kBase) / kPart);
        if (i < 6 && part != 0) continue;
        if (i >= 6 && i < 12 && part != 2) continue;
        recs.push_back({i + 100, &labels[i], bufs[b++]});
      }
      ASSERT_TRUE(store_->write(recs, false).is_ok());
    }
    ASSERT_TRUE(store_->sync_wal().is_ok());
  }

  struct Got {
    Labels labels;
    std::vector<Sample> samples;
  };

  std::vector<Got> select(int64_t mint, int64_t maxt, const Matchers& ms, bool batch = false) {
    auto q = store_->querier(mint, maxt);
    EXPECT_TRUE(q.is_ok());
    auto set = (*q)->select(true, nullptr, ms);
    std::vector<Got> out;
    std::unique_ptr<SampleIterator> it;
    while (set->next()) {
      Got g{set->at().labels(), {}};
      it = set->at().iterator(std::move(it));
      if (batch) {
        int64_t ts[50];
        double vs[50];
        while (size_t n = it->next_batch(ts, vs, 50)) {
          for (size_t i = 0; i < n; ++i) g.samples.push_back({ts[i], vs[i]});
        }
      } else {
        while (it->next()) g.samples.push_back(it->at());
      }
      EXPECT_TRUE(it->status().is_ok()) << it->status().to_string();
      out.push_back(std::move(g));
    }
    EXPECT_TRUE(set->status().is_ok()) << set->status().to_string();
    return out;
  }

  // Brute force over the written data.
  std::vector<Got> expected(int64_t mint, int64_t maxt, const Matchers& ms) {
    std::vector<Got> out;
    for (const auto& [labels, samples] : data_.samples) {
      bool ok = std::all_of(ms.begin(), ms.end(),
                            [&](const Matcher& x) { return x.matches(labels.get(x.name())); });
      if (!ok) continue;
      Got g{labels, {}};
      for (auto [t, v] : samples) {
        if (t >= mint && t <= maxt) g.samples.push_back({t, v});
      }
      if (!g.samples.empty()) out.push_back(std::move(g));
    }
    return out;  // std::map order is Labels::compare order
  }

  void expect_same(const std::vector<Got>& got, const std::vector<Got>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].labels.to_string(), want[i].labels.to_string()) << i;
      ASSERT_EQ(got[i].samples.size(), want[i].samples.size()) << got[i].labels.to_string();
      for (size_t k = 0; k < got[i].samples.size(); ++k) {
        ASSERT_EQ(got[i].samples[k].t, want[i].samples[k].t);
        ASSERT_EQ(model::float_bits(got[i].samples[k].v), model::float_bits(want[i].samples[k].v));
      }
    }
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  Dataset data_;
};

TEST_F(StoreTest, MatchersAndTimeBoundsAgainstBruteForce) {
  open();
  write_dataset();
  open();  // reopen: everything comes back from disk (WAL replay)
  ASSERT_EQ(store_->partitions().size(), 3u);

  std::vector<std::pair<const char*, Matchers>> table = {
      {"name", {m(MatchType::kEqual, "__name__", "a_total")}},
      {"name and job",
       {m(MatchType::kEqual, "__name__", "a_total"), m(MatchType::kEqual, "job", "j1")}},
      {"not equal", {m(MatchType::kRegex, "__name__", ".+"), m(MatchType::kNotEqual, "job", "j0")}},
      {"alternation", {m(MatchType::kRegex, "job", "j1|j2")}},
      {"prefix", {m(MatchType::kRegex, "inst", "i1.*")}},
      {"regex", {m(MatchType::kRegex, "inst", "i(1|2)[0-9]?")}},
      {"not regex set",
       {m(MatchType::kEqual, "__name__", "b_gauge"), m(MatchType::kNotRegex, "job", "j1|j2")}},
      {"not regex prefix",
       {m(MatchType::kEqual, "__name__", "b_gauge"), m(MatchType::kNotRegex, "inst", "i1.*")}},
      {"absent via =\"\"",
       {m(MatchType::kEqual, "__name__", "b_gauge"), m(MatchType::kEqual, "opt", "")}},
      {"absent via !~.+",
       {m(MatchType::kEqual, "job", "j1"), m(MatchType::kNotRegex, "opt", ".+")}},
      {"present via !=\"\"", {m(MatchType::kNotEqual, "opt", "")}},
      {"present via =~.+", {m(MatchType::kRegex, "opt", ".+")}},
      {"value or absent", {m(MatchType::kEqual, "job", "j0"), m(MatchType::kRegex, "opt", "o0|")}},
      {"nul byte", {m(MatchType::kEqual, "env", "p\0q"s)}},
      {"no nul prefix confusion", {m(MatchType::kEqual, "env", "p")}},
      {"no match", {m(MatchType::kRegex, "job", "nomatch|nothing")}},
      {"unknown label", {m(MatchType::kEqual, "nolabel", "x")}},
      {"name regex", {m(MatchType::kRegex, "__name__", "a_.*|b_gauge")}},
      {"not equal missing value",
       {m(MatchType::kEqual, "job", "j2"), m(MatchType::kNotEqual, "inst", "zzz")}},
  };
  std::vector<std::pair<int64_t, int64_t>> ranges = {
      {model::kMinTime, model::kMaxTime},
      {kBase + kPart - 3 * kStep + 5, kBase + kPart + 7 * kStep},  // across a boundary, mid-chunk
      {kBase + kPart + kChunkSpan, kBase + 2 * kPart - 1},         // partition 1 only
      {kBase + 2 * kPart + 17, kBase + 2 * kPart + 17},            // one instant
      {kBase - 1000, kBase + 40},                                  // partition 0 start
      {kBase + 3 * kPart, kBase + 4 * kPart},                      // after the data
  };
  for (auto& [name, ms] : table) {
    for (auto [mint, maxt] : ranges) {
      SCOPED_TRACE(std::string(name) + " [" + std::to_string(mint) + "," + std::to_string(maxt) +
                   "]");
      auto want = expected(mint, maxt, ms);
      expect_same(select(mint, maxt, ms), want);
      expect_same(select(mint, maxt, ms, /*batch=*/true), want);
    }
  }
  // Sanity of the brute force itself: the cases are not all empty.
  EXPECT_EQ(expected(model::kMinTime, model::kMaxTime, table[0].second).size(), 24u);
  EXPECT_EQ(expected(model::kMinTime, model::kMaxTime, table[13].second).size(), 1u);
}

TEST_F(StoreTest, LabelNamesAndValues) {
  open();
  write_dataset();
  auto q = store_->querier(model::kMinTime, model::kMaxTime).value();
  auto names = q->label_names({});
  ASSERT_TRUE(names.is_ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"__name__", "env", "inst", "job", "opt"}));
  names = q->label_names({m(MatchType::kEqual, "opt", "o4")});
  EXPECT_EQ(*names, (std::vector<std::string>{"__name__", "inst", "job", "opt"}));
  names = q->label_names({}, LabelHints{2});
  EXPECT_EQ(*names, (std::vector<std::string>{"__name__", "env"}));

  auto values = q->label_values("job", {});
  EXPECT_EQ(*values, (std::vector<std::string>{"j0", "j1", "j2"}));
  values = q->label_values("env", {});
  EXPECT_EQ(*values, (std::vector<std::string>{"p", "p\0q"s}));
  values = q->label_values("job", {m(MatchType::kRegex, "inst", "i1|i2|i4")});
  EXPECT_EQ(*values, (std::vector<std::string>{"j1", "j2"}));
  values = q->label_values("opt", {m(MatchType::kEqual, "job", "j0")}, LabelHints{1});
  EXPECT_EQ(*values, (std::vector<std::string>{"o0"}));
  values = q->label_values("nolabel", {});
  EXPECT_TRUE(values->empty());

  // Restricted to the partitions in range: series 6-11 live in partition 2 only.
  auto q0 = store_->querier(kBase, kBase + kPart - 1).value();
  values = q0->label_values("inst", {m(MatchType::kRegex, "inst", "i[6-9]|i1[01]")});
  EXPECT_TRUE(values->empty());
  auto q2 = store_->querier(kBase + 2 * kPart, kBase + 3 * kPart - 1).value();
  values = q2->label_values("inst", {m(MatchType::kRegex, "inst", "i[0-9]")});
  EXPECT_EQ(*values, (std::vector<std::string>{"i6", "i7", "i8", "i9"}));
  values = q2->label_values("inst", {});
  EXPECT_EQ(values->size(), 42u);  // 48 minus the 6 of partition 0 only
}

TEST_F(StoreTest, SameLabelsUnderTwoIdsAndPartitionsMerge) {
  open();
  Labels l{{"__name__", "dup"}, {"k", "v"}};
  // id 1: partition 0, samples every minute; id 2: overlapping chunk with the
  // same timestamps shifted by 30 s plus duplicates of id 1; id 1 again in
  // partition 1.
  ASSERT_TRUE(write_chunk(1, l, kBase, 30).is_ok());
  ASSERT_TRUE(write_chunk(2, l, kBase + 10 * kStep, 20, kStep / 2).is_ok());
  ASSERT_TRUE(write_chunk(2, l, kBase + 5 * kStep, 3).is_ok());  // exact duplicates of id 1's times
  ASSERT_TRUE(write_chunk(1, l, kBase + kPart, 30).is_ok());
  ASSERT_TRUE(store_->flush().is_ok());
  open();
  Matchers ms{m(MatchType::kEqual, "__name__", "dup")};
  auto got = select(model::kMinTime, model::kMaxTime, ms);
  ASSERT_EQ(got.size(), 1u);
  for (size_t i = 1; i < got[0].samples.size(); ++i) {
    ASSERT_LT(got[0].samples[i - 1].t, got[0].samples[i].t);
  }
  expect_same(got, expected(model::kMinTime, model::kMaxTime, ms));
  EXPECT_EQ(got[0].samples.size(), 30u + 10u + 30u);
}

// A HeadView that holds the listed ids from `from` on, and counts its calls.
class FakeHead final : public HeadView {
 public:
  FakeHead(std::set<uint64_t> ids, int64_t from) : ids_(std::move(ids)), from_(from) {}
  bool holds_from(uint64_t id, model::Timestamp mint) const override {
    ++calls;
    return ids_.count(id) > 0 && from_ <= mint;
  }
  mutable std::atomic<int> calls{0};

 private:
  std::set<uint64_t> ids_;
  int64_t from_;
};

TEST_F(StoreTest, SelectLeavesOutTheSeriesTheHeadHoldsFromMint) {
  open();
  Labels a{{"__name__", "m"}, {"k", "a"}}, b{{"__name__", "m"}, {"k", "b"}};
  ASSERT_TRUE(write_chunk(1, a, kBase, 30).is_ok());
  ASSERT_TRUE(write_chunk(2, b, kBase, 30).is_ok());
  Matchers ms{m(MatchType::kEqual, "__name__", "m")};
  auto names = [&](int64_t mint, const HeadView* head) {
    auto q = store_->querier(mint, model::kMaxTime, head);
    EXPECT_TRUE(q.is_ok());
    auto set = (*q)->select(true, nullptr, ms);
    std::vector<std::string> out;
    while (set->next()) out.push_back(std::string(set->at().labels().get("k")));
    return out;
  };
  FakeHead head({2}, kBase + 10 * kStep);
  // Id 2 is held from minute 10 on: left out of a select from then on only.
  EXPECT_EQ(names(kBase + 10 * kStep, &head), (std::vector<std::string>{"a"}));
  EXPECT_EQ(names(kBase + 9 * kStep, &head), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(names(kBase + 10 * kStep, nullptr), (std::vector<std::string>{"a", "b"}));
  EXPECT_GT(head.calls.load(), 0);
}

TEST_F(StoreTest, ChunkCrossingPartitionBoundaryIsRejected) {
  open();
  Labels l{{"__name__", "x"}};
  Labels l2{{"__name__", "y"}};
  std::string good = encode({{kBase, 1}, {kBase + 1000, 2}});
  std::string bad = encode({{kBase + kPart - 1000, 1}, {kBase + kPart, 2}});
  std::vector<ChunkRecord> recs = {{1, &l2, good}, {2, &l, bad}};
  Status s = store_->write(recs, true);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  // Nothing of the batch was written.
  EXPECT_TRUE(
      select(model::kMinTime, model::kMaxTime, {m(MatchType::kRegex, "__name__", ".+")}).empty());
  // A chunk ending on the last millisecond of its partition is fine.
  std::string edge = encode({{kBase + kPart - 1000, 1}, {kBase + kPart - 1, 2}});
  ChunkRecord ok{2, &l, edge};
  EXPECT_TRUE(store_->write({&ok, 1}, true).is_ok());
  // Labels are required the first time a series enters a partition.
  ChunkRecord nolabels{3, nullptr, good};
  EXPECT_EQ(store_->write({&nolabels, 1}, false).code(), StatusCode::kInvalidArgument);
  // Times whose partition cannot be represented.
  std::string extreme = encode({{model::kMinTime + 5, 1}, {-5, 2}});
  ChunkRecord far{2, &l, extreme};
  EXPECT_EQ(store_->write({&far, 1}, false).code(), StatusCode::kInvalidArgument);
  ChunkRecord garbage{2, &l, "\x07zz"};
  EXPECT_EQ(store_->write({&garbage, 1}, false).code(), StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, WrittenSetsSurviveReopen) {
  open();
  Labels l{{"__name__", "x"}, {"a", "1"}};
  ASSERT_TRUE(write_chunk(7, l, kBase, 10).is_ok());
  open();
  // Series 7 is known to partition 0 after reopening: no labels needed.
  std::string c = encode({{kBase + 20 * kStep, 5}});
  ChunkRecord rec{7, nullptr, c};
  ASSERT_TRUE(store_->write({&rec, 1}, false).is_ok());
  data_.samples[l].emplace(kBase + 20 * kStep, 5);
  Matchers ms{m(MatchType::kEqual, "a", "1")};
  expect_same(select(model::kMinTime, model::kMaxTime, ms),
              expected(model::kMinTime, model::kMaxTime, ms));
  EXPECT_GT(store_->written_sets_bytes(), 0u);

  // Sets of partitions no longer written are freed and reloaded on demand.
  for (int p = 1; p <= 4; ++p) ASSERT_TRUE(write_chunk(7, l, kBase + p * kPart, 2).is_ok());
  std::string c2 = encode({{kBase + 21 * kStep, 6}});
  ChunkRecord rec2{7, nullptr, c2};
  ASSERT_TRUE(store_->write({&rec2, 1}, false).is_ok());
  data_.samples[l].emplace(kBase + 21 * kStep, 6);
  ChunkRecord unknown{8, nullptr, c2};
  EXPECT_EQ(store_->write({&unknown, 1}, false).code(), StatusCode::kInvalidArgument);
  expect_same(select(model::kMinTime, model::kMaxTime, ms),
              expected(model::kMinTime, model::kMaxTime, ms));
}

TEST_F(StoreTest, DropBeforeAndDropOldest) {
  open();
  write_dataset();
  // Full compaction: no background job may change the files while measuring.
  ASSERT_TRUE(store_->compact().is_ok());
  auto files_before = sst_files();
  auto parts = store_->partitions();
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].start, kBase);
  EXPECT_EQ(parts[0].end, kBase + kPart);
  EXPECT_GT(parts[0].disk_bytes, 0u);

  // A querier opened before the drop keeps reading its snapshot.
  auto old_q = store_->querier(model::kMinTime, model::kMaxTime).value();

  auto dropped = store_->drop_before(kBase + kPart - 1);  // end > t: nothing
  ASSERT_TRUE(dropped.is_ok());
  EXPECT_EQ(*dropped, 0u);
  dropped = store_->drop_before(kBase + kPart);
  EXPECT_EQ(*dropped, 1u);
  ASSERT_EQ(store_->partitions().size(), 2u);

  Matchers all{m(MatchType::kRegex, "__name__", ".+")};
  {
    auto set = old_q->select(true, nullptr, all);
    size_t n = 0;
    while (set->next()) {
      auto it = set->at().iterator(nullptr);
      while (it->next()) ++n;
      EXPECT_TRUE(it->status().is_ok());
    }
    EXPECT_EQ(n, 36u * 3 * 12 * 30 + 12u * 12 * 30);  // everything, partition 0 included
  }
  old_q.reset();

  auto got = select(model::kMinTime, model::kMaxTime, all);
  EXPECT_EQ(got.size(), 42u);  // series 0-5 lived in partition 0 only
  for (const Got& g : got) EXPECT_GE(g.samples.front().t, kBase + kPart);
  auto q = store_->querier(kBase, kBase + kPart - 1).value();
  EXPECT_TRUE(q->label_names({})->empty());
  q.reset();

  ASSERT_TRUE(store_->flush().is_ok());
  // The partition's files are gone. Only table files that vanished are counted:
  // the flush may write a small new table (the drop's bookkeeping), and the
  // RocksDB log, manifest and WAL grow by amounts that depend on timing.
  // RocksDB deletes obsolete files from its background threads, which run at
  // low CPU priority: on a busy machine that can trail the flush a little.
  uint64_t vanished = 0;
  for (int attempt = 0; attempt < 250 && vanished < parts[0].disk_bytes; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto files_after = sst_files();
    vanished = 0;
    for (const auto& [path, size] : files_before) {
      if (!files_after.count(path)) vanished += size;
    }
  }
  EXPECT_GE(vanished, parts[0].disk_bytes);

  dropped = store_->drop_oldest();
  EXPECT_EQ(*dropped, 1u);
  ASSERT_EQ(store_->partitions().size(), 1u);
  EXPECT_EQ(store_->partitions()[0].start, kBase + 2 * kPart);
  for (const Got& g : select(model::kMinTime, model::kMaxTime, all)) {
    EXPECT_GE(g.samples.front().t, kBase + 2 * kPart);
  }
  open();  // drops are persistent
  EXPECT_EQ(store_->partitions().size(), 1u);
  EXPECT_EQ(*store_->drop_oldest(), 1u);
  EXPECT_EQ(*store_->drop_oldest(), 0u);
  EXPECT_TRUE(select(model::kMinTime, model::kMaxTime, all).empty());
}

TEST_F(StoreTest, CorruptChunkGivesCorruptionStatus) {
  open();
  Labels l{{"__name__", "c"}};
  std::vector<Sample> s;
  for (int i = 0; i < 100; ++i) s.push_back({kBase + i * kStep, 0.1 * i * i});
  std::string chunk = encode(s);
  chunk.resize(chunk.size() / 2);  // header intact, payload cut short
  ChunkRecord rec{1, &l, chunk};
  ASSERT_TRUE(store_->write({&rec, 1}, false).is_ok());
  auto q = store_->querier(model::kMinTime, model::kMaxTime).value();
  auto set = q->select(true, nullptr, {m(MatchType::kEqual, "__name__", "c")});
  ASSERT_TRUE(set->next());
  auto it = set->at().iterator(nullptr);
  while (it->next()) {
  }
  EXPECT_EQ(it->status().code(), StatusCode::kCorruption);
}

TEST_F(StoreTest, PartitionLengthIsPersisted) {
  open();
  Labels l{{"__name__", "x"}};
  ASSERT_TRUE(write_chunk(1, l, kBase, 3).is_ok());
  store_.reset();
  StoreOptions opts;
  opts.partition_ms = 3600 * 1000;
  auto s = Store::open(dir_, opts);
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ((*s)->partition_ms(), kPart);
  ASSERT_EQ((*s)->partitions().size(), 1u);
  EXPECT_EQ((*s)->partitions()[0].end, kBase + kPart);
}

// Queriers read while one thread writes new partitions and drops old ones
// (run under ASan/TSan-like builds to catch use-after-free of handles).
TEST_F(StoreTest, ConcurrentQueriesWritesAndDrops) {
  open();
  Labels l{{"__name__", "c"}, {"k", "v"}};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int p = 0; p < 6; ++p) {
      for (int c = 0; c < 4; ++c) {
        std::string chunk = encode({{kBase + p * kPart + c * 1000, 1.0 * c}});
        ChunkRecord rec{static_cast<uint64_t>(p % 3), &l, chunk};
        EXPECT_TRUE(store_->write({&rec, 1}, false).is_ok());
      }
      if (p >= 2) {
        EXPECT_TRUE(store_->drop_oldest().is_ok());
      }
    }
    stop = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      Matchers ms{m(MatchType::kEqual, "k", "v")};
      while (!stop) {
        auto q = store_->querier(model::kMinTime, model::kMaxTime);
        ASSERT_TRUE(q.is_ok());
        auto set = (*q)->select(true, nullptr, ms);
        while (set->next()) {
          auto it = set->at().iterator(nullptr);
          int64_t last = model::kMinTime;
          while (it->next()) {
            EXPECT_GT(it->at().t, last);
            last = it->at().t;
          }
          EXPECT_TRUE(it->status().is_ok());
        }
        EXPECT_TRUE(set->status().is_ok());
        EXPECT_TRUE((*q)->label_values("k", {}).is_ok());
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(store_->partitions().size(), 2u);
}

}  // namespace
}  // namespace promlite::tsdb::store
