// A store's outbox: events published in a transaction of the store (cleave::publish(tx, ...)),
// kept in the store itself until the node's relay has handed them on, so that an event is
// published if and only if the transaction that made it commits, even across a crash.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include <caf/expected.hpp>

#include "runtime/core/message.hpp"
#include "runtime/core/request_context.hpp"
#include "runtime/state/state.hpp"

namespace cleave::detail {

/// One event waiting in an outbox.
struct outbox_entry {
  std::string topic;
  /// The event's message name.
  std::string event;
  /// The event's id (the NATS message id: a relay that publishes it twice stores it once).
  std::string id;
  /// The event as JSON.
  std::string json;
};
CLEAVE_MESSAGE(outbox_entry, topic, event, id, json)

struct outbox_counter {
  int64_t next = 1;
};
CLEAVE_MESSAGE(outbox_counter, next)

/// The collection of the entries, keyed so that key order is the order they were written in.
inline const char* const outbox_collection = "cleave.outbox";
inline const char* const outbox_counter_collection = "cleave.outbox_counter";

/// The key of the next entry, counted in the same transaction.
inline caf::expected<std::string> next_outbox_key(state_view& tx) {
  auto found = tx.get<outbox_counter>(outbox_counter_collection, "next");
  if (!found) return std::move(found.error());
  auto c = found->value_or(outbox_counter{});
  char key[24];
  std::snprintf(key, sizeof key, "%020lld", static_cast<long long>(c.next));
  ++c.next;
  if (auto err = tx.put(outbox_counter_collection, "next", c)) return err;
  return std::string{key};
}

/// A new event id: 32 random lower-case hex characters.
inline std::string new_event_id() {
  return random_request_id() + random_request_id();
}

}  // namespace cleave::detail
