#include "scraper/discovery/kubernetes/pod.h"

#include <nlohmann/json.hpp>

#include "scraper/target_labels.h"

namespace promlite::scraper::discovery::kubernetes {

namespace {

using json = nlohmann::json;

constexpr size_t kMaxDepth = 128;

// A SAX handler that follows the path of the value being read and keeps only
// the pod fields of pod.h. Pods are handed out one by one as they end.
class PodReader : public nlohmann::json_sax<json> {
 public:
  PodReader(DocumentKind kind, const std::function<void(Pod&&)>& on_pod)
      : kind_(kind), on_pod_(on_pod) {}

  Envelope envelope;
  std::string error;

  bool null() override { return true; }
  bool boolean(bool v) override {
    if (in_pod_ && rel_is({"metadata", "ownerReferences", "[]"}) && key_ == "controller") {
      pod_.owners.back().controller = v;
    }
    return true;
  }
  bool number_integer(number_integer_t v) override { return integer(v); }
  bool number_unsigned(number_unsigned_t v) override {
    return integer(v > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v));
  }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool string(string_t& v) override {
    on_string(v);
    return true;
  }
  bool key(string_t& k) override {
    key_ = k;
    return true;
  }
  bool start_object(std::size_t) override { return open(false); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    error = ex.what();
    (void)position;
    return false;
  }

 private:
  struct Frame {
    std::string name;  // key in the parent object, "[]" for an array element
    bool array = false;
  };

  // The frame index at which a pod object sits, for this document kind.
  bool at_pod_position() const {
    switch (kind_) {
      case DocumentKind::kPod:
        return frames_.size() == 1;
      case DocumentKind::kList:
        return frames_.size() == 3 && frames_[1].name == "items" && frames_[1].array;
      case DocumentKind::kEvent:
        return frames_.size() == 2 && frames_[1].name == "object";
    }
    return false;
  }

  // Whether the frames below the pod object are exactly `names`.
  bool rel_is(std::initializer_list<std::string_view> names) const {
    if (frames_.size() != pod_frame_ + 1 + names.size()) return false;
    size_t i = pod_frame_ + 1;
    for (auto n : names) {
      if (frames_[i++].name != n) return false;
    }
    return true;
  }

  bool open(bool array) {
    if (frames_.size() >= kMaxDepth) {
      error = "JSON nesting too deep";
      return false;
    }
    std::string name;
    if (!frames_.empty()) name = frames_.back().array ? "[]" : key_;
    frames_.push_back({std::move(name), array});
    if (array) return true;
    if (!in_pod_ && at_pod_position()) {
      in_pod_ = true;
      pod_frame_ = frames_.size() - 1;
      pod_ = Pod{};
      return true;
    }
    if (!in_pod_) return true;
    if (rel_is({"metadata", "ownerReferences", "[]"})) {
      pod_.owners.emplace_back();
    } else if (rel_is({"spec", "containers", "[]"})) {
      pod_.containers.emplace_back();
    } else if (rel_is({"spec", "initContainers", "[]"})) {
      pod_.init_containers.emplace_back();
    } else if (rel_is({"spec", "containers", "[]", "ports", "[]"})) {
      pod_.containers.back().ports.emplace_back();
    } else if (rel_is({"spec", "initContainers", "[]", "ports", "[]"})) {
      pod_.init_containers.back().ports.emplace_back();
    } else if (rel_is({"status", "conditions", "[]"})) {
      pod_.conditions.emplace_back();
    } else if (rel_is({"status", "containerStatuses", "[]"})) {
      pod_.container_statuses.emplace_back();
    } else if (rel_is({"status", "initContainerStatuses", "[]"})) {
      pod_.init_container_statuses.emplace_back();
    }
    return true;
  }

  bool close() {
    if (in_pod_ && frames_.size() - 1 == pod_frame_) {
      in_pod_ = false;
      if (kind_ != DocumentKind::kList) envelope.resource_version = pod_.resource_version;
      on_pod_(std::move(pod_));
      pod_ = Pod{};
    }
    frames_.pop_back();
    return true;
  }

  bool integer(int64_t v) {
    if (frames_.size() == 1 && key_ == "code") envelope.status_code = v;
    if (kind_ == DocumentKind::kEvent && frames_.size() == 2 && frames_[1].name == "object" &&
        key_ == "code") {
      envelope.status_code = v;
    }
    if (!in_pod_ || key_ != "containerPort") return true;
    if (rel_is({"spec", "containers", "[]", "ports", "[]"})) {
      pod_.containers.back().ports.back().number = v;
    } else if (rel_is({"spec", "initContainers", "[]", "ports", "[]"})) {
      pod_.init_containers.back().ports.back().number = v;
    }
    return true;
  }

  void on_envelope_string(std::string& v) {
    if (frames_.size() == 1) {
      if (key_ == "kind") envelope.kind = v;
      if (key_ == "type") envelope.type = v;
      if (key_ == "reason") envelope.status_reason = v;
      if (key_ == "message") envelope.status_message = v;
      return;
    }
    if (frames_.size() == 2 && frames_[1].name == "metadata" && kind_ == DocumentKind::kList) {
      if (key_ == "resourceVersion") envelope.resource_version = v;
      if (key_ == "continue") envelope.continue_token = v;
      return;
    }
    if (kind_ == DocumentKind::kEvent && frames_.size() == 2 && frames_[1].name == "object") {
      // An ERROR event carries a Status as its object.
      if (key_ == "reason") envelope.status_reason = v;
      if (key_ == "message") envelope.status_message = v;
    }
  }

  void on_string(std::string& v) {
    on_envelope_string(v);
    if (!in_pod_ || frames_.back().array) return;
    if (rel_is({"metadata"})) {
      if (key_ == "name")
        pod_.name = std::move(v);
      else if (key_ == "namespace")
        pod_.namespace_ = std::move(v);
      else if (key_ == "uid")
        pod_.uid = std::move(v);
      else if (key_ == "resourceVersion")
        pod_.resource_version = std::move(v);
    } else if (rel_is({"metadata", "labels"})) {
      pod_.labels.emplace_back(key_, std::move(v));
    } else if (rel_is({"metadata", "annotations"})) {
      pod_.annotations.emplace_back(key_, std::move(v));
    } else if (rel_is({"metadata", "ownerReferences", "[]"})) {
      if (key_ == "kind")
        pod_.owners.back().kind = std::move(v);
      else if (key_ == "name")
        pod_.owners.back().name = std::move(v);
    } else if (rel_is({"spec"})) {
      if (key_ == "nodeName") pod_.node_name = std::move(v);
    } else if (rel_is({"spec", "containers", "[]"})) {
      container_field(pod_.containers.back(), v);
    } else if (rel_is({"spec", "initContainers", "[]"})) {
      container_field(pod_.init_containers.back(), v);
    } else if (rel_is({"spec", "containers", "[]", "ports", "[]"})) {
      port_field(pod_.containers.back().ports.back(), v);
    } else if (rel_is({"spec", "initContainers", "[]", "ports", "[]"})) {
      port_field(pod_.init_containers.back().ports.back(), v);
    } else if (rel_is({"status"})) {
      if (key_ == "phase")
        pod_.phase = std::move(v);
      else if (key_ == "podIP")
        pod_.pod_ip = std::move(v);
      else if (key_ == "hostIP")
        pod_.host_ip = std::move(v);
      else if (key_ == "startTime")
        pod_.start_time = std::move(v);
    } else if (rel_is({"status", "conditions", "[]"})) {
      if (key_ == "type")
        pod_.conditions.back().first = std::move(v);
      else if (key_ == "status")
        pod_.conditions.back().second = std::move(v);
    } else if (rel_is({"status", "containerStatuses", "[]"})) {
      status_field(pod_.container_statuses.back(), v);
    } else if (rel_is({"status", "initContainerStatuses", "[]"})) {
      status_field(pod_.init_container_statuses.back(), v);
    }
  }

  void container_field(Container& c, std::string& v) {
    if (key_ == "name")
      c.name = std::move(v);
    else if (key_ == "image")
      c.image = std::move(v);
  }
  void port_field(ContainerPort& p, std::string& v) {
    if (key_ == "name")
      p.name = std::move(v);
    else if (key_ == "protocol")
      p.protocol = std::move(v);
  }
  void status_field(ContainerStatus& s, std::string& v) {
    if (key_ == "name")
      s.name = std::move(v);
    else if (key_ == "containerID")
      s.container_id = std::move(v);
  }

  DocumentKind kind_;
  const std::function<void(Pod&&)>& on_pod_;
  std::vector<Frame> frames_;
  std::string key_;
  bool in_pod_ = false;
  size_t pod_frame_ = 0;
  Pod pod_;
};

constexpr std::string_view kMeta = "__meta_kubernetes_";

std::string_view container_id(const std::vector<ContainerStatus>& statuses,
                              const std::string& name) {
  for (const auto& s : statuses) {
    if (s.name == name) return s.container_id;
  }
  return {};
}

std::string join_host_port(const std::string& host, int64_t port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

}  // namespace

Result<Envelope> parse_document(std::string_view text, DocumentKind kind,
                                const std::function<void(Pod&&)>& on_pod) {
  PodReader reader(kind, on_pod);
  bool ok = json::sax_parse(text.begin(), text.end(), &reader);
  if (!ok) {
    return invalid_argument("invalid JSON from the Kubernetes API: " +
                            (reader.error.empty() ? std::string("parse error") : reader.error));
  }
  return std::move(reader.envelope);
}

std::string pod_source(std::string_view ns, std::string_view name) {
  std::string s = "pod/";
  s.append(ns);
  s += '/';
  s.append(name);
  return s;
}

std::string sanitize_label_name(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
      out += static_cast<char>(c);
      continue;
    }
    out += '_';
    // Skip the continuation bytes of a multi-byte UTF-8 character.
    while (c >= 0x80 && i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80) {
      ++i;
    }
  }
  return out;
}

TargetGroup build_pod_group(const Pod& pod) {
  TargetGroup g;
  g.source = pod_source(pod.namespace_, pod.name);
  if (pod.pod_ip.empty() || pod.phase == "Succeeded" || pod.phase == "Failed") return g;

  std::vector<std::pair<std::string, std::string>> ls;
  ls.reserve(12 + 2 * (pod.labels.size() + pod.annotations.size()));
  auto meta = [&](std::string_view suffix, std::string_view value) {
    std::string name(kMeta);
    name.append(suffix);
    ls.emplace_back(std::move(name), std::string(value));
  };
  meta("namespace", pod.namespace_);
  meta("pod_name", pod.name);
  meta("pod_ip", pod.pod_ip);
  std::string ready = "unknown";
  for (const auto& [type, status] : pod.conditions) {
    if (type == "Ready") {
      ready = status;
      for (auto& c : ready) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      break;
    }
  }
  meta("pod_ready", ready);
  meta("pod_phase", pod.phase);
  meta("pod_node_name", pod.node_name);
  meta("pod_host_ip", pod.host_ip);
  meta("pod_uid", pod.uid);
  // Not a Prometheus label: the pod's start time (RFC 3339), as the API gives it.
  meta("pod_start_time", pod.start_time);
  for (const auto& o : pod.owners) {
    if (!o.controller) continue;
    meta("pod_controller_kind", o.kind);
    meta("pod_controller_name", o.name);
    break;
  }
  for (const auto& [k, v] : pod.labels) {
    std::string n = sanitize_label_name(k);
    meta("pod_label_" + n, v);
    meta("pod_labelpresent_" + n, "true");
  }
  for (const auto& [k, v] : pod.annotations) {
    std::string n = sanitize_label_name(k);
    meta("pod_annotation_" + n, v);
    meta("pod_annotationpresent_" + n, "true");
  }
  g.labels = model::Labels::from_pairs(std::move(ls));

  auto add = [&](const Container& c, bool init) {
    std::string_view cid =
        container_id(init ? pod.init_container_statuses : pod.container_statuses, c.name);
    std::string_view is_init = init ? "true" : "false";
    if (c.ports.empty()) {
      g.targets.push_back(model::Labels{{kAddressLabel, pod.pod_ip},
                                        {"__meta_kubernetes_pod_container_name", c.name},
                                        {"__meta_kubernetes_pod_container_id", cid},
                                        {"__meta_kubernetes_pod_container_image", c.image},
                                        {"__meta_kubernetes_pod_container_init", is_init}});
      return;
    }
    for (const auto& p : c.ports) {
      std::string number = std::to_string(p.number);
      g.targets.push_back(
          model::Labels{{kAddressLabel, join_host_port(pod.pod_ip, p.number)},
                        {"__meta_kubernetes_pod_container_name", c.name},
                        {"__meta_kubernetes_pod_container_id", cid},
                        {"__meta_kubernetes_pod_container_image", c.image},
                        {"__meta_kubernetes_pod_container_port_number", number},
                        {"__meta_kubernetes_pod_container_port_name", p.name},
                        {"__meta_kubernetes_pod_container_port_protocol", p.protocol},
                        {"__meta_kubernetes_pod_container_init", is_init}});
    }
  };
  for (const auto& c : pod.containers) add(c, false);
  for (const auto& c : pod.init_containers) add(c, true);
  return g;
}

}  // namespace promlite::scraper::discovery::kubernetes
