// append_labels_json's fast path (label sets without characters to escape)
// against the per-string escaper, with every special byte at every position
// of an 8-byte word.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/json_writer.h"
#include "api/query_encoder.h"
#include "model/labels.h"

namespace promlite::api {
namespace {

using namespace std::string_literals;

std::string reference(const model::Labels& labels) {
  std::string out = "{";
  bool first = true;
  for (model::Label l : labels) {
    if (!first) out += ",";
    first = false;
    append_json_string(out, l.name);
    out += ":";
    append_json_string(out, l.value);
  }
  return out + "}";
}

TEST(LabelsJsonTest, SameAsPerStringEscaper) {
  const std::vector<std::string> specials = {"\"",           "\\",   "<",    ">", "&", "\x01",
                                             "\x1f",         "\0"s,  "\x7f", " ", "~", "\xc3\xa9",
                                             "\xe2\x80\xa8", "\xff", "\x80"};
  for (const std::string& c : specials) {
    for (size_t pos = 0; pos < 17; ++pos) {
      std::string v(17, 'a');
      v.replace(pos, 1, c);
      for (const model::Labels& l :
           {model::Labels{{"__name__", "m"}, {"k", v}}, model::Labels{{v, "x"}, {"z", "y"}}}) {
        std::string got;
        append_labels_json(got, l);
        EXPECT_EQ(got, reference(l)) << "special " << static_cast<int>(c[0]) << " at " << pos;
      }
    }
  }
  // Plain, empty and long sets (past the stack buffer).
  for (const model::Labels& l :
       {model::Labels{}, model::Labels{{"a", "b"}},
        model::Labels{{"a", std::string(3000, 'x')}, {"b", std::string(2000, 'y')}}}) {
    std::string got;
    append_labels_json(got, l);
    EXPECT_EQ(got, reference(l));
  }
}

TEST(LabelsJsonTest, JsonPlain) {
  EXPECT_TRUE(json_plain(""));
  EXPECT_TRUE(json_plain("flink-taskmanager-7.flink.svc.cluster.local:9249"));
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const bool plain =
        b >= 0x20 && b < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
    for (size_t pos : {0u, 5u, 7u, 8u, 12u}) {
      std::string s(13, 'q');
      s[pos] = c;
      EXPECT_EQ(json_plain(s), plain) << b << " at " << pos;
    }
  }
}

}  // namespace
}  // namespace promlite::api
