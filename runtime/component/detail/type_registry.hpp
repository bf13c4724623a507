// Collects the message types of an app's components for CAF's type system, once each.
//
// CAF 0.17 fails silently when a type that crosses a process boundary was not added to the
// config: it arrives as an empty message. Registering every request and response type of every
// component, on every node, rules that out; two different types under one portable name are
// refused because the receiving side could not tell them apart.
#pragma once

#include <map>
#include <string>
#include <type_traits>
#include <typeindex>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>
#include <caf/type_nr.hpp>

#include "runtime/core/error.hpp"
#include "runtime/core/json.hpp"
#include "runtime/core/message.hpp"

namespace cleave::detail {

class type_registry {
 public:
  explicit type_registry(caf::actor_system_config& cfg) : cfg_(cfg) {}

  /// Adds message type `T` (and, for a request, its response type).
  template <class T>
  void add() {
    if constexpr (std::is_void_v<T> || caf::type_nr<T>::value != 0) {
      return;  // built into CAF
    } else if constexpr (is_std_vector<T>::value) {
      add<typename T::value_type>();  // CAF registers std::vector<T> along with T
    } else {
      static_assert(is_message_v<T>, "message types must be declared with CLEAVE_MESSAGE");
      if (record(message_name<T>(), typeid(T))) cfg_.add_message_type<T>(message_name<T>());
      if constexpr (is_request<T>::value) add<typename T::response>();
    }
  }

  /// The first clash found (two types with one name), or none.
  const caf::error& error() const { return error_; }

  /// Names registered so far, sorted.
  std::vector<std::string> names() const;

 private:
  template <class T, class = void>
  struct is_request : std::false_type {};
  template <class T>
  struct is_request<T, std::void_t<typename T::response>> : std::true_type {};

  /// True if `name` is new; records a clash if it names another type already.
  bool record(const std::string& name, std::type_index type);

  caf::actor_system_config& cfg_;
  std::map<std::string, std::type_index> types_;
  caf::error error_;
};

}  // namespace cleave::detail
