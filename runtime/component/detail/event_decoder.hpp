// An event as JSON (the payload of a NATS message, a row of an outbox) made back into the message
// its subscribers' handlers take, with its routing key for a keyed subscriber.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <caf/expected.hpp>
#include <caf/message.hpp>

#include "runtime/component/detail/routing_key.hpp"
#include "runtime/core/json.hpp"
#include "runtime/core/request_context.hpp"

namespace cleave::detail {

struct decoded_event {
  /// The event followed by the request context its handler runs in.
  caf::message message;
  /// The event's routing key for a "route_by" member name.
  std::shared_ptr<const key_source> key;
};

using event_decoder = caf::expected<decoded_event> (*)(std::string_view json,
                                                       const request_context& ctx);

template <class Event>
class event_key : public key_source {
 public:
  explicit event_key(Event e) : event_(std::move(e)) {}
  std::optional<std::string> key(std::string_view field) const override {
    return routing_key(event_, field);
  }

 private:
  Event event_;
};

template <class Event>
caf::expected<decoded_event> decode_event(std::string_view json, const request_context& ctx) {
  auto event = from_json_text<Event>(json);
  if (!event) return std::move(event.error());
  auto message = caf::make_message(*event, ctx);
  return decoded_event{std::move(message), std::make_shared<event_key<Event>>(std::move(*event))};
}

}  // namespace cleave::detail
