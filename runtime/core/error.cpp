#include "runtime/core/error.hpp"

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

std::string what(const caf::error& err) {
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
  else if (err.category() == caf::atom("system"))
    code = caf::to_string(static_cast<caf::sec>(err.code()));
  else
    code = caf::to_string(err.category()) + "(" + std::to_string(err.code()) + ")";
  auto text = what(err);
  return text.empty() ? code : code + ": " + text;
}

}  // namespace cleave
