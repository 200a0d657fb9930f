// Test helper: renders every entry of a parse as one line of text, so that
// table-driven tests can compare a whole parse with one expected string.
//   S <labels> <value>[ @<ts ms>][ # <exemplar labels> <value>[ @<ts ms>]]
//   TYPE <name> <type> | HELP <name> <unescaped text> | UNIT <name> <unit>
//   COMMENT <text> | EOF | ERROR <message>
#pragma once

#include <charconv>
#include <cmath>
#include <string>

#include "model/labels.h"
#include "scraper/textparse/parser.h"

namespace promlite::textparse::testing {

inline std::string fmt_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

inline std::string dump(Parser& p) {
  std::string out;
  model::LabelsBuilder b;
  std::string scratch;
  for (;;) {
    Entry e = p.next();
    if (!out.empty()) out.push_back('\n');
    switch (e) {
      case Entry::kSeries: {
        std::string ls = p.build_labels(b).to_string();
        if (ls.ends_with("{}")) ls.resize(ls.size() - 2);  // model renders foo{} for no labels
        out += "S " + ls + " " + fmt_value(p.value());
        if (auto ts = p.timestamp()) out += " @" + std::to_string(*ts);
        if (const Exemplar* ex = p.exemplar()) {
          out += " # " + p.build_exemplar_labels(b).to_string() + " " + fmt_value(ex->value);
          if (ex->has_timestamp) out += " @" + std::to_string(ex->timestamp_ms);
        }
        break;
      }
      case Entry::kType:
        out += "TYPE " + std::string(p.meta_name()) + " " + std::string(metric_type_name(p.type()));
        break;
      case Entry::kHelp:
        out += "HELP " + std::string(p.meta_name()) + " " + std::string(p.help(&scratch));
        break;
      case Entry::kUnit:
        out += "UNIT " + std::string(p.meta_name()) + " " + std::string(p.unit());
        break;
      case Entry::kComment:
        out += "COMMENT " + std::string(p.comment());
        break;
      case Entry::kEof:
        return out + "EOF";
      case Entry::kError:
        return out + "ERROR " + p.error().message();
    }
  }
}

}  // namespace promlite::textparse::testing
