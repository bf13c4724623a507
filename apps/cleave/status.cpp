#include "apps/cleave/status.hpp"

#include <iostream>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "runtime/component/detail/directory.hpp"
#include "runtime/component/detail/type_registry.hpp"
#include "runtime/core/error.hpp"
#include "runtime/node/protocol.hpp"
#include "runtime/transport/transport.hpp"

namespace cleave::tool {

namespace {

caf::expected<protocol::node_status> probe(caf::actor_system& sys, const node_spec& node,
                                           std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys};
  caf::expected<protocol::node_status> out{caf::error{}};
  transport::connect(self.ptr(), node.host, node.port, timeout)
      .receive(
          [&](const caf::node_id&, caf::strong_actor_ptr& gatekeeper,
              const std::set<std::string>&) {
            if (!gatekeeper) {
              out = make_error(errc::unavailable, "no cleave node listens there");
              return;
            }
            self->request(caf::actor_cast<caf::actor>(gatekeeper), timeout,
                          protocol::get_node_status{})
                .receive([&](protocol::node_status& status) { out = std::move(status); },
                         [&](caf::error& err) { out = std::move(err); });
          },
          [&](caf::error& err) { out = std::move(err); });
  return out;
}

}  // namespace

int print_status(const placement& plan, std::chrono::milliseconds timeout) {
  detail::runtime_config cfg;
  transport::configure(cfg, plan.defaults);
  detail::type_registry types{cfg};
  types.add<protocol::get_node_status>();
  caf::actor_system sys{cfg};
  int exit_code = 0;
  for (const auto& [name, node] : plan.nodes) {
    std::cout << "node " << name << " (" << node.host << ":" << node.port << "): ";
    if (node.port == 0) {
      std::cout << "no port (accepts no peers)\n";
      exit_code = 1;
      continue;
    }
    auto status = probe(sys, node, timeout);
    if (!status) {
      std::cout << "unreachable: " << describe(status.error()) << "\n";
      exit_code = 1;
      continue;
    }
    std::cout << "reachable, pid " << status->pid << ", up " << status->uptime_ms << " ms\n";
    if (status->node != name)
      std::cout << "  warning: it says it is node \"" << status->node << "\"\n";
    for (const auto& c : status->components)
      std::cout << "  " << c.name << ": " << c.calls << " calls served\n";
  }
  return exit_code;
}

}  // namespace cleave::tool
