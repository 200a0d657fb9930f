// The PromQL parser's class, shared by its source files (parser.cc: entry
// points, expressions, calls and aggregations; parser_selectors.cc: vector
// selectors and label lists; parser_durations.cc: ranges, subqueries, offset,
// @ and duration expressions). Internal to query/; the API is parser.h.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "model/matcher.h"
#include "model/status.h"
#include "query/ast.h"
#include "query/lexer.h"
#include "query/parse_internal.h"
#include "query/parser.h"

namespace promlite::query::parse_internal {

enum Prec { kPrecOr = 1, kPrecAnd = 2, kPrecCmp = 3, kPrecAdd = 4, kPrecMul = 5, kPrecPow = 6 };

bool binary_op_of(TokenKind k, BinaryOp* op, int* prec);
bool aggregate_op_of(TokenKind k, AggregateOp* op);
bool is_metric_identifier(TokenKind k);
bool is_grouping_label(TokenKind k);
bool is_match_op(TokenKind k, model::MatchType* t);
bool valid_grouping_label(std::string_view s);
bool is_number_token(TokenKind k);

struct ErrorContext {
  std::string_view context;
  std::string_view expected;
};

class Parser {
 public:
  Parser(std::string_view input, const ParseOptions& opts) : in_(input), opts_(opts) {
    Lexer lex(input);
    toks_.reserve(input.size() / 3 + 2);
    for (;;) {
      Token t = lex.next();
      if (t.kind == TokenKind::kComment) continue;
      bool last = t.kind == TokenKind::kEof || t.kind == TokenKind::kError;
      toks_.push_back(std::move(t));
      if (last) break;
    }
  }

  Result<ExprPtr> parse_query();
  Result<model::Matchers> parse_selector_only();

  const Status& error() const { return err_; }

 private:
  const Token& peek(size_t ahead = 0) const {
    size_t k = i_ + ahead;
    return k < toks_.size() ? toks_[k] : toks_.back();
  }
  const Token& advance() {
    const Token& t = peek();
    if (i_ < toks_.size() - 1) ++i_;
    last_end_ = t.end();
    return t;
  }

  void error_at(int pos, std::string msg);
  std::nullptr_t fail_at(int pos, std::string msg) {
    error_at(pos, std::move(msg));
    return nullptr;
  }
  std::nullptr_t unexpected(const Token& t);
  std::nullptr_t unexpected_in(const Token& t, std::string_view context, std::string_view expected);

  struct ContextScope {
    ContextScope(Parser* p, std::string_view c, std::string_view e) : p_(p) {
      p_->ctx_.push_back({c, e});
    }
    ~ContextScope() { p_->ctx_.pop_back(); }
    void set(std::string_view c, std::string_view e) { p_->ctx_.back() = {c, e}; }
    Parser* p_;
  };
  struct DepthScope {
    explicit DepthScope(Parser* p) : p_(p) { ++p_->depth_; }
    ~DepthScope() { --p_->depth_; }
    Parser* p_;
  };
  bool too_deep(int pos) {
    if (depth_ <= kMaxParseDepth) return false;
    error_at(pos, "expression nesting too deep (more than " + std::to_string(kMaxParseDepth) +
                      " levels)");
    return true;
  }
  bool set_height(Expr* e, std::initializer_list<const Expr*> children) {
    int h = 0;
    for (const Expr* c : children) {
      if (c && c->height > h) h = c->height;
    }
    e->height = h + 1;
    if (e->height > kMaxParseDepth) {
      error_at(e->pos.start, "expression nesting too deep (more than " +
                                 std::to_string(kMaxParseDepth) + " levels)");
      return false;
    }
    return true;
  }

  ExprPtr parse_expr(int min_prec);
  ExprPtr parse_unary();
  ExprPtr parse_primary();
  ExprPtr parse_postfix(ExprPtr e);
  ExprPtr parse_number_literal();
  ExprPtr parse_vector_selector(const Token* name);
  bool parse_label_matchers(VectorSelector* vs);
  // After `name <op>`: the quoted value, appended to vs as a matcher.
  bool parse_matcher_value(model::MatchType mt, std::string name, int name_pos,
                           std::string_view ctx, VectorSelector* vs);
  bool parse_grouping_labels(std::vector<std::string>* out);
  bool parse_call_args(std::vector<ExprPtr>* args);
  ExprPtr parse_aggregate();
  ExprPtr parse_call();
  ExprPtr parse_bracket(ExprPtr e);
  ExprPtr parse_offset(ExprPtr e);
  ExprPtr parse_at(ExprPtr e);
  ExprPtr parse_duration_expr(int min_prec);
  ExprPtr parse_duration_unary();
  ExprPtr parse_positive_duration();
  bool experimental_duration(const Expr& e);
  TimeModifiers* modifiers_of(Expr* e);
  bool unquote(const Token& t, std::string* out);
  bool number_value(const Token& t, double* v, bool* duration);

  std::string_view in_;
  ParseOptions opts_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  int last_end_ = 0;
  int depth_ = 0;
  std::vector<ErrorContext> ctx_;
  bool failed_ = false;
  Status err_;
};

}  // namespace promlite::query::parse_internal
