#include "runtime/node/detail/gatekeeper.hpp"

#include <unistd.h>

#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>

#include "runtime/component/detail/guarded_actor.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/core/error.hpp"
#include "runtime/node/protocol.hpp"

namespace cleave::detail {

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
              for (const auto& [name, stats] : components->local_stats())
                out.components.push_back(
                    {name, stats ? stats->calls.load() : 0, !stats || stats->running.load()});
              return out;
            });
      });
}

}  // namespace cleave::detail
