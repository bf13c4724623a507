// What a node's components and stores tell its event relay (runtime/events/detail/event_relay.hpp).
// These messages never leave their process.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/allowed_unsafe_message_type.hpp>

namespace cleave {
class state;
}  // namespace cleave

namespace cleave::detail {

/// Publish this event to NATS now (cleave::publish outside a transaction).
struct relay_publish {
  std::string topic;
  std::string event;
  std::string id;
  std::string json;
  /// Retry until then.
  std::chrono::steady_clock::time_point deadline;
};

/// The store the relay knows by `index`, opened by the node for its component and sent once every
/// component of the node has started; the relay hands on what its outbox holds at once (what a
/// previous run left, or what was committed while the node started).
struct relay_store {
  int index = 0;
  std::shared_ptr<state> store;
};

/// Hand on what the outbox of store `store` holds.
struct relay_wake {
  int store = 0;
  /// Sent by the relay itself, after a failure.
  bool retry = false;
};

}  // namespace cleave::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cleave::detail::relay_publish)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cleave::detail::relay_wake)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cleave::detail::relay_store)
