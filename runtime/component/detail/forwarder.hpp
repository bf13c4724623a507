// Forwarders: the local stand-in for a component that callers must not reach directly.
//
// Remote mode: the component runs on another node. The forwarder connects to that node (bounded,
// with backoff, only while calls wait), looks the component up at the node's gatekeeper, monitors
// it and forwards calls. Calls wait for a connection until their deadline and then fail with
// `unavailable` naming component and node. When the connection is lost every call in flight fails
// at once with `unavailable` (CAF 0.17 would let them run into their timeouts), and the next call
// connects and looks the component up again: a restarted node is a new CAF node, so old handles
// would stay dead for ever.
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
};

caf::actor spawn_forwarder(caf::actor_system& sys, forwarder_target target);

}  // namespace cleave::detail
