// Realistic pod objects, as `kubectl get pod -o json` shows them, for the
// workloads of ../shared/seed: Fluss coordinator (StatefulSet), a Flink
// TaskManager with a sidecar, the producer (Deployment) with an init
// container, plus edge cases.
#pragma once

#include <string>

namespace promlite::scraper::discovery::kubernetes::testdata {

inline std::string fluss_coordinator_pod(const std::string& name = "coordinator-server-0",
                                         const std::string& ip = "10.244.1.17",
                                         const std::string& rv = "88004") {
  return R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":")" + name +
         R"(","namespace":"fluss","uid":"5e1f0c9a-8d2b-4c1e-9f3a-0b7d6e5c4a21","resourceVersion":")" +
         rv + R"(","creationTimestamp":"2026-11-20T08:15:00Z",
  "labels":{"app.kubernetes.io/name":"fluss","app.kubernetes.io/component":"coordinator","controller-revision-hash":"coordinator-server-6b8d9c7f5","statefulset.kubernetes.io/pod-name":")" +
         name + R"("},
  "annotations":{"prometheus.io/scrape":"true","prometheus.io/port":"9249","prometheus.io/path":"/metrics"},
  "ownerReferences":[{"apiVersion":"apps/v1","kind":"StatefulSet","name":"coordinator-server","uid":"0c1d","controller":true,"blockOwnerDeletion":true}],
  "managedFields":[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"2026-11-20T08:15:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"coordinator\"}":{".":{}}}}}}]},
 "spec":{"volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"data-coordinator-server-0"}}],
  "containers":[{"name":"coordinator","image":"apache/fluss:0.7.0","command":["/docker-entrypoint.sh"],"args":["coordinatorServer"],
    "ports":[{"name":"rpc","containerPort":9123,"protocol":"TCP"},{"name":"metrics","containerPort":9249,"protocol":"TCP"}],
    "env":[{"name":"FLUSS_PROPERTIES","value":"metrics.reporter: prometheus\nmetrics.reporter.prometheus.port: 9249"},{"name":"POD_IP","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"status.podIP"}}}],
    "resources":{"requests":{"cpu":"500m","memory":"1Gi"}},
    "livenessProbe":{"tcpSocket":{"port":9123},"initialDelaySeconds":30,"periodSeconds":10},
    "volumeMounts":[{"name":"data","mountPath":"/tmp/fluss/data"}],"imagePullPolicy":"IfNotPresent"}],
  "restartPolicy":"Always","nodeName":"worker-1","serviceAccountName":"default",
  "tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]},
 "status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True","lastTransitionTime":"2026-11-20T08:15:40Z"},{"type":"ContainersReady","status":"True"},{"type":"PodScheduled","status":"True"}],
  "hostIP":"172.18.0.3","hostIPs":[{"ip":"172.18.0.3"}],"podIP":")" +
         ip + R"(","podIPs":[{"ip":")" + ip + R"("}],"startTime":"2026-11-20T08:15:02Z",
  "containerStatuses":[{"name":"coordinator","state":{"running":{"startedAt":"2026-11-20T08:15:10Z"}},"ready":true,"restartCount":0,"image":"docker.io/apache/fluss:0.7.0","imageID":"docker.io/apache/fluss@sha256:ab12","containerID":"containerd://1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00","started":true}],
  "qosClass":"Burstable"}})";
}

inline std::string flink_taskmanager_pod() {
  return R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"aggregator-taskmanager-1-1","namespace":"flink","uid":"77aa","resourceVersion":"88010",
  "labels":{"app":"aggregator","component":"taskmanager","type":"flink-native-kubernetes"},
  "annotations":{"prometheus.io/scrape":"true","prometheus.io/port":"9249"},
  "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"aggregator-taskmanager","uid":"1","controller":true}]},
 "spec":{"containers":[
   {"name":"flink-main-container","image":"flink:1.20-java17","ports":[{"name":"rpc","containerPort":6122,"protocol":"TCP"},{"name":"metrics","containerPort":9249,"protocol":"TCP"}]},
   {"name":"log-shipper","image":"fluent/fluent-bit:3.1"}],
  "nodeName":"worker-2"},
 "status":{"phase":"Running","podIP":"10.244.2.31","hostIP":"172.18.0.4",
  "conditions":[{"type":"Ready","status":"False"}],
  "containerStatuses":[{"name":"log-shipper","containerID":"containerd://b2"},{"name":"flink-main-container","containerID":"containerd://b1"}]}})";
}

inline std::string producer_pod(const std::string& ip = "10.244.3.8") {
  return R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"producer-7d9f8b6c5-x2k4q","namespace":"fluss","uid":"9f9f","resourceVersion":"88121",
  "labels":{"app":"producer","pod-template-hash":"7d9f8b6c5"},
  "annotations":{"prometheus.io/scrape":"true","prometheus.io/port":"8080","kubectl.kubernetes.io/restartedAt":"2026-11-21T10:00:00Z"},
  "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"producer-7d9f8b6c5","uid":"2","controller":true}]},
 "spec":{"initContainers":[{"name":"wait-for-fluss","image":"busybox:1.36","command":["sh","-c","until nc -z coordinator-server 9123; do sleep 2; done"],"ports":[{"containerPort":8080,"protocol":"TCP"}]}],
  "containers":[{"name":"producer","image":"fluss-producer:1.4.2","env":[{"name":"FLUSS_BOOTSTRAP","value":"coordinator-server:9123"}]}],
  "nodeName":"worker-3"},
 "status":{"phase":"Running","podIP":")" +
         ip + R"(","hostIP":"172.18.0.5","startTime":"2026-11-21T10:00:03Z",
  "conditions":[{"type":"Ready","status":"True"}],
  "initContainerStatuses":[{"name":"wait-for-fluss","state":{"terminated":{"exitCode":0,"reason":"Completed"}},"containerID":"containerd://init999"}],
  "containerStatuses":[{"name":"producer","containerID":"containerd://aaa111"}]}})";
}

inline std::string pending_pod() {
  return R"({"metadata":{"name":"tablet-server-2","namespace":"fluss","uid":"u3","annotations":{"prometheus.io/scrape":"true"}},
 "spec":{"containers":[{"name":"tablet","image":"apache/fluss:0.7.0","ports":[{"containerPort":9249,"protocol":"TCP"}]}]},
 "status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable"}]}})";
}

inline std::string finished_pod(const std::string& phase) {
  return R"({"metadata":{"name":"migrate-abc12","namespace":"jobs","uid":"u4","ownerReferences":[{"kind":"Job","name":"migrate","controller":true}]},
 "spec":{"containers":[{"name":"migrate","image":"migrate:1","ports":[{"containerPort":8080,"protocol":"TCP"}]}],"nodeName":"worker-1"},
 "status":{"phase":")" +
         phase + R"(","podIP":"10.244.1.99","hostIP":"172.18.0.3"}})";
}

inline std::string ipv6_pod() {
  return "{\"metadata\":{\"name\":\"v6\",\"namespace\":\"default\",\"uid\":\"u5\","
         "\"labels\":{\"example.com/tier-name\":\"db\"},\"annotations\":{\"n\xc3\xa4me\":\"v\"},"
         "\"ownerReferences\":[{\"kind\":\"Node\",\"name\":\"n1\",\"controller\":false}]},"
         "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\",\"ports\":[{\"containerPort\":"
         "9249,\"protocol\":\"TCP\"}]}]},"
         "\"status\":{\"phase\":\"Running\",\"podIP\":\"fd00:10:244::5\"}}";
}

}  // namespace promlite::scraper::discovery::kubernetes::testdata
