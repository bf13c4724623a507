// The messages nodes exchange with each other and with the `cleave` tool, besides component calls.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "runtime/core/message.hpp"

namespace cleave::protocol {

/// Asks a node's gatekeeper for the handle of a component it hosts; unknown_component if it
/// hosts none by that name (only names the placement puts on that node are ever answered).
struct lookup_component {
  std::string name;
  using response = caf::actor;
};
CLEAVE_MESSAGE(lookup_component, name)

struct component_status {
  std::string name;
  /// Calls its handlers have served since the node started.
  uint64_t calls = 0;
  /// False if it has ended while the node runs (the node is then not ready).
  bool running = true;
};
CLEAVE_MESSAGE(component_status, name, calls, running)

struct node_status {
  std::string app;
  std::string node;
  int32_t pid = 0;
  int64_t uptime_ms = 0;
  std::vector<component_status> components;
};
CLEAVE_MESSAGE(node_status, app, node, pid, uptime_ms, components)

/// The status probe every node answers (`cleave status`).
struct get_node_status {
  using response = node_status;
};
CLEAVE_MESSAGE(get_node_status)

}  // namespace cleave::protocol
