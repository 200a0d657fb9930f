// The Prometheus API response envelope, and the one place where errors are
// mapped to Prometheus's errorType and HTTP status:
//   {"status":"success","data":...,"warnings":[...],"infos":[...]}
//   {"status":"error","errorType":"bad_data","error":"..."}
// `data` is omitted in errors and empty warnings/infos are omitted (Grafana's
// parser chokes on null there).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/http_server.h"
#include "model/status.h"

namespace promlite::api {

enum class ErrorType {
  kBadData,
  kExecution,
  kTimeout,
  kCanceled,
  kInternal,
  kNotFound,
  kNotAcceptable,
  kUnavailable,
};

// "bad_data", "execution", ...
const char* error_type_name(ErrorType t);
// Prometheus's getDefaultErrorCode: 400, 422, 503, 499, 500, 404, 406, 500.
unsigned error_http_status(ErrorType t);
// Maps a Status from the engine or storage (see query/engine.h).
ErrorType error_type_for(const Status& s);

inline constexpr const char* kJsonContentType = "application/json";

void write_error(HttpResponse& resp, ErrorType type, std::string_view message);
inline void write_error(HttpResponse& resp, const Status& s) {
  write_error(resp, error_type_for(s), s.message());
}

// Wraps pre-encoded `data_json` in the success envelope.
void write_success(HttpResponse& resp, std::string_view data_json,
                   const std::vector<std::string>& warnings = {},
                   const std::vector<std::string>& infos = {});

// The same envelope written in two halves, so that large `data` is encoded
// straight into resp.body (no copy of it): begin_success() sets the status and
// writes up to "data":, the caller appends the data JSON to resp.body, then
// end_success() closes the envelope. A write_error() in between replaces all.
void begin_success(HttpResponse& resp, size_t data_size_hint = 0);
void end_success(HttpResponse& resp, const std::vector<std::string>& warnings = {},
                 const std::vector<std::string>& infos = {});

}  // namespace promlite::api
