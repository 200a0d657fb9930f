// Relabeling semantics, case by case. Expected values follow Prometheus 3's
// model/relabel behaviour; hashmod values were computed independently with
// Python's hashlib (last 8 bytes of the MD5, big-endian, mod modulus).
#include "scraper/relabel.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace promlite::scraper {
namespace {

using config::RelabelAction;
using model::Labels;

// One rule, written positionally in the tables below.
struct Rule {
  Rule(RelabelAction a, std::vector<std::string> src = {}, std::string re = "(.*)",
       std::string tgt = "", std::string repl = "$1", std::string sep = ";", uint64_t mod = 0)
      : action(a),
        source(std::move(src)),
        regex(std::move(re)),
        target(std::move(tgt)),
        replacement(std::move(repl)),
        separator(std::move(sep)),
        modulus(mod) {}
  RelabelAction action;
  std::vector<std::string> source;
  std::string regex;
  std::string target;
  std::string replacement;
  std::string separator;
  uint64_t modulus;
};

config::RelabelConfigs compile_rules(const std::vector<Rule>& rules) {
  config::RelabelConfigs out;
  for (const Rule& r : rules) {
    config::RelabelConfig c;
    c.action = r.action;
    c.source_labels = r.source;
    c.regex = r.regex;
    c.target_label = r.target;
    c.replacement = r.replacement;
    c.separator = r.separator;
    c.modulus = r.modulus;
    Status s = c.compile();
    EXPECT_TRUE(s.is_ok()) << s.to_string();
    out.push_back(std::move(c));
  }
  return out;
}

struct Case {
  std::string name;
  Labels input;
  std::vector<Rule> rules;
  std::optional<Labels> want;  // nullopt: dropped
};

constexpr auto kReplace = RelabelAction::kReplace;
constexpr auto kKeep = RelabelAction::kKeep;
constexpr auto kDrop = RelabelAction::kDrop;
constexpr auto kKeepEqual = RelabelAction::kKeepEqual;
constexpr auto kDropEqual = RelabelAction::kDropEqual;
constexpr auto kHashMod = RelabelAction::kHashMod;
constexpr auto kLabelMap = RelabelAction::kLabelMap;
constexpr auto kLabelDrop = RelabelAction::kLabelDrop;
constexpr auto kLabelKeep = RelabelAction::kLabelKeep;
constexpr auto kLowercase = RelabelAction::kLowercase;
constexpr auto kUppercase = RelabelAction::kUppercase;

std::vector<Case> cases() {
  const Labels abc{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}};
  return {
      // ---- replace ----
      {"replace_groups",
       abc,
       {{kReplace, {"a"}, "f(.*)", "d", "ch${1}-ch${1}"}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "choo-choo"}}},
      {"replace_joins_sources_with_separator",
       abc,
       {{kReplace, {"a", "b"}, "f(.*);(.*)r", "a", "${1}${2}"}},
       Labels{{"a", "ooba"}, {"b", "bar"}, {"c", "baz"}}},
      {"replace_custom_separator",
       abc,
       {{kReplace, {"a", "b", "c"}, "(.*)", "d", "$1", "|"}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "foo|bar|baz"}}},
      {"replace_missing_source_reads_empty",
       abc,
       {{kReplace, {"a", "zz", "b"}, "(.*)", "d"}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "foo;;bar"}}},
      {"replace_no_match_changes_nothing", abc, {{kReplace, {"a"}, "x(.*)", "a", "y"}}, abc},
      {"replace_regex_is_anchored", abc, {{kReplace, {"a"}, "o+", "d", "hit"}}, abc},
      {"replace_defaults_copy_label",
       abc,
       {{kReplace, {"b"}, "(.*)", "z"}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"z", "bar"}}},
      {"replace_empty_result_deletes_target",
       abc,
       {{kReplace, {"a"}, "(.*)", "b", "${2}"}},
       Labels{{"a", "foo"}, {"c", "baz"}}},
      {"replace_missing_source_default_deletes_target",
       abc,
       {{kReplace, {"nope"}, "(.*)", "b"}},
       Labels{{"a", "foo"}, {"c", "baz"}}},
      {"replace_no_source_sets_static_value",
       abc,
       {{kReplace, {}, "(.*)", "env", "prod"}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"env", "prod"}}},
      {"replace_overwrites_existing",
       abc,
       {{kReplace, {}, "(.*)", "a", "new"}},
       Labels{{"a", "new"}, {"b", "bar"}, {"c", "baz"}}},
      {"replace_group_zero_is_whole_match",
       abc,
       {{kReplace, {"a"}, "f(o)o", "d", "<$0>"}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "<foo>"}}},
      {"replace_dollar_digit_letter_is_a_name",
       abc,
       {{kReplace, {"a"}, "(f)(o)o", "d", "$1x-${1}x"}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "-fx"}}},
      {"replace_unknown_group_number_is_empty",
       abc,
       {{kReplace, {"a"}, "(f)oo", "d", "[$10][$2]"}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "[][]"}}},
      {"replace_leading_zero_is_a_name",
       abc,
       {{kReplace, {"a"}, "(f)oo", "d", "[$01]"}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "[]"}}},
      {"replace_named_groups",
       abc,
       {{kReplace, {"a"}, "(?P<first>f)(?P<rest>.*)", "d", "$rest.$first/${first}_x"}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "oo.f/f_x"}}},
      {"replace_unicode_letters_extend_a_name",
       abc,
       {{kReplace, {"a"}, "(f)oo", "d", "[$1\xC3\xA9]"}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "[]"}}},
      {"replace_double_dollar_is_literal",
       abc,
       {{kReplace, {"a"}, "(.*)", "d", "$$1 $${1}"}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "$1 ${1}"}}},
      {"replace_malformed_refs_are_literal",
       abc,
       {{kReplace, {"a"}, "(.*)", "d", "${1 $- ${} $"}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "${1 $- ${} $"}}},
      {"replace_unmatched_optional_group_is_empty",
       abc,
       {{kReplace, {"a"}, "(x)?(foo)", "d", "[$1][$2]"}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "[][foo]"}}},
      {"replace_target_expanded",
       Labels{{"kv", "env=prod"}},
       {{kReplace, {"kv"}, "(.*)=(.*)", "${1}", "$2"}},
       Labels{{"env", "prod"}, {"kv", "env=prod"}}},
      {"replace_target_expanding_to_empty_is_skipped",
       abc,
       {{kReplace, {"a"}, "(x)?foo", "$1", "v"}},
       abc},
      {"replace_target_expanding_to_invalid_utf8_is_skipped",
       Labels{{"a", "\xff"}},
       {{kReplace, {"a"}, "(.*)", "t_$1", "v"}},
       Labels{{"a", "\xff"}}},
      {"replace_dot_matches_newline",
       Labels{{"a", "foo\nbar"}},
       {{kReplace, {"a"}, "foo.bar", "d", "nl"}},
       Labels{{"a", "foo\nbar"}, {"d", "nl"}}},
      {"replace_utf8_target_name",
       abc,
       {{kReplace, {"a"}, "(.*)", "\xC3\xA4.name", "$1"}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"\xC3\xA4.name", "foo"}}},

      // ---- keep / drop ----
      {"keep_match", abc, {{kKeep, {"a"}, "f.*"}}, abc},
      {"keep_no_match_drops", abc, {{kKeep, {"a"}, "o.*"}}, std::nullopt},
      {"keep_empty_regex_matches_missing", abc, {{kKeep, {"nope"}, ""}}, abc},
      {"keep_joined", abc, {{kKeep, {"a", "b"}, "foo;bar"}}, abc},
      {"drop_match", abc, {{kDrop, {"a"}, "f.*"}}, std::nullopt},
      {"drop_no_match", abc, {{kDrop, {"a"}, "bar"}}, abc},
      {"drop_default_regex_drops_all", abc, {{kDrop, {"nope"}}}, std::nullopt},
      {"drop_dot_matches_newline", Labels{{"a", "x\ny"}}, {{kDrop, {"a"}, "x.y"}}, std::nullopt},
      {"drop_stops_later_rules",
       abc,
       {{kDrop, {"a"}, "foo"}, {kReplace, {}, "(.*)", "z", "1"}},
       std::nullopt},

      // ---- keepequal / dropequal ----
      {"keepequal_equal",
       Labels{{"a", "1"}, {"b", "1"}},
       {{kKeepEqual, {"a"}, "(.*)", "b"}},
       Labels{{"a", "1"}, {"b", "1"}}},
      {"keepequal_differs",
       Labels{{"a", "1"}, {"b", "2"}},
       {{kKeepEqual, {"a"}, "(.*)", "b"}},
       std::nullopt},
      {"keepequal_both_missing", abc, {{kKeepEqual, {"x"}, "(.*)", "y"}}, abc},
      {"keepequal_joined",
       Labels{{"a", "1"}, {"b", "2"}, {"c", "1;2"}},
       {{kKeepEqual, {"a", "b"}, "(.*)", "c"}},
       Labels{{"a", "1"}, {"b", "2"}, {"c", "1;2"}}},
      {"dropequal_equal",
       Labels{{"a", "1"}, {"b", "1"}},
       {{kDropEqual, {"a"}, "(.*)", "b"}},
       std::nullopt},
      {"dropequal_differs",
       Labels{{"a", "1"}, {"b", "2"}},
       {{kDropEqual, {"a"}, "(.*)", "b"}},
       Labels{{"a", "1"}, {"b", "2"}}},

      // ---- hashmod ----
      {"hashmod",
       abc,
       {{kHashMod, {"a"}, "(.*)", "h", "$1", ";", 1000}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"h", "696"}}},
      {"hashmod_joined",
       abc,
       {{kHashMod, {"a", "b"}, "(.*)", "h", "$1", ";", 1000}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"h", "750"}}},
      {"hashmod_empty_value",
       abc,
       {{kHashMod, {"nope"}, "(.*)", "h", "$1", ";", 10}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"h", "8"}}},
      {"hashmod_address_sharding",
       Labels{{"__address__", "127.0.0.1:9100"}},
       {{kHashMod, {"__address__"}, "(.*)", "__tmp_hash", "$1", ";", 3},
        {kKeep, {"__tmp_hash"}, "1"}},
       Labels{{"__address__", "127.0.0.1:9100"}, {"__tmp_hash", "1"}}},
      {"hashmod_max_modulus",
       Labels{{"a", "a"}, {"b", "b"}, {"c", "c"}},
       {{kHashMod, {"a", "b", "c"}, "(.*)", "h", "$1", ";", UINT64_MAX}},
       Labels{{"a", "a"}, {"b", "b"}, {"c", "c"}, {"h", "13057461921158827710"}}},

      // ---- labelmap ----
      {"labelmap",
       Labels{{"__meta_pod", "p1"}, {"__meta_ns", "default"}, {"a", "x"}},
       {{kLabelMap, {}, "__meta_(.*)", "", "$1"}},
       Labels{{"__meta_ns", "default"},
              {"__meta_pod", "p1"},
              {"a", "x"},
              {"ns", "default"},
              {"pod", "p1"}}},
      {"labelmap_template",
       abc,
       {{kLabelMap, {}, "(a|b)", "", "${1}_copy"}},
       Labels{{"a", "foo"}, {"a_copy", "foo"}, {"b", "bar"}, {"b_copy", "bar"}, {"c", "baz"}}},
      {"labelmap_overwrites",
       abc,
       {{kLabelMap, {}, "a", "", "b"}},
       Labels{{"a", "foo"}, {"b", "foo"}, {"c", "baz"}}},
      {"labelmap_collision_last_in_sorted_base_wins",
       Labels{{"a_x", "1"}, {"b_x", "2"}},
       {{kLabelMap, {}, "(.)_x", "", "x"}},
       Labels{{"a_x", "1"}, {"b_x", "2"}, {"x", "2"}}},
      // A label set by an earlier rule (even to its old value) comes after the
      // untouched ones, as in Prometheus's labels.Builder.Range.
      {"labelmap_collision_set_labels_come_last",
       Labels{{"a_x", "1"}, {"b_x", "2"}},
       {{kReplace, {}, "(.*)", "a_x", "1"}, {kLabelMap, {}, "(.)_x", "", "x"}},
       Labels{{"a_x", "1"}, {"b_x", "2"}, {"x", "1"}}},
      {"labelmap_sees_labels_of_earlier_rules",
       abc,
       {{kReplace, {}, "(.*)", "__meta_new", "v"}, {kLabelMap, {}, "__meta_(.*)", "", "$1"}},
       Labels{{"__meta_new", "v"}, {"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"new", "v"}}},
      {"labelmap_empty_name_is_skipped",
       Labels{{"__meta_", "v"}},
       {{kLabelMap, {}, "__meta_(.*)", "", "$1"}},
       Labels{{"__meta_", "v"}}},

      // ---- labeldrop / labelkeep ----
      {"labeldrop",
       Labels{{"a", "1"}, {"ab", "2"}, {"b", "3"}},
       {{kLabelDrop, {}, "a.*"}},
       Labels{{"b", "3"}}},
      {"labeldrop_anchored",
       Labels{{"a", "1"}, {"ba", "2"}},
       {{kLabelDrop, {}, "a"}},
       Labels{{"ba", "2"}}},
      {"labeldrop_nothing", abc, {{kLabelDrop, {}, "zzz"}}, abc},
      {"labeldrop_label_set_earlier",
       abc,
       {{kReplace, {}, "(.*)", "tmp", "1"},
        {kReplace, {}, "(.*)", "a", "2"},
        {kLabelDrop, {}, "tmp|a"}},
       Labels{{"b", "bar"}, {"c", "baz"}}},
      {"labelkeep",
       Labels{{"__name__", "up"}, {"a", "1"}, {"b", "2"}, {"c", "3"}},
       {{kLabelKeep, {}, "a|b"}},
       Labels{{"a", "1"}, {"b", "2"}}},
      {"labelkeep_label_set_earlier",
       abc,
       {{kReplace, {}, "(.*)", "d", "1"},
        {kReplace, {}, "(.*)", "e", "2"},
        {kLabelKeep, {}, "a|e"}},
       Labels{{"a", "foo"}, {"e", "2"}}},

      // ---- lowercase / uppercase ----
      {"lowercase",
       Labels{{"a", "FoO-Bar_9"}},
       {{kLowercase, {"a"}, "(.*)", "l"}},
       Labels{{"a", "FoO-Bar_9"}, {"l", "foo-bar_9"}}},
      {"uppercase_joined",
       Labels{{"a", "foo"}, {"b", "Bar"}},
       {{kUppercase, {"a", "b"}, "(.*)", "u"}},
       Labels{{"a", "foo"}, {"b", "Bar"}, {"u", "FOO;BAR"}}},
      {"lowercase_unicode",
       Labels{{"a", "\xC3\x84\xC3\x96 \xC4\xB0"}},  // "ÄÖ İ"
       {{kLowercase, {"a"}, "(.*)", "a"}},
       Labels{{"a", "\xC3\xA4\xC3\xB6 i"}}},  // "äö i"
      {"uppercase_unicode_simple_mapping",
       Labels{{"a",
               "stra\xC3\x9F"
               "e \xC7\x85"}},  // "straße ǅ"
       {{kUppercase, {"a"}, "(.*)", "a"}},
       Labels{{"a",
               "STRA\xC3\x9F"
               "E \xC7\x84"}}},  // "STRAßE Ǆ"
      {"lowercase_invalid_utf8_becomes_replacement_char",
       Labels{{"a",
               "A\xff"
               "B"}},
       {{kLowercase, {"a"}, "(.*)", "a"}},
       Labels{{"a",
               "a\xEF\xBF\xBD"
               "b"}}},
      {"lowercase_missing_source_deletes_target",
       abc,
       {{kLowercase, {"nope"}, "(.*)", "a"}},
       Labels{{"b", "bar"}, {"c", "baz"}}},

      // ---- chains ----
      {"rules_apply_in_order",
       abc,
       {{kReplace, {"a"}, "(.*)", "x", "$1-1"},
        {kReplace, {"x"}, "(.*)", "y", "$1-2"},
        {kKeep, {"y"}, "foo-1-2"},
        {kLabelDrop, {}, "x"}},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"y", "foo-1-2"}}},
      {"delete_then_set_again",
       abc,
       {{kLabelDrop, {}, "a"}, {kReplace, {"b"}, "(.*)", "a", "$1!"}},
       Labels{{"a", "bar!"}, {"b", "bar"}, {"c", "baz"}}},
      {"empty_input", Labels{}, {{kReplace, {}, "(.*)", "a", "1"}}, Labels{{"a", "1"}}},
  };
}

TEST(RelabelTest, Table) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    config::RelabelConfigs rules = compile_rules(c.rules);
    bool keep = false;
    Labels got = relabel(c.input, rules, &keep);
    ASSERT_EQ(keep, c.want.has_value());
    if (c.want) {
      EXPECT_EQ(got.to_string(), c.want->to_string());
      EXPECT_EQ(got, *c.want);
    }

    // The Relabeler gives the same answer and says whether anything changed.
    Relabeler r;
    Labels out{{"sentinel", "1"}};
    Relabeler::Outcome o = r.process(rules, c.input, &out);
    if (!c.want) {
      EXPECT_EQ(o, Relabeler::Outcome::kDropped);
    } else if (*c.want == c.input) {
      EXPECT_EQ(o, Relabeler::Outcome::kUnchanged);
      EXPECT_EQ(out, (Labels{{"sentinel", "1"}}));
    } else {
      EXPECT_EQ(o, Relabeler::Outcome::kChanged);
      EXPECT_EQ(out, *c.want);
    }
  }
}

TEST(RelabelTest, EmptyRuleListKeepsUnchanged) {
  Relabeler r;
  Labels in{{"__name__", "up"}};
  Labels out;
  EXPECT_EQ(r.process({}, in, &out), Relabeler::Outcome::kUnchanged);
  EXPECT_TRUE(out.empty());
}

TEST(RelabelTest, SettingTheSameValueIsUnchanged) {
  Relabeler r;
  Labels in{{"a", "1"}, {"b", "2"}};
  Labels out;
  auto rules = compile_rules({{kReplace, {"b"}, "(.*)", "b", "$1"}});
  EXPECT_EQ(r.process(rules, in, &out), Relabeler::Outcome::kUnchanged);
  // Deleting and re-adding the same value is no change either.
  rules = compile_rules({{kLabelDrop, {}, "a"}, {kReplace, {}, "(.*)", "a", "1"}});
  EXPECT_EQ(r.process(rules, in, &out), Relabeler::Outcome::kUnchanged);
}

TEST(RelabelTest, RelabelerReusedAcrossInputs) {
  Relabeler r;
  auto rules = compile_rules({{kDrop, {"__name__"}, "go_.*"}, {kLabelDrop, {}, "tm_id|host"}});
  Labels out;
  EXPECT_EQ(r.process(rules, Labels{{"__name__", "go_gc"}, {"host", "h"}}, &out),
            Relabeler::Outcome::kDropped);
  EXPECT_EQ(r.process(rules, Labels{{"__name__", "up"}, {"job", "j"}}, &out),
            Relabeler::Outcome::kUnchanged);
  ASSERT_EQ(
      r.process(rules, Labels{{"__name__", "x"}, {"host", "h"}, {"tm_id", "1"}, {"z", "1"}}, &out),
      Relabeler::Outcome::kChanged);
  EXPECT_EQ(out, (Labels{{"__name__", "x"}, {"z", "1"}}));
}

TEST(RelabelTest, LiteralAndRegexRulesAgree) {
  // Literal alternations take a fast path; they must match exactly what RE2 would.
  const Labels in{{"a", "x"}, {"ab", "y"}, {"b", "z"}, {"c", "w"}};
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"a|b", "(?:a|b)"}, {"ab", "a(b)"}, {"a|", "a|()"}, {"c|zz|a", "[c]|zz|a"}, {"", "()"}};
  for (const auto& [literal, regex] : pairs) {
    SCOPED_TRACE(literal);
    for (RelabelAction action : {kLabelDrop, kLabelKeep}) {
      bool k1 = false, k2 = false;
      Labels l1 = relabel(in, compile_rules({{action, {}, literal}}), &k1);
      Labels l2 = relabel(in, compile_rules({{action, {}, regex}}), &k2);
      EXPECT_EQ(l1, l2);
    }
    for (const char* src : {"a", "ab", "nope"}) {
      bool k1 = false, k2 = false;
      (void)relabel(in, compile_rules({{kDrop, {src}, literal}}), &k1);
      (void)relabel(in, compile_rules({{kDrop, {src}, regex}}), &k2);
      EXPECT_EQ(k1, k2) << src;
    }
  }
}

TEST(RelabelTest, RelabelerSurvivesManyRuleLists) {
  // More distinct rule lists than the literal cache holds, as across reloads.
  Relabeler r;
  Labels in{{"a", "1"}, {"b", "2"}};
  Labels out;
  for (int i = 0; i < 200; ++i) {
    auto rules = compile_rules({{kLabelDrop, {}, i % 2 ? "a" : "b|zz"}});
    ASSERT_EQ(r.process(rules, in, &out), Relabeler::Outcome::kChanged);
    EXPECT_EQ(out, (i % 2 ? Labels{{"b", "2"}} : Labels{{"a", "1"}}));
  }
}

TEST(RelabelTest, RelabelerIsMovable) {
  static_assert(std::is_nothrow_move_constructible_v<Relabeler>);
  std::vector<Relabeler> loops(2);
  loops.emplace_back();  // may move the others
  Labels out;
  auto rules = compile_rules({{kLabelDrop, {}, "a"}});
  EXPECT_EQ(loops[0].process(rules, Labels{{"a", "1"}, {"b", "2"}}, &out),
            Relabeler::Outcome::kChanged);
}

TEST(RelabelBuilderTest, GetSetDel) {
  Labels base{{"a", "1"}, {"b", "2"}};
  RelabelBuilder b;
  b.reset(base);
  EXPECT_EQ(b.get("a"), "1");
  EXPECT_FALSE(b.changed());
  b.set("c", "3");
  b.set("a", "10");
  EXPECT_EQ(b.get("a"), "10");
  EXPECT_TRUE(b.changed());
  b.del("b");
  b.del("c");
  EXPECT_EQ(b.get("b"), "");
  EXPECT_EQ(b.get("c"), "");
  b.set("b", "");  // empty deletes
  EXPECT_EQ(b.labels(), (Labels{{"a", "10"}}));
  b.set("a", "1");
  b.set("b", "2");
  EXPECT_FALSE(b.changed());
  EXPECT_EQ(b.labels(), base);
}

TEST(RelabelBuilderTest, LabelsMatchesFromPairsEncoding) {
  // relabel.cc encodes Labels itself; check it agrees with model's encoder.
  Labels base{{"__name__", "m"}, {"b", std::string(200, 'x')}, {"d", "4"}};
  RelabelBuilder b;
  b.reset(base);
  b.set("a", "1");
  b.set("c", std::string(300, 'y'));
  b.set("e", "5");
  b.del("d");
  Labels want = Labels::from_pairs({{"__name__", "m"},
                                    {"a", "1"},
                                    {"b", std::string(200, 'x')},
                                    {"c", std::string(300, 'y')},
                                    {"e", "5"}});
  EXPECT_EQ(b.labels(), want);
  EXPECT_EQ(b.labels().data(), want.data());
}

TEST(RelabelBuilderTest, RangeIsASnapshot) {
  Labels base{{"a", "1"}, {"b", "2"}};
  RelabelBuilder b;
  b.reset(base);
  b.set("z", "26");
  std::vector<std::string> seen;
  b.range([&](model::Label l) {
    seen.push_back(std::string(l.name) + "=" + std::string(l.value));
    b.set(std::string(l.name) + "_copy", l.value);
    b.del(l.name);
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"a=1", "b=2", "z=26"}));
  EXPECT_EQ(b.labels(), (Labels{{"a_copy", "1"}, {"b_copy", "2"}, {"z_copy", "26"}}));
}

}  // namespace
}  // namespace promlite::scraper
