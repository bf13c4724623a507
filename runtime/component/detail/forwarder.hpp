// Forwarders: the local stand-in for a component that callers must not reach directly.
//
// Remote mode: the component runs on another node. The forwarder connects to that node (bounded),
// looks the component up at the node's gatekeeper, monitors it and forwards calls. A call waits for
// a connection until its deadline, or at most 25 ms once the node is known to be down (it refused
// a connection, or its connection was lost; a node never reached yet is not known down during
// "defaults.startup_grace_ms", so that nodes may start in any order); an attempt
// that fails fails the calls waiting for it at once with `unavailable` (they were never sent), and
// while the node stays down the forwarder retries in the background (backoff 10 ms to 500 ms), so
// a node that comes back is used again without a restart of its callers. When the connection is
// lost every call in flight fails at once with `outcome_unknown` (it was sent and may have been
// applied; CAF 0.17 would let it run into its timeout); the next connection looks the component up
// again: a restarted node is a new CAF node, so old handles would stay dead for ever.
//
// The component answers the caller directly (like CAF's delegate): replies never pass through the
// forwarder, which keeps each reply handle only until the call's deadline, to fail the call if the
// connection is lost first.
//
// Serializing mode ("defaults.serialize_local"): the component runs here, but every message is
// encoded to CAF's wire format and decoded again on the way, as a network would; replies are
// copied the same way by the caller (runtime/component/call.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include "runtime/component/detail/directory.hpp"

namespace cleave::detail {

struct forwarder_target {
  /// Component name.
  std::string component;
  /// Node it runs on, and that node's address (remote mode).
  std::string node;
  std::string host;
  uint16_t port = 0;
  /// The instance to call in serializing mode (null in remote mode).
  caf::actor local;
  /// Deadline of requests that come without one (delegated requests, plain CAF requests).
  caf::timespan default_timeout{std::chrono::seconds(2)};
  /// Where the forwarder publishes the remote handle while connected (remote mode; may be null).
  std::shared_ptr<remote_link> link;
  /// Until then, while the node has never been reached, calls wait for it up to their deadline
  /// ("defaults.startup_grace_ms" after this node started): nodes may start in any order.
  std::chrono::steady_clock::time_point patient_until{};
  /// Connects at once and keeps retrying until connected, without waiting for a call: a replica,
  /// whose callers send only to the replicas known to be up (replicas.hpp).
  bool eager = false;
};

caf::actor spawn_forwarder(caf::actor_system& sys, forwarder_target target);

}  // namespace cleave::detail
