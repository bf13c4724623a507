// The network between nodes: the only code that opens or accepts connections (CAF's middleman,
// BASP over TCP). Mutual TLS, when it comes, changes this file and no other.
#pragma once

#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/expected.hpp>
#include <caf/io/middleman.hpp>
#include <caf/timespan.hpp>

#include "runtime/placement/placement.hpp"

namespace cleave::transport {

/// The application identifier peers must share; bumped when the node protocol changes.
constexpr const char* protocol_identifier = "cleave/1";

/// Loads the network module into `cfg` and sets failure detection (heartbeat and connection
/// timeout, identical on every node since every node reads the same placement) from `defaults`.
void configure(caf::actor_system_config& cfg, const placement_defaults& defaults);

/// Accepts peers on `host`:`port` (that address only, never all interfaces) and lets them talk
/// to `gatekeeper`. Returns the port.
caf::expected<uint16_t> listen(caf::actor_system& sys, const caf::actor& gatekeeper,
                               const std::string& host, uint16_t port);

/// Connects to the node at `host`:`port`, at most for `timeout` (CAF's own remote_actor waits
/// for ever on a frozen peer). The reply is (node_id, strong_actor_ptr gatekeeper, interfaces).
template <class Self>
auto connect(Self* self, const std::string& host, uint16_t port, caf::timespan timeout) {
  return self->request(self->system().middleman().actor_handle(), timeout, caf::connect_atom::value,
                       host, port);
}

}  // namespace cleave::transport
