// Events: a component publishes to a topic, and every component subscribed to it gets the event,
// wherever the placement puts it (docs/events.md).
//
//   // the publisher, in a handler:
//   cleave::publish(self, "order-created", order_created{o.id, o.user});
//
//   // a subscriber, in its definition; one of its handlers takes order_created:
//   cleave::component::make<order_created, get_log>("notifications", notifications_impl)
//       .subscribe<order_created>("order-created");
//
// Transport "cluster" (the one there is today): each subscribed component gets the event once,
// as a one-way message to one of its instances (a replicated subscriber: the instance its
// balancing or keyed routing picks), in-process or over the node connections. At most once: an
// event is lost for a subscriber whose node is down, unreachable, or dies before handling it.
// Events of one publisher reach one subscriber instance in the order they were published.
#pragma once

#include <string>

#include "runtime/component/call.hpp"
#include "runtime/component/detail/directory.hpp"
#include "runtime/core/message.hpp"

namespace cleave {

/// Publishes `event` on `topic` from actor `self`: each component subscribed to the topic gets
/// it once, as a one-way message (nothing happens if no component subscribes).
template <class Self, class Event>
void publish(Self self, const std::string& topic, const Event& event) {
  static_assert(is_message_v<Event>, "events must be declared with CLEAVE_MESSAGE");
  for (const auto& name : detail::subscribers_of(self->system(), topic)) send(self, name, event);
}

}  // namespace cleave
