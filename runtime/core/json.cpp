#include "runtime/core/json.hpp"

#include <charconv>

#include <boost/json/serialize.hpp>

#include "runtime/core/detail/strict_json.hpp"

namespace cleave {

namespace {

const char* kind_of(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "number";
    case boost::json::kind::string:
      return "string";
    case boost::json::kind::array:
      return "array";
    case boost::json::kind::object:
      return "object";
  }
  return "value";
}

std::string field_name(const std::string& path) {
  return path.empty() ? "the document" : "field \"" + path + "\"";
}

}  // namespace

namespace detail {

caf::error json_type_error(const std::string& path, std::string_view expected,
                           const boost::json::value& found) {
  auto text =
      found.is_double() ? json_number_text(found.get_double()) : boost::json::serialize(found);
  constexpr size_t max_shown = 40;
  if (text.size() > max_shown) text = text.substr(0, max_shown) + "...";
  return make_error(errc::invalid_argument, field_name(path) + ": expected " +
                                                std::string{expected} + ", found " + text + " (" +
                                                kind_of(found) + ")");
}

caf::error json_field_error(const std::string& path, std::string_view problem) {
  return make_error(errc::invalid_argument, field_name(path) + " " + std::string{problem});
}

std::string json_number_text(double x) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, x);
  std::string text(buf, res.ptr);
  if (text.find_first_of(".eEni") == std::string::npos) text += ".0";
  return text;
}

std::string json_member_path(const std::string& parent, std::string_view name) {
  return parent.empty() ? std::string{name} : parent + "." + std::string{name};
}

}  // namespace detail

caf::expected<boost::json::value> parse_json(std::string_view text) {
  auto parsed = detail::parse_strict(text);
  if (!parsed.duplicate.empty()) {
    std::string path;
    for (const auto& step : parsed.duplicate)
      path = step.is_key ? detail::json_member_path(path, step.key)
                         : path + "[" + std::to_string(step.index) + "]";
    return detail::json_field_error(path, "appears twice");
  }
  if (parsed.ec)
    return make_error(errc::invalid_argument, "malformed JSON: " + parsed.ec.message());
  return std::move(parsed.value);
}

std::string json_text(const boost::json::value& v) {
  return boost::json::serialize(v);
}

}  // namespace cleave
