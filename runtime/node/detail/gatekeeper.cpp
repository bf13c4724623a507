#include "runtime/node/detail/gatekeeper.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>

#include "runtime/component/detail/guarded_actor.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/core/error.hpp"
#include "runtime/node/protocol.hpp"
#include "runtime/node/status.hpp"

namespace cleave::detail {

caf::actor spawn_gatekeeper(caf::actor_system& sys, std::shared_ptr<directory> components,
                            gatekeeper_info info) {
  return spawn_guarded<
      caf::event_based_actor>(sys, [components, info](caf::event_based_actor*) -> caf::behavior {
    return handlers(
        [=](const protocol::lookup_component& req) -> caf::result<caf::actor> {
          auto handle = components->local(req.name);
          if (!handle)
            return make_error(errc::unknown_component,
                              "node \"" + info.node + "\" does not host \"" + req.name + "\"");
          return handle;
        },
        [=](const protocol::get_node_status&) {
          return node_status_of(*components, {info.app, info.node, info.started, info.restarts});
        });
  });
}

}  // namespace cleave::detail
