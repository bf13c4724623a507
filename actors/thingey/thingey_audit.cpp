// thingey-audit: the trail of changes the repository made. The repository tells it one-way, so a
// slow or absent audit never delays a caller.
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/thingey/thingey.hpp"
#include "runtime/component/handlers.hpp"

namespace thingey {

namespace {

struct audit_state {
  audit_trail trail;
};

caf::behavior audit(caf::stateful_actor<audit_state>* self, const cleave::component_context&) {
  return cleave::handlers(
      [=](const audit_event& event) { self->state.trail.events.push_back(event); },
      [=](const get_audit_trail&) { return self->state.trail; });
}

}  // namespace

cleave::component audit_component() {
  return cleave::component::make<audit_event, get_audit_trail>("thingey-audit", audit);
}

}  // namespace thingey
