#include "runtime/core/error.hpp"

#include <algorithm>

#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace cleave {

std::string to_string(errc x) {
  switch (x) {
    case errc::none:
      return "none";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::not_found:
      return "not_found";
    case errc::already_exists:
      return "already_exists";
    case errc::unknown_component:
      return "unknown_component";
    case errc::deadline_exceeded:
      return "deadline_exceeded";
    case errc::unavailable:
      return "unavailable";
    case errc::internal:
      return "internal";
    case errc::invalid_placement:
      return "invalid_placement";
    case errc::outcome_unknown:
      return "outcome_unknown";
    case errc::failed_precondition:
      return "failed_precondition";
    case errc::permission_denied:
      return "permission_denied";
    case errc::unauthenticated:
      return "unauthenticated";
    case errc::resource_exhausted:
      return "resource_exhausted";
  }
  return "errc(" + std::to_string(static_cast<int>(x)) + ")";
}

caf::error make_error(errc x, std::string what) {
  return caf::error{static_cast<uint8_t>(x), error_category, caf::make_message(std::move(what))};
}

bool is(const caf::error& err, errc x) {
  // CAF 0.17 reads through a null pointer for the category of an empty error.
  return err && err.category() == error_category && err.code() == static_cast<uint8_t>(x);
}

namespace {

/// An app error's context: its status, its code and its text.
constexpr size_t app_status = 0;
constexpr size_t app_code = 1;
constexpr size_t app_what = 2;

bool is_app(const caf::error& err) {
  return err && err.category() == app_error_category &&
         err.context().match_elements<uint16_t, std::string, std::string>();
}

bool valid_app_code(const std::string& code) {
  if (code.empty() || code.size() > 64) return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

caf::error make_app_error(int http_status, std::string code, std::string what) {
  if (!valid_app_code(code))
    return make_error(errc::internal,
                      "make_app_error: code \"" + code +
                          "\" must be 1 to 64 letters, digits or '_' (text: " + what + ")");
  if (!((http_status >= 400 && http_status <= 499) || http_status == 500))
    return make_error(errc::internal,
                      "make_app_error: status " + std::to_string(http_status) + " of \"" + code +
                          "\" is not allowed (400-499 or 500) (text: " + what + ")");
  return caf::error{
      1, app_error_category,
      caf::make_message(static_cast<uint16_t>(http_status), std::move(code), std::move(what))};
}

bool is_app_error(const caf::error& err, const std::string& code) {
  return is_app(err) && err.context().get_as<std::string>(app_code) == code;
}

int app_error_status(const caf::error& err) {
  return is_app(err) ? err.context().get_as<uint16_t>(app_status) : 0;
}

std::string what(const caf::error& err) {
  if (is_app(err)) return err.context().get_as<std::string>(app_what);
  const auto& ctx = err.context();
  std::string out;
  for (size_t i = 0; i < ctx.size(); ++i) {
    if (!out.empty()) out += ", ";
    out += ctx.match_element<std::string>(i) ? ctx.get_as<std::string>(i) : ctx.stringify(i);
  }
  return out;
}

std::string describe(const caf::error& err) {
  if (!err) return "none";
  std::string code;
  if (err.category() == error_category)
    code = to_string(static_cast<errc>(err.code()));
  else if (is_app(err))
    code = err.context().get_as<std::string>(app_code);
  else if (err.category() == caf::atom("system"))
    code = caf::to_string(static_cast<caf::sec>(err.code()));
  else
    code = caf::to_string(err.category()) + "(" + std::to_string(err.code()) + ")";
  auto text = what(err);
  return text.empty() ? code : code + ": " + text;
}

}  // namespace cleave
