// JSON mapping of message types (see runtime/core/message.hpp), for the HTTP edge, logs and tools.
//
//   boost::json::value v = cleave::to_json(item);            // {"id":"d1","tags":["a"]}
//   caf::expected<item> back = cleave::from_json<item>(v);   // strict: unknown or mistyped fields
//   fail if (!back) std::cerr << cleave::describe(back.error());
//   // invalid_argument: field "tags[0]": expected a string, found 7 (number)
//
// Decoding is strict so that a client's typo is an error that names the field, never a silently
// ignored value: unknown keys are refused, non-optional members are required, integers must fit.
// Absent std::optional members are omitted when encoding and accepted as absent or null.
#pragma once

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/describe/members.hpp>
#include <boost/json/value.hpp>
#include <boost/mp11/algorithm.hpp>
#include <caf/expected.hpp>

#include "runtime/core/error.hpp"
#include "runtime/core/message.hpp"

namespace cleave {

namespace detail {

template <class T>
struct is_std_optional : std::false_type {};
template <class T>
struct is_std_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_std_vector : std::false_type {};
template <class T>
struct is_std_vector<std::vector<T>> : std::true_type {};

template <class T>
struct is_string_map : std::false_type {};
template <class T>
struct is_string_map<std::map<std::string, T>> : std::true_type {};

template <class T>
using described_members = boost::describe::describe_members<T, boost::describe::mod_public>;

/// Renders a decoding failure at `path`: "field "a.b": expected X, found Y (kind)".
caf::error json_type_error(const std::string& path, std::string_view expected,
                           const boost::json::value& found);
caf::error json_field_error(const std::string& path, std::string_view problem);
std::string json_member_path(const std::string& parent, std::string_view name);
/// `x` as people write it, for messages: the shortest form that reads back as `x`, with ".0" on a
/// whole number (Boost.JSON writes 2.0 as "2E0").
std::string json_number_text(double x);

template <class T>
boost::json::value encode(const T& x) {
  if constexpr (std::is_same_v<T, bool>) {
    return x;
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    return static_cast<int64_t>(x);
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<uint64_t>(x);
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<double>(x);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return boost::json::string(x);
  } else if constexpr (is_std_optional<T>::value) {
    return x ? encode(*x) : boost::json::value(nullptr);
  } else if constexpr (is_std_vector<T>::value) {
    boost::json::array out;
    out.reserve(x.size());
    for (const auto& element : x) out.push_back(encode(element));
    return out;
  } else if constexpr (is_string_map<T>::value) {
    boost::json::object out;
    for (const auto& [key, element] : x) out[key] = encode(element);
    return out;
  } else {
    static_assert(is_message_v<T>, "no JSON mapping: declare the type with CLEAVE_MESSAGE");
    boost::json::object out;
    boost::mp11::mp_for_each<described_members<T>>([&](auto member) {
      const auto& value = x.*member.pointer;
      if constexpr (is_std_optional<std::decay_t<decltype(value)>>::value) {
        if (!value) return;
      }
      out[member.name] = encode(value);
    });
    return out;
  }
}

template <class T>
caf::error decode(const boost::json::value& v, T& out, const std::string& path) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_bool()) return json_type_error(path, "a boolean", v);
    out = v.get_bool();
  } else if constexpr (std::is_arithmetic_v<T>) {
    constexpr auto expected = std::is_integral_v<T> ? "an integer" : "a number";
    if (!v.is_number()) return json_type_error(path, expected, v);
    // 2.0 or 1e2 for an integer: a client that writes a fraction or an exponent may mean one
    // (2.5 would be cut to 2 on its way), so every such number is refused, not just inexact ones.
    if constexpr (std::is_integral_v<T>)
      if (v.is_double()) return json_type_error(path, "an integer (no fraction or exponent)", v);
    boost::system::error_code ec;
    auto n = v.to_number<T>(ec);
    if (ec) return json_type_error(path, std::string{expected} + " that fits its type", v);
    // Boost.JSON reads 1e999 as infinity, which CAF 0.17 cannot serialize (its pack754 loops
    // forever) and Boost.JSON writes back as `Infinity`, which is not JSON.
    // Subnormal numbers (e.g. 5e-324) are refused too: CAF 0.17's wire encoding (pack754)
    // corrupts them, so they would not survive the way to a component on another node.
    if constexpr (std::is_floating_point_v<T>)
      if (!std::isfinite(n) || std::fpclassify(n) == FP_SUBNORMAL)
        return json_type_error(path, "a finite number of normal precision", v);
    out = n;
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) return json_type_error(path, "a string", v);
    out.assign(v.get_string().data(), v.get_string().size());
  } else if constexpr (is_std_optional<T>::value) {
    if (v.is_null()) {
      out.reset();
      return caf::none;
    }
    typename T::value_type inner{};
    if (auto err = decode(v, inner, path)) return err;
    out = std::move(inner);
  } else if constexpr (is_std_vector<T>::value) {
    if (!v.is_array()) return json_type_error(path, "an array", v);
    const auto& arr = v.get_array();
    out.clear();
    out.resize(arr.size());
    for (size_t i = 0; i < arr.size(); ++i)
      if (auto err = decode(arr[i], out[i], path + "[" + std::to_string(i) + "]")) return err;
  } else if constexpr (is_string_map<T>::value) {
    if (!v.is_object()) return json_type_error(path, "an object", v);
    out.clear();
    for (const auto& kv : v.get_object()) {
      std::string key{kv.key()};
      if (auto err = decode(kv.value(), out[key], json_member_path(path, key))) return err;
    }
  } else {
    static_assert(is_message_v<T>, "no JSON mapping: declare the type with CLEAVE_MESSAGE");
    if (!v.is_object()) return json_type_error(path, "an object", v);
    const auto& obj = v.get_object();
    caf::error result;
    boost::mp11::mp_for_each<described_members<T>>([&](auto member) {
      if (result) return;
      auto& value = out.*member.pointer;
      auto child = json_member_path(path, member.name);
      auto i = obj.find(member.name);
      if (i == obj.end()) {
        if constexpr (is_std_optional<std::decay_t<decltype(value)>>::value)
          value.reset();
        else
          result = json_field_error(child, "is required");
        return;
      }
      result = decode(i->value(), value, child);
    });
    if (result) return result;
    for (const auto& kv : obj) {
      bool known = false;
      boost::mp11::mp_for_each<described_members<T>>(
          [&](auto member) { known = known || kv.key() == member.name; });
      if (!known) return json_field_error(json_member_path(path, kv.key()), "is not a known field");
    }
  }
  return caf::none;
}

}  // namespace detail

/// Encodes `x` as JSON.
template <class T>
boost::json::value to_json(const T& x) {
  return detail::encode(x);
}

/// Decodes a `T` from `v`; fails with errc::invalid_argument naming the offending field.
template <class T>
caf::expected<T> from_json(const boost::json::value& v) {
  T out{};
  if (auto err = detail::decode(v, out, std::string{})) return err;
  return out;
}

/// Parses JSON text and decodes a `T` from it; malformed text fails with errc::invalid_argument.
template <class T>
caf::expected<T> from_json_text(std::string_view text);

/// Parses JSON text (no comments); malformed text, or a key repeated in one object, fails with
/// errc::invalid_argument (`field "qty" appears twice`).
caf::expected<boost::json::value> parse_json(std::string_view text);

/// Compact JSON text of `x`.
template <class T>
std::string to_json_text(const T& x);

std::string json_text(const boost::json::value& v);

template <class T>
caf::expected<T> from_json_text(std::string_view text) {
  auto v = parse_json(text);
  if (!v) return std::move(v.error());
  return from_json<T>(*v);
}

template <class T>
std::string to_json_text(const T& x) {
  return json_text(to_json(x));
}

}  // namespace cleave
