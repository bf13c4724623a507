// `cleave status`: asks every node of a placement for its status probe over the node network.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

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

/// Prints, per node: reachable or not (and why), pid, uptime, components and calls served; a
/// node that a running `cleave up` saw exit 0 is "finished" (up_record.hpp). Returns 0 if every
/// node answered or finished, else 1.
int print_status(const placement& plan, std::chrono::milliseconds timeout);

}  // namespace cleave::tool
