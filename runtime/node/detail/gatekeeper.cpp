#include "runtime/node/detail/gatekeeper.hpp"

#include <unistd.h>

#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>

#include "runtime/component/detail/guarded_actor.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/core/error.hpp"
#include "runtime/middleware/circuit_breaker.hpp"
#include "runtime/node/protocol.hpp"

namespace cleave::detail {

namespace {

/// How this node sees replica `m` of component `name`.
protocol::replica_status replica_status_of(const std::string& name, const replica_member& m) {
  protocol::replica_status out;
  out.component = name;
  out.replica = m.node;
  out.sent = m.sent ? m.sent->value() : 0;
  if (m.local) {
    out.state = "here";
  } else if (m.link) {
    switch (m.link->state()) {
      case remote_link::state_kind::connected:
        out.state = "connected";
        break;
      case remote_link::state_kind::down:
        out.state = "down";
        break;
      case remote_link::state_kind::unknown:
        out.state = "not reached yet";
        break;
    }
  }
  if (m.breaker) out.breaker = middleware::to_string(m.breaker->current());
  return out;
}

}  // namespace

caf::actor spawn_gatekeeper(caf::actor_system& sys, std::shared_ptr<directory> components,
                            gatekeeper_info info) {
  return spawn_guarded<caf::event_based_actor>(
      sys, [components, info](caf::event_based_actor*) -> caf::behavior {
        return handlers(
            [=](const protocol::lookup_component& req) -> caf::result<caf::actor> {
              auto handle = components->local(req.name);
              if (!handle)
                return make_error(errc::unknown_component,
                                  "node \"" + info.node + "\" does not host \"" + req.name + "\"");
              return handle;
            },
            [=](const protocol::get_node_status&) {
              protocol::node_status out;
              out.app = info.app;
              out.node = info.node;
              out.pid = static_cast<int32_t>(::getpid());
              out.uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - info.started)
                                  .count();
              out.restarts = info.restarts;
              for (const auto& [name, stats] : components->local_stats())
                out.components.push_back({name, stats ? stats->calls.load() : 0,
                                          !stats || stats->running.load(), stats && stats->edge});
              for (const auto& [name, set] : components->replica_sets())
                for (const auto& m : set->members())
                  out.replicas.push_back(replica_status_of(name, m));
              return out;
            });
      });
}

}  // namespace cleave::detail
