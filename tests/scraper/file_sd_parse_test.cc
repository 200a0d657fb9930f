// file_sd file parsing: good and bad files, JSON and YAML, checked the way
// Prometheus's discovery/file checks them.
#include "scraper/discovery/file_sd_parse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace promlite::scraper::discovery {
namespace {

using model::Labels;

Labels addr(std::string_view a) { return Labels{{"__address__", a}}; }

TEST(FileSdFormatTest, ByExtension) {
  EXPECT_EQ(*file_sd_format("/a/b.json"), FileSdFormat::kJson);
  EXPECT_EQ(*file_sd_format("b.JSON"), FileSdFormat::kJson);
  EXPECT_EQ(*file_sd_format("/a/b.yml"), FileSdFormat::kYaml);
  EXPECT_EQ(*file_sd_format("/a.d/b.YaMl"), FileSdFormat::kYaml);
  EXPECT_FALSE(file_sd_format("/a/b.txt").is_ok());
  EXPECT_FALSE(file_sd_format("/a.json/b").is_ok());
  EXPECT_FALSE(file_sd_format("json").is_ok());
}

TEST(FileSdParseTest, Json) {
  const std::string content = R"([
    {"targets": ["localhost:9090", "example.org:443"], "labels": {"foo": "bar", "empty": ""}},
    {"targets": ["my.domain"], "labels": {"__meta_filepath": "ignored"}},
    {"labels": {"only": "labels"}},
    {"targets": null, "labels": null}
  ])";
  auto got = parse_file_sd("/etc/sd/t.json", content);
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  ASSERT_EQ(got->size(), 4u);
  const auto& g = *got;
  EXPECT_EQ(g[0].source, "/etc/sd/t.json:0");
  EXPECT_EQ(g[0].targets, (std::vector<Labels>{addr("localhost:9090"), addr("example.org:443")}));
  EXPECT_EQ(g[0].labels, (Labels{{"__meta_filepath", "/etc/sd/t.json"}, {"foo", "bar"}}));
  EXPECT_EQ(g[1].source, "/etc/sd/t.json:1");
  EXPECT_EQ(g[1].labels, (Labels{{"__meta_filepath", "/etc/sd/t.json"}}));
  EXPECT_TRUE(g[2].targets.empty());  // Prometheus accepts a group without targets
  EXPECT_EQ(g[2].labels.get("only"), "labels");
  EXPECT_TRUE(g[3].targets.empty());
  EXPECT_EQ(g[3].labels, (Labels{{"__meta_filepath", "/etc/sd/t.json"}}));
}

TEST(FileSdParseTest, JsonKeysAreCaseInsensitiveLikeGo) {
  auto got = parse_file_sd("t.json", R"([{"Targets": ["a:1"], "LABELS": {"x": "y"}}])");
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  EXPECT_EQ((*got)[0].targets, std::vector<Labels>{addr("a:1")});
  EXPECT_EQ((*got)[0].labels.get("x"), "y");
}

TEST(FileSdParseTest, JsonDuplicateLabelLastWinsLikeGo) {
  auto got = parse_file_sd("t.json", R"([{"targets": ["a:1"], "labels": {"x": "1", "x": "2"}}])");
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  EXPECT_EQ((*got)[0].labels.get("x"), "2");
}

TEST(FileSdParseTest, YamlScalarsReadAsText) {
  auto got = parse_file_sd("t.yaml", "- targets: [5, ~, 'q']\n  labels: {1: yes}\n");
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  EXPECT_EQ((*got)[0].targets, (std::vector<Labels>{addr("5"), Labels{}, addr("q")}));
  EXPECT_EQ((*got)[0].labels.get("1"), "yes");
}

TEST(FileSdParseTest, JsonInvalidUtf8BecomesReplacementChar) {
  auto got = parse_file_sd("t.json", "[{\"targets\": [\"a\xff:1\"]}]");
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  EXPECT_EQ((*got)[0].targets[0].get("__address__"), "a\xEF\xBF\xBD:1");
}

TEST(FileSdParseTest, EmptyLists) {
  for (const auto& [path, content] :
       std::vector<std::pair<std::string, std::string>>{{"t.json", "[]"},
                                                        {"t.json", "null"},
                                                        {"t.yml", ""},
                                                        {"t.yml", "# nothing\n"},
                                                        {"t.yaml", "[]"},
                                                        {"t.yaml", "~"}}) {
    SCOPED_TRACE(path + ": " + content);
    auto got = parse_file_sd(path, content);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    EXPECT_TRUE(got->empty());
  }
}

TEST(FileSdParseTest, Yaml) {
  const std::string content = R"(
- targets: ['localhost:9090', example.org:443]
  labels:
    foo: bar
    port: 8080
    flag: true
    nothing: ~
- targets:
    - my.domain
- labels: {a: b}
)";
  auto got = parse_file_sd("sd/t.yml", content);
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  ASSERT_EQ(got->size(), 3u);
  const auto& g = *got;
  EXPECT_EQ(g[0].source, "sd/t.yml:0");
  EXPECT_EQ(g[0].targets, (std::vector<Labels>{addr("localhost:9090"), addr("example.org:443")}));
  EXPECT_EQ(
      g[0].labels,
      (Labels{
          {"__meta_filepath", "sd/t.yml"}, {"flag", "true"}, {"foo", "bar"}, {"port", "8080"}}));
  EXPECT_EQ(g[1].targets, std::vector<Labels>{addr("my.domain")});
  EXPECT_EQ(g[2].source, "sd/t.yml:2");
  EXPECT_TRUE(g[2].targets.empty());
  EXPECT_EQ(g[2].labels.get("a"), "b");
}

TEST(FileSdParseTest, Utf8LabelNamesAreValid) {
  auto got = parse_file_sd("t.yml", "- targets: [a]\n  labels: {\"k.8s/app\xC3\xA9\": v}\n");
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  EXPECT_EQ((*got)[0].labels.get("k.8s/app\xC3\xA9"), "v");
}

TEST(FileSdParseTest, BadFiles) {
  struct Bad {
    std::string path, content, error;
  };
  std::vector<Bad> cases = {
      {"t.json", "", "invalid JSON"},
      {"t.json", "[{\"targets\": [\"a\"]}", "invalid JSON"},
      {"t.json", "[] []", "invalid JSON"},
      {"t.json", "{\"targets\": [\"a\"]}", "expected a list of target groups, got object"},
      {"t.json", "[null]", "nil target group item found"},
      {"t.json", "[5]", "target group 0: expected an object, got number"},
      {"t.json", "[{}, {\"targets\": \"a:1\"}]",
       "target group 1: \"targets\" must be a list of strings, got string"},
      {"t.json", "[{\"targets\": [1]}]", "target group 0: \"targets\" must be a list of strings"},
      {"t.json", "[{\"targets\": [\"a\"], \"labels\": [\"x\"]}]",
       "target group 0: \"labels\" must be an object of strings, got array"},
      {"t.json", "[{\"labels\": {\"a\": 1}}]",
       "target group 0: value of label \"a\" must be a string, got number"},
      {"t.json", "[{\"labels\": {\"\": \"x\"}}]", "target group 0: \"\" is not a valid label name"},
      {"t.json", "[{\"targets\": [], \"extra\": 1}]", "target group 0: unknown field \"extra\""},
      {"t.yml", "a: b", "expected a list of target groups, got a mapping"},
      {"t.yml", "- ~", "nil target group item found"},
      {"t.yml", "- [a]", "target group 0: expected a mapping, got a list"},
      {"t.yml", "- targets: a:1",
       "target group 0: \"targets\" must be a list of strings, got a scalar"},
      {"t.yml", "- targets: [[a]]",
       "target group 0: \"targets\" must be a list of strings, found a list"},
      {"t.yml", "- labels: [a]",
       "target group 0: \"labels\" must be a mapping of strings, got a list"},
      {"t.yml", "- labels: {a: [b]}", "target group 0: value of label \"a\" must be a string"},
      {"t.yml", "- labels: {\"\": b}", "target group 0: \"\" is not a valid label name"},
      {"t.yml", "- labels: {\"a\xff\": b}", "target group 0: \"a\xff\" is not a valid label name"},
      {"t.yml", "- labels: {a: b, a: c}", "target group 0: label \"a\" set twice"},
      {"t.yml", "- targets: [a]\n  targets: [b]", "target group 0: field \"targets\" set twice"},
      {"t.yml", "- {}\n- targetz: [a]", "target group 1: unknown field \"targetz\""},
      {"t.yml", "- targets: [a\n", "invalid YAML"},
      {"t.txt", "[]", "unsupported file_sd file extension"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path + ": " + c.content);
    auto got = parse_file_sd(c.path, c.content);
    ASSERT_FALSE(got.is_ok());
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(got.status().message().substr(0, c.error.size()), c.error) << got.status().message();
  }
}

}  // namespace
}  // namespace promlite::scraper::discovery
