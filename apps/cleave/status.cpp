#include "apps/cleave/status.hpp"

#include <iostream>

#include <caf/actor_system.hpp>

#include "runtime/component/detail/directory.hpp"
#include "runtime/component/detail/type_registry.hpp"
#include "runtime/core/error.hpp"
#include "runtime/node/ask_node.hpp"
#include "runtime/node/protocol.hpp"
#include "runtime/transport/certs.hpp"
#include "runtime/transport/transport.hpp"

namespace cleave::tool {

int print_status(const placement& plan, std::chrono::milliseconds timeout) {
  detail::runtime_config cfg;
  transport::configure(cfg, plan.defaults);
  detail::type_registry types{cfg};
  types.add<protocol::get_node_status>();
  // The tool has a certificate of its own (certs.hpp's tool_identity), which nodes accept.
  auto settings = transport::settings_for(plan, transport::tool_identity);
  if (!settings) {
    std::cerr << "cleave: " << describe(settings.error()) << "\n";
    return 2;
  }
  caf::actor_system sys{cfg};
  if (auto err = transport::start(sys, *settings)) {
    std::cerr << "cleave: " << describe(err) << "\n";
    return 2;
  }
  int exit_code = 0;
  for (const auto& [name, node] : plan.nodes) {
    std::cout << "node " << name << " (" << node.host << ":" << node.port << "): ";
    if (node.port == 0) {
      std::cout << "no port (accepts no peers)\n";
      exit_code = 1;
      continue;
    }
    auto status = ask_node(sys, node.host, node.port, protocol::get_node_status{}, timeout);
    if (!status) {
      std::cout << "unreachable: " << describe(status.error()) << "\n";
      exit_code = 1;
      continue;
    }
    std::cout << "reachable, pid " << status->pid << ", up " << status->uptime_ms << " ms\n";
    if (status->node != name)
      std::cout << "  warning: it says it is node \"" << status->node << "\"\n";
    for (const auto& c : status->components) {
      std::cout << "  " << c.name << ": " << c.calls << " calls served";
      if (!c.running) {
        std::cout << ", NOT RUNNING (it ended; see the node's log)";
        exit_code = 1;
      }
      std::cout << "\n";
    }
  }
  transport::stop(sys);
  return exit_code;
}

}  // namespace cleave::tool
