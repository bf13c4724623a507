#include "runtime/gateway/detail/caller.hpp"

#include <exception>
#include <utility>

#include <caf/send.hpp>

#include "runtime/component/detail/call_edges.hpp"
#include "runtime/component/detail/guarded_actor.hpp"
#include "runtime/core/log.hpp"

namespace cleave::detail {

caf::actor spawn_caller(caf::actor_system& sys, const caf::actor& owner, std::string node,
                        std::string gateway) {
  // The gateway's calls come from the gateway (the call graph's edges).
  const auto* name = intern_component_name(gateway);
  // Guarded: its handle reaches other nodes with its calls, and a peer must not stop it.
  auto caller = spawn_guarded<caf::event_based_actor>(
      sys,
      [node = std::move(node), gateway = std::move(gateway),
       name](caf::event_based_actor* self) -> caf::behavior {
        return {[self, node, gateway, name](caller_task& task) {
          caller_scope as{name};
          try {
            task(self);
          } catch (const std::exception& e) {
            log("error", node, "gateway call failed to start",
                {{"component", gateway}, {"error", e.what()}});
          }
        }};
      });
  // The owner's end (a normal stop included) ends the caller; tasks sent after that are dropped.
  if (owner) owner->attach_functor([caller] { caf::anon_send(caller, stop_actor{}); });
  return caller;
}

void run_in(const caf::actor& caller, caller_task task) {
  caf::anon_send(caller, std::move(task));
}

}  // namespace cleave::detail
