// The Kubernetes pod role: the few pod fields discovery needs, read from the
// API server's JSON without building a document tree (a 500-pod list page is
// streamed pod by pod), and their conversion into a target group exactly as
// Prometheus 3's pod role builds it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/status.h"
#include "scraper/discovery/target_group.h"

namespace promlite::scraper::discovery::kubernetes {

struct ContainerPort {
  std::string name;
  int64_t number = 0;
  std::string protocol;
};

struct Container {
  std::string name;
  std::string image;
  std::vector<ContainerPort> ports;
};

struct ContainerStatus {
  std::string name;
  std::string container_id;
};

struct OwnerReference {
  std::string kind;
  std::string name;
  bool controller = false;
};

using StringPairs = std::vector<std::pair<std::string, std::string>>;

// The subset of a v1.Pod used by the pod role.
struct Pod {
  std::string name;
  std::string namespace_;
  std::string uid;
  std::string resource_version;
  StringPairs labels;
  StringPairs annotations;
  std::vector<OwnerReference> owners;
  std::string node_name;
  std::vector<Container> containers;
  std::vector<Container> init_containers;
  std::string phase;
  std::string pod_ip;
  std::string host_ip;
  std::string start_time;
  StringPairs conditions;  // type -> status
  std::vector<ContainerStatus> container_statuses;
  std::vector<ContainerStatus> init_container_statuses;
};

// What a JSON document from the API server said besides its pods: a list's
// metadata, a watch event's type, or a Status (an error).
struct Envelope {
  std::string kind;              // "PodList", "Status", ... (top level)
  std::string type;              // watch event: ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  std::string resource_version;  // list: metadata.resourceVersion; event: the object's
  std::string continue_token;    // list: metadata.continue
  int64_t status_code = 0;       // Status.code (top level, or the ERROR event's object)
  std::string status_reason;
  std::string status_message;
};

enum class DocumentKind {
  kPod,    // a bare v1.Pod
  kList,   // a v1.PodList: every element of "items" is a pod
  kEvent,  // a watch event: {"type": ..., "object": pod or Status}
};

// Parses one JSON document; `on_pod` runs for each pod as soon as it is read
// (for kEvent also for DELETED/BOOKMARK objects; check the envelope's type).
Result<Envelope> parse_document(std::string_view json, DocumentKind kind,
                                const std::function<void(Pod&&)>& on_pod);

// "pod/<namespace>/<name>": the group source Prometheus uses.
std::string pod_source(std::string_view ns, std::string_view name);

// The pod role's target group: one target per declared container port, one per
// container without ports (address = pod IP), init containers included and
// marked; no targets for a pod without an IP yet or that finished
// (Succeeded/Failed: its IP may already belong to another pod).
TargetGroup build_pod_group(const Pod& pod);

// Prometheus's strutil.SanitizeLabelName: every character outside
// [a-zA-Z0-9_] becomes '_' (one per UTF-8 character).
std::string sanitize_label_name(std::string_view s);

}  // namespace promlite::scraper::discovery::kubernetes
