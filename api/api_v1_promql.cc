// /api/v1/format_query and /api/v1/parse_query: PromQL tooling endpoints of
// Prometheus's UI (formatting, and the "Explain" tree).
#include "api/api_v1.h"
#include "api/ast_json.h"
#include "api/json_writer.h"
#include "api/params.h"
#include "api/response.h"
#include "query/printer.h"

namespace promlite::api {

namespace {

// Parses the `query` parameter; false after writing Prometheus's error.
bool parse_query_param(const HttpRequest& req, const query::ParseOptions& po, HttpResponse& resp,
                       std::unique_ptr<query::Expr>* out) {
  Params p = Params::from_request(req);
  auto expr = query::parse_expr(p.get("query").value_or(""), po);
  if (!expr) {
    write_error(resp, ErrorType::kBadData,
                "invalid parameter \"query\": " + expr.status().message());
    return false;
  }
  *out = std::move(expr).value();
  return true;
}

}  // namespace

void ApiV1::format_query(const HttpRequest& req, HttpResponse& resp) {
  std::unique_ptr<query::Expr> expr;
  if (!parse_query_param(req, deps_.parse_options, resp, &expr)) return;
  std::string data;
  JsonWriter(data).string(query::prettify(*expr));
  write_success(resp, data);
}

void ApiV1::parse_query(const HttpRequest& req, HttpResponse& resp) {
  std::unique_ptr<query::Expr> expr;
  if (!parse_query_param(req, deps_.parse_options, resp, &expr)) return;
  std::string data;
  append_ast_json(data, *expr);
  write_success(resp, data);
}

}  // namespace promlite::api
