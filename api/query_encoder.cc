#include "api/query_encoder.h"

#include <cstring>
#include <type_traits>

#include "api/json_writer.h"

namespace promlite::api {

namespace {

void append_labels_json_slow(std::string& out, const model::Labels& labels) {
  out.push_back('{');
  bool first = true;
  for (model::Label l : labels) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, l.name);
    out.push_back(':');
    append_json_string(out, l.value);
  }
  out.push_back('}');
}

}  // namespace

// Label sets without characters to escape (nearly all) are formatted into a
// stack buffer and appended at once: per byte and per label appends cost more
// than the copying (the /series answer is mostly this).
void append_labels_json(std::string& out, const model::Labels& labels) {
  // JSON adds 6 bytes per label ("":"" and a comma) to its name and value,
  // the encoding 2 (two lengths) and a label encodes in at least 3 bytes (a
  // value is never empty): at most 7/3 of the encoded size, plus braces.
  constexpr size_t kBuf = 4096;
  const size_t bound = labels.data().size() * 3 + 2;
  if (bound > kBuf) return append_labels_json_slow(out, labels);
  char buf[kBuf];
  char* p = buf;
  *p++ = '{';
  for (model::Label l : labels) {
    if (!json_plain(l.name) || !json_plain(l.value)) return append_labels_json_slow(out, labels);
    if (p != buf + 1) *p++ = ',';
    *p++ = '"';
    std::memcpy(p, l.name.data(), l.name.size());
    p += l.name.size();
    *p++ = '"';
    *p++ = ':';
    *p++ = '"';
    std::memcpy(p, l.value.data(), l.value.size());
    p += l.value.size();
    *p++ = '"';
  }
  *p++ = '}';
  out.append(buf, p);
}

namespace {

// [t,"v"] into `p` (room for 2 * kMaxNumberChars + 6 bytes).
char* write_point(char* p, model::Timestamp t, double v) {
  *p++ = '[';
  p = write_timestamp(p, t);
  *p++ = ',';
  *p++ = '"';
  p = write_prom_float(p, v);
  *p++ = '"';
  *p++ = ']';
  return p;
}

constexpr size_t kPointChars = 2 * kMaxNumberChars + 6;

// A range query's points, [[t,"v"],...]: formatted through a stack buffer
// and appended a few KB at a time (one append per point costs more than the
// formatting).
void append_points(std::string& out, const std::vector<model::Sample>& points) {
  char buf[4096];
  char* p = buf;
  *p++ = '[';
  for (size_t i = 0; i < points.size(); ++i) {
    if (p > buf + sizeof buf - kPointChars - 1) {
      out.append(buf, p);
      p = buf;
    }
    if (i != 0) *p++ = ',';
    p = write_point(p, points[i].t, points[i].v);
  }
  *p++ = ']';
  out.append(buf, p);
}

// Bytes a label set takes as JSON, roughly (quotes, colons and commas; no
// escapes).
size_t labels_json_size(const model::Labels& labels) { return labels.data().size() * 5 / 4 + 2; }

// Reserves about what a vector or matrix will take, so a large answer is
// written into one allocation instead of through repeated doubling (each
// doubling copies everything written so far and faults in fresh pages).
// Typical points take 20-35 bytes; a low guess costs one more doubling.
size_t estimate(const query::Vector& v) {
  size_t n = 64;
  for (const auto& s : v) n += labels_json_size(s.metric) + 30 + kPointChars / 2;
  return n;
}

size_t estimate(const query::Matrix& m) {
  size_t n = 64;
  for (const auto& s : m) n += labels_json_size(s.metric) + 24 + s.points.size() * 32;
  return n;
}

void append_vector(std::string& out, const query::Vector& v) {
  out.push_back('[');
  bool first = true;
  for (const auto& s : v) {
    out.append(first ? "{\"metric\":" : ",{\"metric\":");
    first = false;
    append_labels_json(out, s.metric);
    char buf[kPointChars + 16];
    char* p = buf;
    for (char c : std::string_view(",\"value\":")) *p++ = c;
    p = write_point(p, s.t, s.v);
    *p++ = '}';
    out.append(buf, p);
  }
  out.push_back(']');
}

void append_matrix(std::string& out, const query::Matrix& m) {
  out.push_back('[');
  bool first = true;
  for (const auto& s : m) {
    out.append(first ? "{\"metric\":" : ",{\"metric\":");
    first = false;
    append_labels_json(out, s.metric);
    // Prometheus leaves "values" out of a series without float points.
    if (!s.points.empty()) {
      out.append(",\"values\":");
      append_points(out, s.points);
    }
    out.push_back('}');
  }
  out.push_back(']');
}

}  // namespace

void write_labels(JsonWriter& w, const model::Labels& labels) {
  w.begin_object();
  for (model::Label l : labels) w.key(l.name).string(l.value);
  w.end_object();
}

void encode_query_data(std::string& out, const query::Value& value) {
  out.append("{\"resultType\":");
  append_json_string(out, query::value_type_name(query::value_type(value)));
  out.append(",\"result\":");
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, query::Scalar>) {
          char buf[kPointChars];
          out.append(buf, write_point(buf, v.t, v.v));
        } else if constexpr (std::is_same_v<T, query::String>) {
          char buf[kMaxNumberChars];
          out.push_back('[');
          out.append(buf, write_timestamp(buf, v.t));
          out.push_back(',');
          append_json_string(out, v.v);
          out.push_back(']');
        } else if constexpr (std::is_same_v<T, query::Vector>) {
          out.reserve(out.size() + estimate(v));
          append_vector(out, v);
        } else {
          out.reserve(out.size() + estimate(v));
          append_matrix(out, v);
        }
      },
      value);
  out.push_back('}');
}

}  // namespace promlite::api
