// Compares two /api/v1/query or /api/v1/query_range JSON responses for the
// differential test: the same status and error type, result type, label sets
// exactly, timestamps to the millisecond and values within 1e-9 relative
// (NaN equals NaN). Header-only (the suite compiles only *_test.cc).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace promlite::differential {

struct Point {
  int64_t t_ms;
  double v;
};

struct SeriesResult {
  std::string metric;  // canonical label text, sorted by name
  std::vector<Point> points;
};

struct Response {
  std::string status;
  std::string error_type;
  std::string error;
  std::string result_type;
  std::vector<SeriesResult> series;  // a scalar/string is one series without labels
};

inline double parse_value(const nlohmann::json& v) {
  std::string s = v.get<std::string>();
  if (s == "NaN") return std::nan("");
  if (s == "+Inf" || s == "Inf") return HUGE_VAL;
  if (s == "-Inf") return -HUGE_VAL;
  return std::strtod(s.c_str(), nullptr);
}

inline Point parse_point(const nlohmann::json& p) {
  return {std::llround(p[0].get<double>() * 1000), parse_value(p[1])};
}

// Parses a response body; on malformed input status is "unparsable".
inline Response parse_response(const std::string& body) {
  Response r;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    r.status = "unparsable: " + body.substr(0, 200);
    return r;
  }
  r.status = j.value("status", "");
  r.error_type = j.value("errorType", "");
  r.error = j.value("error", "");
  if (r.status != "success") return r;
  const auto& data = j["data"];
  r.result_type = data.value("resultType", "");
  const auto& res = data["result"];
  if (r.result_type == "scalar" || r.result_type == "string") {
    SeriesResult s;
    if (r.result_type == "scalar") {
      s.points.push_back(parse_point(res));
    } else {
      s.metric = res[1].get<std::string>();
      s.points.push_back({std::llround(res[0].get<double>() * 1000), 0});
    }
    r.series.push_back(std::move(s));
    return r;
  }
  for (const auto& e : res) {
    SeriesResult s;
    std::vector<std::pair<std::string, std::string>> labels;
    for (auto it = e["metric"].begin(); it != e["metric"].end(); ++it) {
      labels.emplace_back(it.key(), it.value().get<std::string>());
    }
    std::sort(labels.begin(), labels.end());
    s.metric = "{";
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i) s.metric += ", ";
      s.metric += labels[i].first + "=\"" + labels[i].second + "\"";
    }
    s.metric += "}";
    if (e.contains("value")) s.points.push_back(parse_point(e["value"]));
    if (e.contains("values")) {
      for (const auto& p : e["values"]) s.points.push_back(parse_point(p));
    }
    r.series.push_back(std::move(s));
  }
  return r;
}

inline bool values_equal(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;  // also equal infinities
  double diff = std::fabs(a - b);
  // Relative 1e-9, with an absolute floor for results that cancel to ~0
  // (summation order differs between engines).
  return diff <= 1e-9 * std::max(std::fabs(a), std::fabs(b)) || diff <= 1e-12;
}

// "" when equal, else the first difference. With ordered == false the series
// are compared as a set (instant vectors have no defined order unless sorted).
inline std::string compare_responses(const std::string& want_body, const std::string& got_body,
                                     bool ordered) {
  Response want = parse_response(want_body);
  Response got = parse_response(got_body);
  if (want.status != got.status) {
    return "status: prometheus " + want.status + " (" + want.error + "), promlite " + got.status +
           " (" + got.error + ")";
  }
  if (want.status != "success") {
    if (want.error_type != got.error_type) {
      return "errorType: prometheus " + want.error_type + " (" + want.error + "), promlite " +
             got.error_type + " (" + got.error + ")";
    }
    return "";
  }
  if (want.result_type != got.result_type) {
    return "resultType: prometheus " + want.result_type + ", promlite " + got.result_type;
  }
  if (!ordered) {
    auto by_metric = [](const SeriesResult& a, const SeriesResult& b) {
      return a.metric < b.metric;
    };
    std::sort(want.series.begin(), want.series.end(), by_metric);
    std::sort(got.series.begin(), got.series.end(), by_metric);
  }
  for (size_t i = 0; i < std::max(want.series.size(), got.series.size()); ++i) {
    if (i >= want.series.size()) return "extra series in promlite: " + got.series[i].metric;
    if (i >= got.series.size()) return "series missing in promlite: " + want.series[i].metric;
    const auto& w = want.series[i];
    const auto& g = got.series[i];
    if (w.metric != g.metric) return "series " + w.metric + " (prometheus) vs " + g.metric;
    if (w.points.size() != g.points.size()) {
      return w.metric + ": " + std::to_string(w.points.size()) + " points in prometheus, " +
             std::to_string(g.points.size()) + " in promlite";
    }
    for (size_t k = 0; k < w.points.size(); ++k) {
      if (w.points[k].t_ms != g.points[k].t_ms || !values_equal(w.points[k].v, g.points[k].v)) {
        char buf[200];
        std::snprintf(buf, sizeof buf, ": point %zu: prometheus %.17g @%lld, promlite %.17g @%lld",
                      k, w.points[k].v, static_cast<long long>(w.points[k].t_ms), g.points[k].v,
                      static_cast<long long>(g.points[k].t_ms));
        return w.metric + buf;
      }
    }
  }
  return "";
}

}  // namespace promlite::differential
