#include "api/ast_json.h"

#include "api/json_writer.h"
#include "query/function_signatures.h"
#include "query/printer.h"

namespace promlite::api {

namespace {

using query::Expr;

const char* card_name(query::VectorMatchCardinality c) {
  switch (c) {
    case query::VectorMatchCardinality::kOneToOne:
      return "one-to-one";
    case query::VectorMatchCardinality::kManyToOne:
      return "many-to-one";
    case query::VectorMatchCardinality::kOneToMany:
      return "one-to-many";
    case query::VectorMatchCardinality::kManyToMany:
      return "many-to-many";
  }
  return "one-to-one";
}

void write_matchers(JsonWriter& w, const model::Matchers& ms) {
  w.begin_array();
  for (const auto& m : ms) {
    w.begin_object();
    w.key("name").string(m.name());
    w.key("type").string(model::match_type_string(m.type()));
    w.key("value").string(m.value());
    w.end_object();
  }
  w.end_array();
}

// "startOrEnd" and "timestamp" of a selector or subquery.
void write_start_or_end(JsonWriter& w, const query::TimeModifiers& mods) {
  w.key("startOrEnd");
  switch (mods.at_modifier) {
    case query::AtModifier::kStart:
      w.string("start");
      break;
    case query::AtModifier::kEnd:
      w.string("end");
      break;
    case query::AtModifier::kNone:
      w.null();
      break;
  }
}

void write_timestamp(JsonWriter& w, const query::TimeModifiers& mods) {
  w.key("timestamp");
  if (mods.at) {
    w.int64(*mods.at);
  } else {
    w.null();
  }
}

void write_node(JsonWriter& w, const Expr& e);

void write_optional(JsonWriter& w, const query::ExprPtr& e) {
  if (e) {
    write_node(w, *e);
  } else {
    w.null();
  }
}

void write_node(JsonWriter& w, const Expr& e) {
  w.begin_object();
  switch (e.kind) {
    case query::ExprKind::kAggregate: {
      const auto& n = e.as<query::AggregateExpr>();
      w.key("expr");
      write_optional(w, n.expr);
      w.key("grouping").string_array(n.grouping);
      w.key("op").string(query::aggregate_op_string(n.op));
      w.key("param");
      write_optional(w, n.param);
      w.key("type").string("aggregation");
      w.key("without").boolean(n.without);
      break;
    }
    case query::ExprKind::kBinary: {
      const auto& n = e.as<query::BinaryExpr>();
      w.key("bool").boolean(n.return_bool);
      w.key("lhs");
      write_optional(w, n.lhs);
      w.key("matching");
      if (n.matching) {
        w.begin_object();
        w.key("card").string(card_name(n.matching->card));
        w.key("include").string_array(n.matching->include);
        w.key("labels").string_array(n.matching->matching_labels);
        w.key("on").boolean(n.matching->on);
        w.end_object();
      } else {
        w.null();
      }
      w.key("op").string(query::binary_op_string(n.op));
      w.key("rhs");
      write_optional(w, n.rhs);
      w.key("type").string("binaryExpr");
      break;
    }
    case query::ExprKind::kCall: {
      const auto& n = e.as<query::Call>();
      w.key("args").begin_array();
      for (const auto& a : n.args) write_node(w, *a);
      w.end_array();
      w.key("func").begin_object();
      w.key("argTypes").begin_array();
      if (n.func) {
        for (query::ValueType t : n.func->arg_types) w.string(query::value_type_name(t));
      }
      w.end_array();
      w.key("name").string(n.func ? n.func->name : "");
      w.key("returnType")
          .string(query::value_type_name(n.func ? n.func->return_type : query::ValueType::kVector));
      w.key("variadic").int64(n.func ? n.func->variadic : 0);
      w.end_object();
      w.key("type").string("call");
      break;
    }
    case query::ExprKind::kMatrixSelector: {
      const auto& n = e.as<query::MatrixSelector>();
      const auto& vs = n.selector();
      w.key("matchers");
      write_matchers(w, vs.matchers);
      w.key("name").string(vs.name);
      w.key("offset").int64(vs.mods.offset);
      w.key("range").int64(n.range);
      write_start_or_end(w, vs.mods);
      write_timestamp(w, vs.mods);
      w.key("type").string("matrixSelector");
      break;
    }
    case query::ExprKind::kSubquery: {
      const auto& n = e.as<query::SubqueryExpr>();
      w.key("expr");
      write_optional(w, n.expr);
      w.key("offset").int64(n.mods.offset);
      w.key("range").int64(n.range);
      write_start_or_end(w, n.mods);
      w.key("step").int64(n.step);
      write_timestamp(w, n.mods);
      w.key("type").string("subquery");
      break;
    }
    case query::ExprKind::kNumberLiteral: {
      w.key("type").string("numberLiteral");
      w.key("val").string(query::format_float(e.as<query::NumberLiteral>().value));
      break;
    }
    case query::ExprKind::kParen: {
      w.key("expr");
      write_optional(w, e.as<query::ParenExpr>().expr);
      w.key("type").string("parenExpr");
      break;
    }
    case query::ExprKind::kStringLiteral: {
      w.key("type").string("stringLiteral");
      w.key("val").string(e.as<query::StringLiteral>().value);
      break;
    }
    case query::ExprKind::kUnary: {
      const auto& n = e.as<query::UnaryExpr>();
      w.key("expr");
      write_optional(w, n.expr);
      w.key("op").string(query::binary_op_string(n.op));
      w.key("type").string("unaryExpr");
      break;
    }
    case query::ExprKind::kVectorSelector: {
      const auto& n = e.as<query::VectorSelector>();
      w.key("matchers");
      write_matchers(w, n.matchers);
      w.key("name").string(n.name);
      w.key("offset").int64(n.mods.offset);
      write_start_or_end(w, n.mods);
      write_timestamp(w, n.mods);
      w.key("type").string("vectorSelector");
      break;
    }
    case query::ExprKind::kDuration: {
      // Only inside ranges, steps and offsets, which are written folded; kept
      // for completeness in the shape newer Prometheus versions use.
      const auto& n = e.as<query::DurationExpr>();
      w.key("lhs");
      write_optional(w, n.lhs);
      w.key("op").string(query::binary_op_string(n.op));
      w.key("rhs");
      write_optional(w, n.rhs);
      w.key("type").string("durationExpr");
      w.key("wrapped").boolean(n.wrapped);
      break;
    }
  }
  w.end_object();
}

}  // namespace

void write_ast_json(JsonWriter& w, const query::Expr& e) { write_node(w, e); }

void append_ast_json(std::string& out, const query::Expr& e) {
  JsonWriter w(out);
  write_node(w, e);
}

}  // namespace promlite::api
