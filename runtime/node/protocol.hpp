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
  /// Calls its handlers have served since the node started; for an edge (a gateway), the HTTP
  /// requests it answered.
  uint64_t calls = 0;
  /// False if it has ended while the node runs (the node is then not ready).
  bool running = true;
  /// It takes requests from outside (component::edge(): a gateway, the admin port).
  bool edge = false;
};
CLEAVE_MESSAGE(component_status, name, calls, running, edge)

/// One replica of a component a node calls, as that node sees it.
struct replica_status {
  std::string component;
  /// Its node (or, with a registry, its instance).
  std::string replica;
  /// Calls (and retries) this node sent there.
  uint64_t sent = 0;
  /// "here" (on this node), "connected", "down" or "not reached yet".
  std::string state;
  /// This node's circuit breaker for it: "closed", "open", "half_open"; "" = none.
  std::string breaker;
};
CLEAVE_MESSAGE(replica_status, component, replica, sent, state, breaker)

/// One edge of the node's call graph (runtime/component/detail/call_edges.hpp): the calls its
/// component `caller` made to component `callee` (wherever that runs) since the node started.
struct edge_status {
  /// "" for calls from no component (a test, a driver's scenario).
  std::string caller;
  std::string callee;
  uint64_t calls = 0;
  /// Calls that ended with any outcome but ok (the error answers of the callee included).
  uint64_t errors = 0;
  uint64_t latency_sum_us = 0;
  /// How many calls took at most each of detail::call_edge_bounds_us, not cumulative; one more
  /// count for the slower ones.
  std::vector<uint64_t> latency_buckets;
};
CLEAVE_MESSAGE(edge_status, caller, callee, calls, errors, latency_sum_us, latency_buckets)

struct node_status {
  std::string app;
  std::string node;
  int32_t pid = 0;
  int64_t uptime_ms = 0;
  std::vector<component_status> components;
  /// The replicas of every replicated component this node calls, by component.
  std::vector<replica_status> replicas;
  /// Times `cleave up` restarted this node (CLEAVE_RESTARTS in its environment).
  int32_t restarts = 0;
  /// The calls this node's components (and gateways) made, by (caller, callee).
  std::vector<edge_status> edges;
};
CLEAVE_MESSAGE(node_status, app, node, pid, uptime_ms, components, replicas, restarts, edges)

/// The status probe every node answers (`cleave status`).
struct get_node_status {
  using response = node_status;
};
CLEAVE_MESSAGE(get_node_status)

}  // namespace cleave::protocol
