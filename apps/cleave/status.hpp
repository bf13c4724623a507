// `cleave status`: asks every node of a placement for its status probe over the node network.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "runtime/component/detail/directory.hpp"
#include "runtime/placement/placement.hpp"

namespace cleave::tool {

/// A node to ask: one of the placement's, or an instance in the registry.
struct target {
  /// "node store (127.0.0.1:7101)" or "instance store@127.0.0.1:7102".
  std::string label;
  std::string node;
  std::string host;
  uint16_t port = 0;
};

/// The nodes to ask: the registered instances if the placement has a registry that answers,
/// else the placement's nodes. Fills `replicas` (component -> addresses of its instances); sets
/// `exit_code` to 1 if the registry did not answer; says what the registry answered on `notes`
/// (if not null).
std::vector<target> targets_of(const placement& plan, std::chrono::milliseconds timeout,
                               std::map<std::string, std::vector<std::string>>& replicas,
                               int& exit_code, std::ostream* notes);

/// The tool on the node network: an actor system that speaks the nodes' protocol with the tool's
/// own certificate (certs.hpp's tool_identity), for asking nodes for their status (ask_node.hpp).
/// Leaves the network when destroyed.
class tool_network {
 public:
  /// Joins `plan`'s node network; null, with the reason printed on stderr, if it cannot.
  static std::unique_ptr<tool_network> start(const placement& plan);
  ~tool_network();
  tool_network(const tool_network&) = delete;
  tool_network& operator=(const tool_network&) = delete;

  caf::actor_system& system() { return *sys_; }

 private:
  tool_network() = default;

  detail::runtime_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  bool started_ = false;
};

/// Prints, per node: reachable or not (and why), pid, uptime, components and calls served; a
/// node that a running `cleave up` saw exit 0 is "finished" (up_record.hpp). Returns 0 if every
/// node answered or finished, else 1.
int print_status(const placement& plan, std::chrono::milliseconds timeout);

}  // namespace cleave::tool
