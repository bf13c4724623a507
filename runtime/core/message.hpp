// Declaring message types: one declaration gives CAF's binary wire encoding and a JSON mapping.
//
// A message is a plain struct. List its members once with CLEAVE_MESSAGE, in the struct's
// namespace, right after it:
//
//   namespace shop {
//   struct get_item {
//     std::string id;
//     std::optional<int32_t> version;
//     using response = item;          // requests name their reply type (void for none)
//     static constexpr bool idempotent = true;  // optional: safe to apply twice (is_idempotent)
//   };
//   CLEAVE_MESSAGE(get_item, id, version)
//   }
//
// That yields Boost.Describe metadata (used by runtime/core/json.hpp), an `inspect` overload (used
// by CAF to serialize across nodes and to print), and a portable name ("get_item") that names the
// type on the wire and the operation in errors, logs and metrics. Message names must be unique in
// an app. Members may be scalars, std::string, std::vector, std::map<std::string, T>, other
// CLEAVE_MESSAGE structs, and std::optional of any of these as a direct member (CAF 0.17 has no
// std::optional support, so an optional inside a container, e.g. std::vector<std::optional<int>>,
// does not compile).
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include <boost/describe/class.hpp>
#include <boost/describe/members.hpp>
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/save_callback.hpp>
#include <caf/meta/type_name.hpp>

namespace cleave::detail {

/// Lets CAF 0.17 inspectors (which know no std::optional) handle an optional member as a flag and
/// a value.
template <class T>
struct optional_field {
  std::optional<T>& ref;
};

template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, optional_field<T>& x) {
  if constexpr (Inspector::reads_state) {
    bool present = x.ref.has_value();
    T value = present ? *x.ref : T{};
    return f(present, value);
  } else {
    bool present = false;
    T value{};
    auto store = [&]() -> caf::error {
      if (present)
        x.ref = std::move(value);
      else
        x.ref.reset();
      return caf::none;
    };
    return f(present, value, caf::meta::load_callback(store));
  }
}

template <class T>
T& field(T& member) {
  return member;
}

template <class T>
optional_field<T> field(std::optional<T>& member) {
  return {member};
}

template <class Inspector, class T, template <class...> class List, class... Members>
typename Inspector::result_type inspect_members(Inspector& f, T& x, const char* name,
                                                List<Members...>) {
  return f(caf::meta::type_name(name), field(x.*Members::pointer)...);
}

}  // namespace cleave::detail

namespace cleave {

/// True for types declared with CLEAVE_MESSAGE.
template <class T, class = void>
struct is_message : std::false_type {};

template <class T>
struct is_message<T, std::void_t<decltype(cleave_message_name(static_cast<const T*>(nullptr)))>>
    : std::true_type {};

template <class T>
constexpr bool is_message_v = is_message<T>::value;

/// True for request types that declare themselves idempotent - applying one twice has the effect
/// of applying it once - with a member `static constexpr bool idempotent = true;`. A call of such a
/// type to a replicated component is retried on another replica when the one it went to is lost
/// after the request may have reached it (docs/placement.md, balancing). Requests are not
/// idempotent unless they say so.
template <class T, class = void>
struct is_idempotent : std::false_type {};

template <class T>
struct is_idempotent<T, std::enable_if_t<T::idempotent>> : std::true_type {};

template <class T>
constexpr bool is_idempotent_v = is_idempotent<T>::value;

/// True for response types that can be combined from parts with a member
/// `void merge(T&& other)`. A request without a key to a component placed with "route_by" (a
/// listing, say) is then asked of every replica and the answers are merged in the caller; without
/// it, such a request goes to one replica (docs/placement.md, keyed routing).
template <class T, class = void>
struct is_mergeable : std::false_type {};

template <class T>
struct is_mergeable<T, std::void_t<decltype(std::declval<T&>().merge(std::declval<T&&>()))>>
    : std::true_type {};

template <class T>
constexpr bool is_mergeable_v = is_mergeable<T>::value;

/// The portable name of message type `T`, e.g. "get_item".
template <class T>
const char* message_name() {
  static_assert(is_message_v<T>, "declare the type with CLEAVE_MESSAGE");
  return cleave_message_name(static_cast<const T*>(nullptr));
}

}  // namespace cleave

/// Declares the members of message struct `type` (see the top of this file):
/// `CLEAVE_MESSAGE(type, member...)`, or `CLEAVE_MESSAGE(type)` for a struct without members. Use
/// it in the struct's namespace, after the struct.
#define CLEAVE_MESSAGE(...) \
  CLEAVE_DETAIL_CAT(CLEAVE_DETAIL_MESSAGE_, CLEAVE_DETAIL_HAS_MEMBERS(__VA_ARGS__))(__VA_ARGS__)

// -- implementation of CLEAVE_MESSAGE (dispatches on "has members" without empty __VA_ARGS__,
// which ISO C++17 does not allow) ---------------------------------------------------------------

#define CLEAVE_DETAIL_CAT(a, b) CLEAVE_DETAIL_CAT_I(a, b)
#define CLEAVE_DETAIL_CAT_I(a, b) a##b
#define CLEAVE_DETAIL_HAS_MEMBERS(...)                                                             \
  CLEAVE_DETAIL_ARG_40(__VA_ARGS__, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, \
                       1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, unused)
#define CLEAVE_DETAIL_ARG_40(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15,     \
                             _16, _17, _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, \
                             _30, _31, _32, _33, _34, _35, _36, _37, _38, _39, _40, n, ...)        \
  n

#define CLEAVE_DETAIL_MESSAGE_1(type, ...)       \
  BOOST_DESCRIBE_STRUCT(type, (), (__VA_ARGS__)) \
  CLEAVE_DETAIL_MESSAGE_COMMON(type)

#define CLEAVE_DETAIL_MESSAGE_0(type) \
  BOOST_DESCRIBE_STRUCT(type, (), ()) \
  CLEAVE_DETAIL_MESSAGE_COMMON(type)

#define CLEAVE_DETAIL_MESSAGE_COMMON(type)                                                        \
  [[maybe_unused]] inline const char* cleave_message_name(const type*) {                          \
    return #type;                                                                                 \
  }                                                                                               \
  template <class Inspector>                                                                      \
  typename Inspector::result_type inspect(Inspector& f, type& x) {                                \
    return ::cleave::detail::inspect_members(                                                     \
        f, x, #type, ::boost::describe::describe_members<type, ::boost::describe::mod_public>{}); \
  }
