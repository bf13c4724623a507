#include "runtime/transport/transport.hpp"

#include <vector>

#include "runtime/core/error.hpp"

namespace cleave::transport {

void configure(caf::actor_system_config& cfg, const placement_defaults& defaults) {
  cfg.load<caf::io::middleman>();
  // Off by default in CAF 0.17: without them a frozen or cut-off peer is never noticed.
  cfg.set("middleman.heartbeat-interval", caf::timespan{defaults.heartbeat});
  cfg.set("middleman.connection-timeout", caf::timespan{defaults.connection_timeout});
  cfg.set("middleman.app-identifiers", std::vector<std::string>{protocol_identifier});
  // Automatic connections would open a listener on all interfaces.
  cfg.set("middleman.enable-automatic-connections", false);
}

caf::expected<uint16_t> listen(caf::actor_system& sys, const caf::actor& gatekeeper,
                               const std::string& host, uint16_t port) {
  auto result = sys.middleman().publish(gatekeeper, port, host.c_str(), true);
  if (!result)
    return make_error(errc::unavailable, "cannot listen on " + host + ":" + std::to_string(port) +
                                             ": " + describe(result.error()));
  return result;
}

}  // namespace cleave::transport
