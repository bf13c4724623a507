// Copies through CAF's wire encoding, for "defaults.serialize_local": in-process calls then pay
// what a network would (and fail where a network would, e.g. on an unregistered type).
#pragma once

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace cleave::detail {

/// Encodes `msg` to bytes and decodes a new message from them.
caf::expected<caf::message> wire_round_trip(caf::actor_system& sys, caf::message msg);

/// The same for one value.
template <class T>
caf::expected<T> wire_copy(caf::actor_system& sys, T value) {
  auto copy = wire_round_trip(sys, caf::make_message(std::move(value)));
  if (!copy) return std::move(copy.error());
  return std::move(copy->template get_mutable_as<T>(0));
}

}  // namespace cleave::detail
