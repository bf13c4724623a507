// The Compose target of `cleave deploy`: docker-compose.yml with one service per node, all from the
// image of the Dockerfile beside it.
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "apps/cleave/deploy.hpp"
#include "apps/cleave/deploy_text.hpp"

namespace cleave::tool {

namespace {

namespace json = boost::json;

json::object service(const deploy_plan& plan, const deploy_node& node) {
  json::object s;
  s["image"] = plan.image;
  s["build"] = ".";
  s["hostname"] = node.service;
  s["command"] = json::array{"--placement", container_placement, "--node", node.name};
  json::object env;
  for (const auto& [name, value] : plan.env) env[name] = dollars_literal(value);
  // The key passphrase is passed through from the environment of docker-compose, never written.
  const auto& passphrase = plan.plan.security.key_passphrase_env;
  if (plan.tls && !passphrase.empty()) env[passphrase] = "${" + passphrase + "}";
  if (!env.empty()) s["environment"] = std::move(env);
  json::array volumes{std::string{"./placement.json:"} + container_placement + ":ro"};
  if (plan.tls) {
    std::string certs = container_certs;
    volumes.emplace_back("./certs/ca.pem:" + certs + "/ca.pem:ro");
    for (const char* ext : {".pem", ".key"})
      volumes.emplace_back("./certs/nodes/" + node.name + ext + ":" + certs + "/nodes/" +
                           node.name + ext + ":ro");
  }
  if (node.has_state) volumes.emplace_back(node.service + "-state:" + container_state);
  s["volumes"] = std::move(volumes);
  // Only the gateways are published; node and admin ports stay on the Compose network.
  json::array ports;
  for (auto p : node.http_ports)
    if (p != 0) ports.emplace_back(std::to_string(p) + ":" + std::to_string(p));
  if (!ports.empty()) s["ports"] = std::move(ports);
  json::array expose;
  for (auto p : {node.port, node.admin_port})
    if (p != 0) expose.emplace_back(std::to_string(p));
  if (!expose.empty()) s["expose"] = std::move(expose);
  // Exit 0 (a driver that finished) stays down; a crash restarts.
  s["restart"] = "on-failure";
  s["read_only"] = true;
  s["tmpfs"] = json::array{"/tmp"};
  s["cap_drop"] = json::array{"ALL"};
  s["security_opt"] = json::array{"no-new-privileges:true"};
  return s;
}

}  // namespace

std::vector<deploy_file> compose_files(const deploy_plan& plan) {
  json::object services;
  json::object volumes;
  for (const auto& node : plan.nodes) {
    services[node.service] = service(plan, node);
    if (node.has_state) volumes[node.service + "-state"] = json::object{};
  }
  json::object doc;
  doc["version"] = "3.8";
  doc["services"] = std::move(services);
  if (!volumes.empty()) doc["volumes"] = std::move(volumes);
  std::string text = "# App \"" + plan.plan.app +
                     "\", one service per node, made by `cleave deploy` from " + plan.plan.file +
                     ".\n";
  if (plan.tls)
    text += "# Certificates: cleave certs placement.json --out certs (keys readable by uid " +
            std::to_string(container_uid) + ").\n";
  text += "#   docker-compose up --build\n";
  return {{"docker-compose.yml", text + yaml_text(doc)}};
}

}  // namespace cleave::tool
