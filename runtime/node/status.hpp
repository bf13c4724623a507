// A node's status: what its status probe (protocol::get_node_status, `cleave status`) answers
// and its admin port's dashboard shows. Made from the node's directory at the moment of asking;
// reads counters only, so asking costs the node's components nothing.
//
//   auto s = cleave::node_status_of(*runtime_of(sys)->components,
//                                   {"shop", "main", started, restarts});
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "runtime/component/detail/directory.hpp"
#include "runtime/node/protocol.hpp"

namespace cleave {

/// What the directory does not know about its node.
struct node_identity {
  std::string app;
  std::string node;
  /// When the node started (its uptime counts from there).
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  /// Times `cleave up` restarted the node (its CLEAVE_RESTARTS).
  int32_t restarts = 0;
};

/// The status of the node whose components `dir` lists: pid, uptime, components and their calls
/// served, the replicas it calls, and the call graph's edges of this process.
protocol::node_status node_status_of(const detail::directory& dir, const node_identity& id);

/// CLEAVE_RESTARTS of the environment (set by `cleave up` on a node it restarted), else 0.
int32_t restarts_from_environment();

}  // namespace cleave
