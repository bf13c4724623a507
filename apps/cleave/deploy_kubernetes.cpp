// The Kubernetes target of `cleave deploy`: the placement as a ConfigMap, and per node a
// Deployment of one pod, a Service named as the node's host, and a PersistentVolumeClaim when the
// node keeps state; plus secrets.sh, which makes each node's certificate Secret.
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "apps/cleave/deploy.hpp"
#include "apps/cleave/deploy_text.hpp"

namespace cleave::tool {

namespace {

namespace json = boost::json;

json::object labels(const deploy_plan& plan, const deploy_node& node) {
  return {{"app.kubernetes.io/name", node.service},
          {"app.kubernetes.io/part-of", plan.app_label},
          {"app.kubernetes.io/managed-by", "cleave-deploy"}};
}

json::object metadata(const deploy_plan& plan, const std::string& name,
                      const deploy_node* node = nullptr) {
  json::object m{{"name", name}};
  if (node != nullptr)
    m["labels"] = labels(plan, *node);
  else
    m["labels"] = json::object{{"app.kubernetes.io/part-of", plan.app_label},
                               {"app.kubernetes.io/managed-by", "cleave-deploy"}};
  return m;
}

/// The node's ports with their names (Service and container port names are IANA_SVC_NAMEs).
std::vector<std::pair<std::string, uint16_t>> named_ports(const deploy_node& node) {
  std::vector<std::pair<std::string, uint16_t>> out;
  if (node.port != 0) out.emplace_back("peer", node.port);
  if (node.admin_port != 0) out.emplace_back("admin", node.admin_port);
  int n = 0;
  for (auto p : node.http_ports) {
    if (p == 0) continue;
    out.emplace_back(n == 0 ? std::string{"http"} : "http-" + std::to_string(n + 1), p);
    ++n;
  }
  return out;
}

json::object service(const deploy_plan& plan, const deploy_node& node) {
  json::array ports;
  for (const auto& [name, port] : named_ports(node))
    ports.emplace_back(
        json::object{{"name", name}, {"port", port}, {"targetPort", name}, {"protocol", "TCP"}});
  json::object spec{{"selector", json::object{{"app.kubernetes.io/name", node.service},
                                              {"app.kubernetes.io/part-of", plan.app_label}}},
                    {"ports", std::move(ports)},
                    // Peers connect before a node is ready: its /readyz waits for the nodes it
                    // calls, which may be waiting for it.
                    {"publishNotReadyAddresses", true}};
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", metadata(plan, node.service, &node)},
          {"spec", std::move(spec)}};
}

json::object claim(const deploy_plan& plan, const deploy_node& node) {
  json::object spec{{"accessModes", json::array{"ReadWriteOnce"}},
                    {"resources", json::object{{"requests", json::object{{"storage", "1Gi"}}}}}};
  return {{"apiVersion", "v1"},
          {"kind", "PersistentVolumeClaim"},
          {"metadata", metadata(plan, node.service + "-state", &node)},
          {"spec", std::move(spec)}};
}

json::object probe(const char* path, int period, int failures) {
  return {{"httpGet", json::object{{"path", path}, {"port", "admin"}}},
          {"periodSeconds", period},
          {"timeoutSeconds", 2},
          {"failureThreshold", failures}};
}

json::object deployment(const deploy_plan& plan, const deploy_node& node,
                        const std::string& config_map) {
  std::string etc = "/etc/cleave";
  json::array env;
  for (const auto& [name, value] : plan.env)
    env.emplace_back(json::object{{"name", name}, {"value", dollars_literal(value)}});
  // The key passphrase comes from a Secret that secrets.sh makes, never from the manifest.
  const auto& passphrase = plan.plan.security.key_passphrase_env;
  if (plan.tls && !passphrase.empty())
    env.emplace_back(json::object{
        {"name", passphrase},
        {"valueFrom",
         json::object{{"secretKeyRef", json::object{{"name", plan.app_label + "-key-passphrase"},
                                                    {"key", "passphrase"}}}}}});
  json::array ports;
  for (const auto& [name, port] : named_ports(node))
    ports.emplace_back(json::object{{"name", name}, {"containerPort", port}, {"protocol", "TCP"}});
  json::array mounts{json::object{{"name", "placement"},
                                  {"mountPath", etc + "/placement.json"},
                                  {"subPath", "placement.json"},
                                  {"readOnly", true}},
                     json::object{{"name", "tmp"}, {"mountPath", "/tmp"}}};
  json::array volumes{
      json::object{{"name", "placement"}, {"configMap", json::object{{"name", config_map}}}},
      json::object{{"name", "tmp"}, {"emptyDir", json::object{}}}};
  if (plan.tls) {
    mounts.emplace_back(
        json::object{{"name", "certs"}, {"mountPath", container_certs}, {"readOnly", true}});
    json::array items{json::object{{"key", "ca.pem"}, {"path", "ca.pem"}},
                      json::object{{"key", "node.pem"}, {"path", "nodes/" + node.name + ".pem"}},
                      json::object{{"key", "node.key"}, {"path", "nodes/" + node.name + ".key"}}};
    // Group-readable: the files belong to root and to the pod's fsGroup, the image's user.
    volumes.emplace_back(
        json::object{{"name", "certs"},
                     {"secret", json::object{{"secretName", node.service + "-certs"},
                                             {"items", std::move(items)},
                                             {"defaultMode", 0440}}}});
  }
  if (node.has_state) {
    mounts.emplace_back(json::object{{"name", "state"}, {"mountPath", container_state}});
    volumes.emplace_back(json::object{
        {"name", "state"},
        {"persistentVolumeClaim", json::object{{"claimName", node.service + "-state"}}}});
  }
  json::array args{"--placement", etc + "/placement.json", "--node", node.name};
  if (node.instances) {
    // Each pod an instance: it listens at its own address and registers it in the registry,
    // where callers find every pod (docs/placement.md, "registry").
    env.emplace_back(json::object{
        {"name", "POD_IP"},
        {"valueFrom", json::object{{"fieldRef", json::object{{"fieldPath", "status.podIP"}}}}}});
    args.emplace_back("--set");
    args.emplace_back("nodes." + node.name + ".host=$(POD_IP)");
  }
  json::object container{
      {"name", node.service},
      {"image", plan.image},
      {"imagePullPolicy", "IfNotPresent"},
      {"args", std::move(args)},
      {"ports", std::move(ports)},
      {"readinessProbe", probe("/readyz", 5, 3)},
      {"livenessProbe", probe("/healthz", 10, 3)},
      {"volumeMounts", std::move(mounts)},
      {"securityContext",
       json::object{{"allowPrivilegeEscalation", false},
                    {"readOnlyRootFilesystem", true},
                    {"capabilities", json::object{{"drop", json::array{"ALL"}}}}}}};
  if (!env.empty()) container["env"] = std::move(env);
  json::object pod{
      // The node binds the address of its host, its own name: the pod's hostname, which
      // Kubernetes puts in the pod's /etc/hosts with the pod's address.
      {"hostname", node.service},
      {"securityContext",
       json::object{{"runAsNonRoot", true},
                    {"runAsUser", container_uid},
                    {"runAsGroup", container_uid},
                    {"fsGroup", container_uid},
                    {"seccompProfile", json::object{{"type", "RuntimeDefault"}}}}},
      {"containers", json::array{std::move(container)}},
      {"volumes", std::move(volumes)}};
  json::object spec{
      // One pod per node unless its pods are interchangeable instances (docs/deploy.md).
      {"replicas", node.replicas},
      // Never two pods of a named node at once (two owners of its keys and state file).
      {"strategy", json::object{{"type", node.instances ? "RollingUpdate" : "Recreate"}}},
      {"selector",
       json::object{{"matchLabels", json::object{{"app.kubernetes.io/name", node.service},
                                                 {"app.kubernetes.io/part-of", plan.app_label}}}}},
      {"template", json::object{{"metadata", json::object{{"labels", labels(plan, node)}}},
                                {"spec", std::move(pod)}}}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", metadata(plan, node.service, &node)},
          {"spec", std::move(spec)}};
}

std::string secrets_script(const deploy_plan& plan) {
  std::string t = "#!/bin/sh\n";
  t += "# Makes the Secret holding each node's certificates of app \"" + plan.plan.app +
       "\" from the folder\n# `cleave certs placement.json --out DIR` filled (default: certs).\n";
  t += "#   ./secrets.sh [DIR] [kubectl options, e.g. --namespace NS]\n";
  t += "set -eu\ncerts=${1:-certs}\n[ $# -eq 0 ] || shift\n";
  const auto& passphrase = plan.plan.security.key_passphrase_env;
  if (!passphrase.empty())
    t += "kubectl create secret generic " + plan.app_label +
         "-key-passphrase \"$@\" --dry-run=client -o yaml \\\n" +
         "  --from-literal=passphrase=\"${" + passphrase + ":?set " + passphrase +
         " to the node keys' passphrase}\" | kubectl apply \"$@\" -f -\n";
  for (const auto& node : plan.nodes)
    t += "kubectl create secret generic " + node.service +
         "-certs \"$@\" --dry-run=client -o yaml \\\n" +
         "  --from-file=ca.pem=\"$certs/ca.pem\" \\\n" + "  --from-file=node.pem=\"$certs/nodes/" +
         node.name + ".pem\" \\\n" + "  --from-file=node.key=\"$certs/nodes/" + node.name +
         ".key\" | kubectl apply \"$@\" -f -\n";
  return t;
}

}  // namespace

std::vector<deploy_file> kubernetes_files(const deploy_plan& plan) {
  auto config_map = plan.app_label + "-placement";
  std::vector<json::object> objects;
  objects.push_back({{"apiVersion", "v1"},
                     {"kind", "ConfigMap"},
                     {"metadata", metadata(plan, config_map)},
                     {"data", json::object{{"placement.json", pretty_json(plan.doc)}}}});
  for (const auto& node : plan.nodes) {
    objects.push_back(service(plan, node));
    if (node.has_state) objects.push_back(claim(plan, node));
    objects.push_back(deployment(plan, node, config_map));
  }
  std::string text =
      "# App \"" + plan.plan.app + "\", made by `cleave deploy` from " + plan.plan.file + ".\n";
  if (plan.tls) text += "# First make the certificate Secrets: ./secrets.sh\n";
  text += "#   kubectl apply -f kubernetes.yaml\n";
  bool first = true;
  for (const auto& o : objects) {
    if (!first) text += "---\n";
    first = false;
    text += yaml_text(o);
  }
  std::vector<deploy_file> files{{"kubernetes.yaml", text}};
  if (plan.tls) files.push_back({"secrets.sh", secrets_script(plan), 0755});
  return files;
}

}  // namespace cleave::tool
