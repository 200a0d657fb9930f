#include "api/response.h"

#include "api/json_writer.h"

namespace promlite::api {

const char* error_type_name(ErrorType t) {
  switch (t) {
    case ErrorType::kBadData:
      return "bad_data";
    case ErrorType::kExecution:
      return "execution";
    case ErrorType::kTimeout:
      return "timeout";
    case ErrorType::kCanceled:
      return "canceled";
    case ErrorType::kInternal:
      return "internal";
    case ErrorType::kNotFound:
      return "not_found";
    case ErrorType::kNotAcceptable:
      return "not_acceptable";
    case ErrorType::kUnavailable:
      return "unavailable";
  }
  return "internal";
}

unsigned error_http_status(ErrorType t) {
  switch (t) {
    case ErrorType::kBadData:
      return 400;
    case ErrorType::kExecution:
      return 422;
    case ErrorType::kTimeout:
      return 503;
    case ErrorType::kCanceled:
      return 499;
    case ErrorType::kNotFound:
      return 404;
    case ErrorType::kNotAcceptable:
      return 406;
    case ErrorType::kInternal:
    case ErrorType::kUnavailable:
      return 500;
  }
  return 500;
}

ErrorType error_type_for(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return ErrorType::kBadData;
    case StatusCode::kDeadlineExceeded:
      return ErrorType::kTimeout;
    case StatusCode::kCanceled:
      return ErrorType::kCanceled;
    case StatusCode::kUnavailable:
      return ErrorType::kUnavailable;
    case StatusCode::kInternal:
    case StatusCode::kIOError:
    case StatusCode::kCorruption:
      return ErrorType::kInternal;
    case StatusCode::kNotFound:
      return ErrorType::kNotFound;
    default:
      return ErrorType::kExecution;
  }
}

void write_error(HttpResponse& resp, ErrorType type, std::string_view message) {
  resp.status = error_http_status(type);
  resp.content_type = kJsonContentType;
  resp.body.clear();
  JsonWriter w(resp.body);
  w.begin_object();
  w.key("status").string("error");
  w.key("errorType").string(error_type_name(type));
  w.key("error").string(message);
  w.end_object();
}

void write_success(HttpResponse& resp, std::string_view data_json,
                   const std::vector<std::string>& warnings,
                   const std::vector<std::string>& infos) {
  begin_success(resp, data_json.size());
  resp.body.append(data_json);
  end_success(resp, warnings, infos);
}

namespace {
constexpr std::string_view kSuccessHead = "{\"status\":\"success\",\"data\":";
}  // namespace

void begin_success(HttpResponse& resp, size_t data_size_hint) {
  resp.status = 200;
  resp.content_type = kJsonContentType;
  resp.body.clear();
  resp.body.reserve(data_size_hint + 64);
  resp.body.append(kSuccessHead);
}

void end_success(HttpResponse& resp, const std::vector<std::string>& warnings,
                 const std::vector<std::string>& infos) {
  // Members after "data", with the commas JsonWriter would write.
  if (!warnings.empty()) {
    resp.body.append(",\"warnings\":");
    JsonWriter(resp.body).string_array(warnings);
  }
  if (!infos.empty()) {
    resp.body.append(",\"infos\":");
    JsonWriter(resp.body).string_array(infos);
  }
  resp.body.push_back('}');
}

}  // namespace promlite::api
