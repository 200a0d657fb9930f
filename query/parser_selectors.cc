// The PromQL parser: vector selectors, label matchers and grouping label
// lists (see parser_impl.h).
#include <string>
#include <vector>

#include "model/labels.h"
#include "query/parser_impl.h"

namespace promlite::query::parse_internal {

ExprPtr Parser::parse_vector_selector(const Token* name) {
  auto vs = std::make_unique<VectorSelector>();
  if (name) {
    vs->name = std::string(name->text);
    vs->pos = {name->pos, name->end()};
  } else {
    vs->pos = {peek().pos, peek().end()};
  }
  if (peek().kind == TokenKind::kLeftBrace) {
    if (!parse_label_matchers(vs.get())) return nullptr;
    vs->pos.end = last_end_;
  }
  if (name) {
    auto m =
        model::Matcher::make(model::MatchType::kEqual, std::string(model::kMetricName), vs->name);
    if (!m) return fail_at(name->pos, m.status().message());
    vs->matchers.push_back(std::move(m.value()));
  }
  return vs;
}

bool Parser::parse_label_matchers(VectorSelector* vs) {
  static constexpr std::string_view kCtx = "label matching";
  advance();  // '{'
  for (;;) {
    const Token& t = peek();
    if (t.kind == TokenKind::kRightBrace) {
      advance();
      return true;
    }
    std::string name;
    int name_pos = t.pos;
    if (t.kind == TokenKind::kIdentifier) {
      name = std::string(t.text);
      advance();
      model::MatchType mt;
      if (!is_match_op(peek().kind, &mt)) {
        unexpected_in(peek(), kCtx, "label matching operator");
        return false;
      }
      advance();
      if (!parse_matcher_value(mt, std::move(name), name_pos, kCtx, vs)) return false;
    } else if (t.kind == TokenKind::kString) {
      advance();
      if (!unquote(t, &name)) return false;
      model::MatchType mt;
      if (is_match_op(peek().kind, &mt)) {
        advance();
        if (!parse_matcher_value(mt, std::move(name), name_pos, kCtx, vs)) return false;
      } else {
        // A lone quoted string is the metric name: {"my.metric"}.
        auto m = model::Matcher::make(model::MatchType::kEqual, std::string(model::kMetricName),
                                      std::move(name));
        if (!m) {
          error_at(name_pos, m.status().message());
          return false;
        }
        vs->matchers.push_back(std::move(m.value()));
      }
    } else {
      unexpected_in(t, kCtx, "identifier or \"}\"");
      return false;
    }
    const Token& sep = peek();
    if (sep.kind == TokenKind::kComma) {
      advance();
      continue;
    }
    if (sep.kind == TokenKind::kRightBrace) {
      advance();
      return true;
    }
    unexpected_in(sep, kCtx, "\",\" or \"}\"");
    return false;
  }
}

bool Parser::parse_grouping_labels(std::vector<std::string>* out) {
  static constexpr std::string_view kCtx = "grouping opts";
  if (peek().kind != TokenKind::kLeftParen) {
    unexpected_in(peek(), kCtx, "\"(\"");
    return false;
  }
  advance();
  if (peek().kind == TokenKind::kRightParen) {
    advance();
    return true;
  }
  for (;;) {
    const Token& t = peek();
    std::string label;
    if (is_grouping_label(t.kind)) {
      label = std::string(t.text);
    } else if (t.kind == TokenKind::kString) {
      if (!unquote(t, &label)) return false;
    } else {
      unexpected_in(t, kCtx, "label");
      return false;
    }
    if (!valid_grouping_label(label)) {
      error_at(t.pos, "invalid label name for grouping: " + go_quote(label));
      return false;
    }
    advance();
    out->push_back(std::move(label));
    const Token& sep = peek();
    if (sep.kind == TokenKind::kComma) {
      advance();
      if (peek().kind == TokenKind::kRightParen) {
        advance();
        return true;
      }
      continue;
    }
    if (sep.kind == TokenKind::kRightParen) {
      advance();
      return true;
    }
    unexpected_in(sep, kCtx, "\",\" or \")\"");
    return false;
  }
}

bool Parser::parse_matcher_value(model::MatchType mt, std::string name, int name_pos,
                                 std::string_view ctx, VectorSelector* vs) {
  if (peek().kind != TokenKind::kString) {
    unexpected_in(peek(), ctx, "string");
    return false;
  }
  const Token& v = advance();
  std::string value;
  if (!unquote(v, &value)) return false;
  auto m = model::Matcher::make(mt, std::move(name), std::move(value));
  if (!m) {
    error_at(name_pos, m.status().message());
    return false;
  }
  vs->matchers.push_back(std::move(m.value()));
  return true;
}

}  // namespace promlite::query::parse_internal
