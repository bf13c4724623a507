// `cleave deploy`: turns a placement into the files an orchestrator runs (docs/deploy.md). The
// placement is loaded and validated as every node would load it, then rewritten for the target
// (node addresses become service names in containers, state files move into the state folder,
// certificates come from a fixed folder), and each target writes its files from that one plan:
//
//   cleave::tool::deploy_options opts;
//   opts.file = "configs/counter/split.json";
//   opts.target = cleave::tool::deploy_target::compose;
//   auto plan = cleave::tool::make_deploy_plan(opts);       // refuses what cannot be deployed
//   if (!plan) { std::cerr << cleave::what(plan.error()); return 2; }
//   auto files = cleave::tool::write_deploy_files(*plan, opts, "deploy/compose");
//
// Part of the cleave tool, not of the runtime's API.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "runtime/placement/placement.hpp"

namespace cleave::tool {

// -- options ------------------------------------------------------------------

/// What runs the nodes.
enum class deploy_target { systemd, compose, kubernetes };

/// "systemd", "compose" or "kubernetes".
const char* to_string(deploy_target target);

/// The command line of `cleave deploy`.
struct deploy_options {
  /// The placement file.
  std::string file;
  /// Each --set PATH=VALUE, in order; they end up in the generated placement.
  std::vector<std::string> overrides;
  /// --to.
  deploy_target target = deploy_target::systemd;
  /// --bin: the app binary copied for the Dockerfile; "" = <app> beside the cleave binary.
  std::string bin;
  /// --bin-dir (systemd): the folder the app binary is installed in. Default /usr/local/bin.
  std::string bin_dir = "/usr/local/bin";
  /// --config-dir (systemd): where the placement, the environment file and the certificates are
  /// installed. "" = /etc/cleave/<app>.
  std::string config_dir;
  /// --state-dir (systemd): the one folder the units may write, holding every state file.
  /// "" = /var/lib/cleave-<app> (made by systemd: StateDirectory=).
  std::string state_dir;
  /// --image (compose, kubernetes): the image the Dockerfile builds. "" = cleave-<app>:latest.
  std::string image;
  /// --admin-port (compose, kubernetes): the admin port given to nodes that have none (the
  /// probes use it). Default 9901.
  uint16_t admin_port = 9901;
  /// Each --replicas NODE=N (kubernetes): pods of that node's Deployment, each an instance
  /// registered in the placement's registry. Nodes not listed run one pod.
  std::map<std::string, int> replicas;
};

// -- the plan -----------------------------------------------------------------

/// One node as the target runs it.
struct deploy_node {
  /// The node's name in the placement (`--node NAME`).
  std::string name;
  /// Its service name: the host others dial in containers; a DNS label made from the name.
  std::string service;
  /// The node port (0: none, a single-node placement).
  uint16_t port = 0;
  /// The admin port (0: none).
  uint16_t admin_port = 0;
  /// The HTTP ports of the gateways placed on it.
  std::vector<uint16_t> http_ports;
  /// True if a component on it keeps a state file.
  bool has_state = false;
  /// Pods of its Deployment (kubernetes). With more than one, or when asked with --replicas,
  /// `instances` is set: each pod listens at its own address and registers it.
  int replicas = 1;
  bool instances = false;
};

/// A placement made ready for one target.
struct deploy_plan {
  /// The placement as loaded (expanded, overridden, validated).
  placement plan;
  /// The placement file to write, with `${VAR}`s kept where the target did not rewrite a field.
  boost::json::object doc;
  /// Every `${VAR}` the written placement uses, with its value now (environment, else default).
  std::map<std::string, std::string> env;
  /// The nodes, by name.
  std::vector<deploy_node> nodes;
  /// True if nodes speak mutual TLS: they need certificates.
  bool tls = false;
  /// The app's name as a DNS label (image and object names).
  std::string app_label;
  /// The resolved options: config dir, state dir and image with their defaults filled in.
  std::string config_dir;
  std::string state_dir;
  std::string image;
  /// Things the user should look at, one line each (loopback addresses left in a container).
  std::vector<std::string> notes;
};

/// Where files go in the image and in containers.
inline constexpr const char* container_placement = "/etc/cleave/placement.json";
inline constexpr const char* container_certs = "/etc/cleave/certs";
inline constexpr const char* container_state = "/var/lib/cleave";
inline constexpr const char* container_bin = "/usr/local/bin";
/// The uid and gid of the image's user "cleave".
inline constexpr int container_uid = 10001;

/// Loads the placement and makes it ready for `opts.target`; invalid_placement naming the file
/// (or invalid_argument naming the option) if it cannot be deployed as asked.
caf::expected<deploy_plan> make_deploy_plan(const deploy_options& opts);

/// Writes the target's files into `dir` (made if missing) and returns their paths.
caf::expected<std::vector<std::string>> write_deploy_files(const deploy_plan& plan,
                                                           const deploy_options& opts,
                                                           const std::string& dir);

// -- the targets (deploy_<target>.cpp) ------------------------------------------

/// A file to write: its name in the output folder and its text.
struct deploy_file {
  std::string name;
  std::string text;
  /// File mode.
  unsigned mode = 0644;
};

/// The Dockerfile (deploy_dockerfile.cpp).
deploy_file dockerfile(const deploy_plan& plan);

/// The Debian 12 packages of the shared libraries the app and its modules load.
const std::vector<std::string>& runtime_packages();

/// One unit per node and the environment file (deploy_systemd.cpp).
std::vector<deploy_file> systemd_files(const deploy_plan& plan, const deploy_options& opts);

/// docker-compose.yml (deploy_compose.cpp).
std::vector<deploy_file> compose_files(const deploy_plan& plan);

/// The Kubernetes objects and the script that makes the certificate Secrets
/// (deploy_kubernetes.cpp).
std::vector<deploy_file> kubernetes_files(const deploy_plan& plan);

}  // namespace cleave::tool
