// Events: a component publishes to a topic, and every component subscribed to it gets the event,
// wherever the placement puts it (docs/events.md).
//
//   // the publisher, in a handler; best in the transaction that makes the change the event tells
//   // of, so that the event is published if and only if the change is committed:
//   st->transact([&](cleave::state_view& tx) -> caf::error {
//     if (auto err = tx.put("orders", o.id, o)) return err;
//     return cleave::publish(tx, "order-created", order_created{o.id, o.user_id}, "order/" + o.id);
//   });
//   // or at once, from any handler: cleave::publish(self, "order-created", order_created{...});
//
//   // a subscriber, in its definition; one of its handlers takes order_created and returns
//   // nothing (or an error, to have a "nats" topic deliver the event again):
//   cleave::component::make<order_created, get_log>("notifications", notifications_impl)
//       .subscribe<order_created>("order-created");
//
// Each subscribed component gets each event once per delivery, at one of its instances (a
// replicated subscriber: the instance its balancing or keyed routing picks). The placement's
// "topics" say how a topic's events travel:
// - "cluster" (default): a one-way message, in-process or over the node connections. At most
//   once: an event is lost for a subscriber whose node is down, unreachable, or dies before
//   handling it.
// - "nats": a NATS JetStream stream, one durable consumer per subscribing component. At least
//   once: an event is acknowledged only after a handler returned without an error, and delivered
//   again otherwise (also after the subscriber's node died). A subscriber drops the second
//   delivery of an event with first_delivery().
// Every event has an id (the publisher's, or a random one); its handler runs with that id as its
// request id (current_event_id()).
#pragma once

#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/send.hpp>

#include "runtime/component/call.hpp"
#include "runtime/component/detail/directory.hpp"
#include "runtime/component/detail/event_relay_messages.hpp"
#include "runtime/component/detail/outbox.hpp"
#include "runtime/core/json.hpp"
#include "runtime/core/message.hpp"
#include "runtime/core/request_context.hpp"
#include "runtime/state/state.hpp"

namespace cleave {

/// Publishes `event` on `topic` from actor `self` now: each component subscribed to the topic gets
/// it (nothing happens if none does). `id` identifies the event (a "nats" topic stores one event
/// per id within two minutes); empty: a random one. On a "nats" topic the node's relay publishes
/// it, retrying until the call's deadline ("defaults.timeout_ms" outside a request), and logs an
/// error if NATS did not take it by then: a node that dies meanwhile loses it. Publish in a
/// transaction (below) when the event must not be lost.
template <class Self, class Event>
void publish(Self self, const std::string& topic, const Event& event, std::string id = {}) {
  static_assert(is_message_v<Event>, "events must be declared with CLEAVE_MESSAGE");
  if (id.empty()) id = detail::new_event_id();
  if (auto relay = detail::event_relay_for(self->system(), topic)) {
    caf::anon_send(relay, detail::relay_publish{topic, message_name<Event>(), std::move(id),
                                                to_json_text(event), current_request().deadline});
    return;
  }
  request_scope scope{std::move(id), current_request().deadline};
  for (const auto& name : detail::subscribers_of(self->system(), topic)) send(self, name, event);
}

/// Publishes `event` on `topic` once the transaction `tx` commits: it is written to the store's
/// outbox in `tx`, and the node's relay hands it on after the commit, again after a restart if
/// the node died first, until the topic's transport took it ("nats": NATS stored it; "cluster":
/// it was sent). Published if and only if `tx` commits; on a "nats" topic at least once, and
/// once per `id` within NATS's two-minute window (give an id made from what the event is about,
/// e.g. "order/" + order id, so that a retried handler does not publish a second event).
template <class Event>
caf::error publish(state_view& tx, const std::string& topic, const Event& event,
                   std::string id = {}) {
  static_assert(is_message_v<Event>, "events must be declared with CLEAVE_MESSAGE");
  if (!tx.outbox_listener())
    return make_error(errc::internal,
                      "this store has no outbox relay (a store opened by the "
                      "node for a component can publish in a transaction)");
  if (id.empty()) id = detail::new_event_id();
  auto key = detail::next_outbox_key(tx);
  if (!key) return std::move(key.error());
  if (auto err = tx.put(
          detail::outbox_collection, *key,
          detail::outbox_entry{topic, message_name<Event>(), std::move(id), to_json_text(event)}))
    return err;
  tx.after_commit(*tx.outbox_listener());
  return caf::none;
}

/// The id of the event the running handler was given (in an event's handler; elsewhere, the
/// request's id).
inline const std::string& current_event_id() {
  return current_request().request_id;
}

/// True the first time event `id` is handled with this store, false for a second delivery. The
/// mark is written in `tx`: in the transaction that stores what the event changes, the change and
/// the mark commit together, and a redelivered event changes nothing. (The marks are kept: a
/// store that handles many events grows by one small row per event.)
caf::expected<bool> first_delivery(state_view& tx, const std::string& id);

}  // namespace cleave
