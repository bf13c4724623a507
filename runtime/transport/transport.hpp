// The network between nodes: the only code that opens or accepts connections (CAF's middleman,
// BASP over TCP, under connections of our own: detail/guarded_io.hpp).
//
// Node ports are closed by default: every connection is mutual TLS 1.3 with certificates of the
// cluster's CA, and a peer's certificate must name a node of the placement (or the cleave tool);
// plain connections only with "security": {"insecure": true} (docs/security.md).
//
//   transport::configure(cfg, plan.defaults);                  // before the actor system
//   auto settings = transport::settings_for(plan, "store");    // certificates, limits
//   caf::actor_system sys{cfg};
//   transport::start(sys, *settings);                          // before any listen or connect
//   transport::listen(sys, gatekeeper, host, port);
//   ...
//   transport::stop(sys);                                      // before the system ends
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include "runtime/placement/placement.hpp"

namespace cleave::transport {

/// The application identifier peers must share; bumped when the node protocol changes.
constexpr const char* protocol_identifier = "cleave/2";

/// Loads the network module into `cfg` and sets failure detection (heartbeat and connection
/// timeout, identical on every node since every node reads the same placement) from `defaults`.
void configure(caf::actor_system_config& cfg, const placement_defaults& defaults);

/// How one process (a node, or the cleave tool) takes part in a placement's network.
struct network_settings {
  /// Who this process is: a node name, or certs.hpp's tool_identity.
  std::string identity;
  /// "security.insecure": plain connections.
  bool insecure = false;
  /// ca.pem, and this identity's certificate and key (empty when insecure).
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string key_passphrase;
  /// Identities an incoming peer may have: the placement's nodes and the cleave tool.
  std::set<std::string> peers;
  /// "host:port" -> node name, for the identity check of outgoing connections.
  std::map<std::string, std::string> nodes_by_address;
  /// The placement's limits (placement_defaults).
  uint64_t max_frame_bytes = uint64_t{16} << 20;
  std::chrono::milliseconds handshake_timeout{3000};
  int max_peer_connections = 256;
};

/// The settings of `identity` in `plan`: certificate files (made on first use when the placement
/// names no certificate folder) and the key's passphrase (from the environment or a file readable
/// by its owner only). Errors name the file or variable at fault.
caf::expected<network_settings> settings_for(const placement& plan, const std::string& identity);

/// Starts `sys`'s side of the network: loads the certificates, and makes SpawnServ and ConfigServ
/// (CAF's remote spawning and config store) unreachable. Call once, before listen and connect.
caf::error start(caf::actor_system& sys, const network_settings& settings);

/// Closes `sys`'s side of the network (idempotent).
void stop(caf::actor_system& sys);

/// The actor that opens `sys`'s connections (CAF's middleman protocol); null before start.
caf::actor network_of(const caf::actor_system& sys);

/// Accepts peers on `host`:`port` (that address only, never all interfaces) and lets them talk
/// to `gatekeeper`. Returns the port.
caf::expected<uint16_t> listen(caf::actor_system& sys, const caf::actor& gatekeeper,
                               const std::string& host, uint16_t port);

/// Connects to the node at `host`:`port`, at most for `timeout` (CAF's own remote_actor waits
/// for ever on a frozen peer). The reply is (node_id, strong_actor_ptr gatekeeper, interfaces).
/// Before start(), the request fails at once.
template <class Self>
auto connect(Self* self, const std::string& host, uint16_t port, caf::timespan timeout) {
  return self->request(network_of(self->system()), timeout, caf::connect_atom::value, host, port);
}

}  // namespace cleave::transport
