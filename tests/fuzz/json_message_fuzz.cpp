// libFuzzer target: JSON text -> message structs, as the HTTP edge decodes a request body
// (runtime/gateway/routes.cpp: trim, parse_json, an object is required, from_json<Req>). The input
// is decoded into three message types (a flat one, one with nested structs, vectors, optionals and
// maps, and one nesting that one again). What decodes must come back unchanged through both
// encodings: JSON (encode, parse, decode, encode again) and CAF's binary wire format. A difference
// traps; a refusal is a fine answer.
#include <boost/json/value.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/error.hpp"
#include "runtime/core/json.hpp"
#include "runtime/core/message.hpp"
#include "tests/runtime/core/test_messages.hpp"

namespace fuzz {

/// Every member kind the JSON mapping knows, and a nested message with its own optionals.
struct order {
  std::string id;
  std::optional<int8_t> priority;
  uint64_t amount = 0;
  int64_t delta = 0;
  std::vector<std::string> notes;
  std::map<std::string, core_test::point> places;
  std::optional<core_test::shape> outline;
  std::vector<core_test::shape> shapes;
  std::optional<bool> urgent;
};
CLEAVE_MESSAGE(order, id, priority, amount, delta, notes, places, outline, shapes, urgent)

}  // namespace fuzz

namespace {

/// Equal JSON values, doubles compared to the last bits (Boost.JSON 1.81 parses doubles only
/// nearly correctly rounded, so text -> double -> text may move a double by an ulp).
bool same(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() || b.is_double()) {
    if (!a.is_double() || !b.is_double()) return false;
    double x = a.get_double();
    double y = b.get_double();
    if (x == y || (std::isnan(x) && std::isnan(y))) return true;
    return std::fabs(x - y) <= 1e-15 * std::fmax(std::fabs(x), std::fabs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!same(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto& x = a.get_object();
    const auto& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const auto* other = y.if_contains(kv.key());
      if (!other || !same(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view space = " \t\r\n";
  auto first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

/// Decodes a `T` from `input` and checks both round trips of what decoded.
template <class T>
void check(const boost::json::value& input) {
  auto x = cleave::from_json<T>(input);
  if (!x) {
    (void)cleave::describe(x.error());
    return;
  }
  auto encoded = cleave::to_json(*x);
  // JSON: the text the edge would answer with decodes to the same message.
  auto text = cleave::json_text(encoded);
  auto back = cleave::from_json_text<T>(text);
  if (!back || !same(cleave::to_json(*back), encoded)) __builtin_trap();
  // CAF's wire format (what crosses nodes): exact, doubles included.
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  if (sink(*x)) __builtin_trap();
  T wire{};
  caf::binary_deserializer source{nullptr, buf};
  if (source(wire) || cleave::to_json(wire) != encoded) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto body = trim({reinterpret_cast<const char*>(data), size});
  auto parsed = cleave::parse_json(body);
  if (!parsed) {
    (void)cleave::describe(parsed.error());
    return 0;
  }
  // The edge refuses a body that is not an object before decoding; decode anyway, since
  // from_json's own refusal of other kinds is part of what is tested.
  check<core_test::point>(*parsed);
  check<core_test::shape>(*parsed);
  check<fuzz::order>(*parsed);
  return 0;
}
