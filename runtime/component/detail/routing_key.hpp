// The key of a request to a component placed with "route_by": the value of the request's member
// of that name (a string or an integer), or else of the shallowest such member of a message inside
// it (store_insert{item: thingey{id, ...}} is keyed by item.id with "route_by": "id"). A request
// with no such member has no key.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <boost/describe/members.hpp>
#include <boost/mp11/algorithm.hpp>

#include "runtime/core/message.hpp"

namespace cleave::detail {

template <class T>
using routing_members = boost::describe::describe_members<T, boost::describe::mod_public>;

/// The key `value` gives, if it can be one.
template <class V>
std::optional<std::string> key_of(const V& value) {
  if constexpr (std::is_same_v<V, std::string>)
    return value;
  else if constexpr (std::is_integral_v<V> && !std::is_same_v<V, bool>)
    return std::to_string(value);
  else
    return std::nullopt;
}

/// The key of `msg` for routing field `field`, searching `depth` levels of nested messages.
template <class T>
std::optional<std::string> routing_key(const T& msg, std::string_view field, int depth = 4) {
  std::optional<std::string> out;
  boost::mp11::mp_for_each<routing_members<T>>([&](auto member) {
    if (!out && field == member.name) out = key_of(msg.*member.pointer);
  });
  if (out || depth == 0) return out;
  boost::mp11::mp_for_each<routing_members<T>>([&](auto member) {
    using V = std::decay_t<decltype(msg.*member.pointer)>;
    if constexpr (is_message_v<V>)
      if (!out) out = routing_key(msg.*member.pointer, field, depth - 1);
  });
  return out;
}

/// A request's routing key for the directory, which is not a template.
class key_source {
 public:
  virtual ~key_source() = default;
  virtual std::optional<std::string> key(std::string_view field) const = 0;
};

template <class Req>
class request_key : public key_source {
 public:
  explicit request_key(const Req& req) : req_(req) {}
  std::optional<std::string> key(std::string_view field) const override {
    return routing_key(req_, field);
  }

 private:
  const Req& req_;
};

}  // namespace cleave::detail
