#include "bench/inprocess/components.hpp"

#include <utility>

#include <caf/event_based_actor.hpp>

#include "bench/inprocess/messages.hpp"
#include "runtime/component/handlers.hpp"

namespace inproc {

namespace {

// Takes the request by mutable reference: CAF hands over the message it owns (copy-on-write only
// if shared), and the payload is moved into the reply.
echo_resp echo(echo_req& req) {
  return echo_resp{std::move(req.payload)};
}

}  // namespace

cleave::component echo_component() {
  return cleave::component::make<echo_req>(
      "echo", [](caf::event_based_actor*, const cleave::component_context&) {
        return cleave::handlers([](echo_req& req) { return echo(req); });
      });
}

caf::actor spawn_raw_echo(caf::actor_system& sys) {
  return sys.spawn([]() -> caf::behavior {
    return {[](echo_req& req) {
      return echo(req);
    }};
  });
}

cleave::component idle_component(std::string name) {
  return cleave::component::make<idle_ping>(
      std::move(name), [](caf::event_based_actor*, const cleave::component_context&) {
        return cleave::handlers([](const idle_ping&) { return true; });
      });
}

}  // namespace inproc
