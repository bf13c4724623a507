#include "apps/cleave/status.hpp"

#include <algorithm>
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

namespace {

/// " (replica 1 of 2, keyed by id)" for a replicated component's instance on `node`, else "".
std::string replica_note(const placement& plan, const std::string& component,
                         const std::string& node) {
  auto i = plan.components.find(component);
  if (i == plan.components.end() || !i->second.replicated()) return {};
  const auto& spec = i->second;
  auto at = std::find(spec.nodes.begin(), spec.nodes.end(), node) - spec.nodes.begin();
  return " (replica " + std::to_string(at + 1) + " of " + std::to_string(spec.nodes.size()) + ", " +
         (spec.route_by.empty() ? spec.balance : "keyed by " + spec.route_by) + ")";
}

}  // namespace

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
      std::cout << replica_note(plan, c.name, name);
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
