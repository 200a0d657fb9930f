#include "tsdb/index/postings.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <random>
#include <set>
#include <tuple>

#include "model/matcher.h"
#include "tsdb/index/id_list.h"
#include "tsdb/index/mem_postings.h"

namespace promlite::tsdb::index {
namespace {

using Ids = std::vector<SeriesId>;

PostingsPtr list(const Ids& ids) { return std::make_unique<ListPostings>(ids); }

template <typename... P>
std::vector<PostingsPtr> vec(P... ps) {
  std::vector<PostingsPtr> v;
  (v.push_back(std::move(ps)), ...);
  return v;
}

TEST(PostingsTest, ListNextAndSeek) {
  Ids ids = {2, 4, 8, 16, 32, 64};
  ListPostings p(ids);
  ASSERT_TRUE(p.seek(5));
  EXPECT_EQ(p.at(), 8u);
  ASSERT_TRUE(p.seek(3));  // never moves backwards
  EXPECT_EQ(p.at(), 8u);
  ASSERT_TRUE(p.next());
  EXPECT_EQ(p.at(), 16u);
  ASSERT_TRUE(p.seek(64));
  EXPECT_EQ(p.at(), 64u);
  EXPECT_FALSE(p.seek(65));
  EXPECT_FALSE(p.next());
}

TEST(PostingsTest, Combinators) {
  Ids a = {1, 2, 3, 5, 8, 13, 21};
  Ids b = {2, 3, 5, 7, 11, 13};
  Ids c = {3, 13, 100};
  struct Case {
    const char* name;
    std::function<PostingsPtr()> make;
    Ids want;
  };
  std::vector<Case> cases = {
      {"intersect2", [&] { return intersect(vec(list(a), list(b))); }, {2, 3, 5, 13}},
      {"intersect3", [&] { return intersect(vec(list(a), list(b), list(c))); }, {3, 13}},
      {"intersect_none", [&] { return intersect({}); }, {}},
      {"merge", [&] { return merge(vec(list(a), list(c))); }, {1, 2, 3, 5, 8, 13, 21, 100}},
      {"merge_one", [&] { return merge(vec(list(c))); }, {3, 13, 100}},
      {"without", [&] { return without(list(a), list(b)); }, {1, 8, 21}},
      {"without_all", [&] { return without(list(c), list(c)); }, {}},
      {"without_empty", [&] { return without(list(c), empty_postings()); }, {3, 13, 100}},
      {"nested",
       [&] { return without(merge(vec(list(a), list(c))), intersect(vec(list(b), list(c)))); },
       {1, 2, 5, 8, 21, 100}},
  };
  for (const Case& tc : cases) {
    auto p = tc.make();
    EXPECT_EQ(expand(*p), tc.want) << tc.name;
  }
}

// Seeks every combinator to random targets and compares with a std::set model.
TEST(PostingsTest, RandomSeekMatchesModel) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 50; ++round) {
    auto gen = [&] {
      std::set<SeriesId> s;
      int n = static_cast<int>(rng() % 60);
      for (int i = 0; i < n; ++i) s.insert(rng() % 200);
      return Ids(s.begin(), s.end());
    };
    Ids a = gen(), b = gen();
    Ids inter, uni, diff;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(inter));
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(uni));
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(diff));
    EXPECT_EQ(intersect_sorted(a, b), inter);
    struct Kind {
      PostingsPtr p;
      const Ids* model;
    };
    std::vector<Kind> kinds;
    kinds.push_back({intersect(vec(list(a), list(b))), &inter});
    kinds.push_back({merge(vec(list(a), list(b))), &uni});
    kinds.push_back({without(list(a), list(b)), &diff});
    for (Kind& k : kinds) {
      SeriesId pos = 0;
      bool valid = false;
      for (int step = 0; step < 20; ++step) {
        if (rng() % 2) {
          SeriesId target = rng() % 210;
          bool got = k.p->seek(target);
          SeriesId from = valid ? std::max(pos, target) : target;
          auto it = std::lower_bound(k.model->begin(), k.model->end(), from);
          ASSERT_EQ(got, it != k.model->end()) << "round " << round;
          if (!got) break;
          ASSERT_EQ(k.p->at(), *it);
          pos = *it;
        } else {
          bool got = k.p->next();
          auto it =
              valid ? std::upper_bound(k.model->begin(), k.model->end(), pos) : k.model->begin();
          ASSERT_EQ(got, it != k.model->end()) << "round " << round;
          if (!got) break;
          ASSERT_EQ(k.p->at(), *it);
          pos = *it;
        }
        valid = true;
      }
    }
  }
}

model::Matcher mk(model::MatchType t, const std::string& n, const std::string& v) {
  auto m = model::Matcher::make(t, n, v);
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  return *m;
}

class MemPostingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // id: labels
    p_.add(1, {{"__name__", "up"}, {"job", "a"}, {"env", "prod"}});
    p_.add(2, {{"__name__", "up"}, {"job", "b"}});
    p_.add(3, {{"__name__", "up"}, {"job", "c"}, {"env", "dev"}});
    p_.add(4, {{"__name__", "rpc"}, {"job", "a"}, {"env", ""}});
    p_.add(5, {{"__name__", "rpc"}, {"job", "ab"}, {"env", "prod"}});
  }
  MemPostings p_;
};

TEST_F(MemPostingsTest, EveryMatcherType) {
  using MT = model::MatchType;
  struct Case {
    std::vector<std::tuple<MT, std::string, std::string>> ms;
    Ids want;
  };
  std::vector<Case> cases = {
      {{{MT::kEqual, "__name__", "up"}}, {1, 2, 3}},
      {{{MT::kEqual, "__name__", "up"}, {MT::kEqual, "job", "b"}}, {2}},
      {{{MT::kEqual, "__name__", "nope"}}, {}},
      {{{MT::kEqual, "nolabel", "x"}}, {}},
      {{{MT::kRegex, "job", "a|b"}}, {1, 2, 4}},
      {{{MT::kRegex, "job", "a.*"}}, {1, 4, 5}},
      {{{MT::kRegex, "job", ".+"}}, {1, 2, 3, 4, 5}},
      {{{MT::kNotEqual, "job", "a"}, {MT::kEqual, "__name__", "up"}}, {2, 3}},
      {{{MT::kNotRegex, "job", "a|c"}, {MT::kRegex, "__name__", ".+"}}, {2, 5}},
      {{{MT::kNotRegex, "job", "a.*"}, {MT::kRegex, "__name__", ".+"}}, {2, 3}},
      // Matchers that match "": series without the label are included.
      {{{MT::kNotEqual, "env", "prod"}, {MT::kEqual, "__name__", "up"}}, {2, 3}},
      {{{MT::kEqual, "env", ""}, {MT::kRegex, "__name__", ".+"}}, {2, 4}},
      {{{MT::kRegex, "env", "prod|"}}, {1, 2, 4, 5}},
      {{{MT::kRegex, "env", ".*"}, {MT::kEqual, "__name__", "rpc"}}, {4, 5}},
      {{{MT::kRegex, "env", "d.*|"}}, {2, 3, 4}},
      {{{MT::kNotRegex, "env", ".+"}}, {2, 4}},
      {{{MT::kNotEqual, "env", ""}}, {1, 3, 5}},
      {{{MT::kNotEqual, "nolabel", "x"}}, {1, 2, 3, 4, 5}},
      {{{MT::kEqual, "nolabel", ""}}, {1, 2, 3, 4, 5}},
      {{{MT::kRegex, "nolabel", ".*"}}, {1, 2, 3, 4, 5}},
      {{}, {1, 2, 3, 4, 5}},
  };
  for (const Case& tc : cases) {
    model::Matchers ms;
    std::string desc;
    for (const auto& [t, n, v] : tc.ms) {
      ms.push_back(mk(t, n, v));
      desc += ms.back().to_string() + " ";
    }
    EXPECT_EQ(p_.select(ms), tc.want) << desc;
  }
}

TEST_F(MemPostingsTest, NamesValuesAndRemove) {
  EXPECT_EQ(p_.label_names(), (std::vector<std::string>{"__name__", "env", "job"}));
  EXPECT_EQ(p_.label_values("job"), (std::vector<std::string>{"a", "ab", "b", "c"}));
  EXPECT_EQ(p_.get("job", "a"), (Ids{1, 4}));
  model::Labels l1{{"__name__", "up"}, {"job", "a"}, {"env", "prod"}};
  model::Labels l3{{"__name__", "up"}, {"job", "c"}, {"env", "dev"}};
  std::vector<std::pair<SeriesId, const model::Labels*>> gone = {{1, &l1}, {3, &l3}};
  p_.remove(gone);
  EXPECT_EQ(p_.all(), (Ids{2, 4, 5}));
  EXPECT_EQ(p_.get("job", "a"), (Ids{4}));
  EXPECT_EQ(p_.label_values("job"), (std::vector<std::string>{"a", "ab", "b"}));
  EXPECT_EQ(p_.label_values("env"), (std::vector<std::string>{"prod"}));
  EXPECT_EQ(p_.num_series(), 3u);
}

TEST(MemPostingsOrderTest, OutOfOrderAddsStaySorted) {
  MemPostings p;
  for (SeriesId id : {3, 1, 2, 6, 5, 4}) p.add(id, {{"a", "x"}});
  EXPECT_EQ(p.get("a", "x"), (Ids{1, 2, 3, 4, 5, 6}));
}

}  // namespace
}  // namespace promlite::tsdb::index

namespace promlite::tsdb::index {
namespace {

TEST(IdListTest, InlineHeapAndBack) {
  IdList l;
  EXPECT_TRUE(l.empty());
  l.insert_sorted(5);
  EXPECT_EQ(l.heap_bytes(), 0u);  // one id stays inline
  for (SeriesId id : {9, 7, 1, 20, 3}) l.insert_sorted(id);
  EXPECT_EQ(std::vector<SeriesId>(l.span().begin(), l.span().end()),
            (std::vector<SeriesId>{1, 3, 5, 7, 9, 20}));
  IdList moved = std::move(l);
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(moved.size(), 6u);
  moved.remove_if([](SeriesId v) { return v != 7; });
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved.span()[0], 7u);
  EXPECT_EQ(moved.heap_bytes(), 0u);  // shrunk back inline
  for (SeriesId id = 100; id < 1100; ++id) moved.insert_sorted(id);
  EXPECT_EQ(moved.size(), 1001u);
  EXPECT_TRUE(std::is_sorted(moved.span().begin(), moved.span().end()));
  moved.remove_if([](SeriesId v) { return v % 2 == 0; });
  EXPECT_EQ(moved.size(), 501u);
  EXPECT_TRUE(std::is_sorted(moved.span().begin(), moved.span().end()));
}

}  // namespace
}  // namespace promlite::tsdb::index
