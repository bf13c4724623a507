// Errors of the cleave runtime: one error code enum used across every boundary.
//
// Errors are values. Handlers return them, calls deliver them, and the HTTP edge maps them to
// status codes in exactly one place. They travel as `caf::error` in category "cleave", so they
// cross nodes like any CAF error:
//
//   if (!found) return cleave::make_error(cleave::errc::not_found, "no thingey '" + id + "'");
//   ...
//   if (cleave::is(err, cleave::errc::deadline_exceeded)) ...
//   std::cerr << cleave::describe(err);   // "deadline_exceeded: thingey-store.get_item: ..."
#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>

namespace cleave {

/// The error codes of the runtime and of components written with it.
enum class errc : uint8_t {
  /// Not an error.
  none = 0,
  /// The request or a field of it is malformed or out of range.
  invalid_argument,
  /// The entity a request names does not exist.
  not_found,
  /// The entity a request would create exists already.
  already_exists,
  /// No component with the requested name exists in this placement.
  unknown_component,
  /// No reply arrived within the call's deadline.
  deadline_exceeded,
  /// The component, or the node hosting it, cannot be reached.
  unavailable,
  /// A handler failed unexpectedly (it threw, or a message could not be handled).
  internal,
  /// A placement file or command line was refused.
  invalid_placement,
  /// The request may have reached the component (and been applied) but no reply came: the
  /// connection was lost or the deadline passed after it was sent. Retrying may apply it twice.
  outcome_unknown,
  /// The request conflicts with the state it would change: out of stock, a version that moved
  /// on, an order already shipped. Not applied; retrying as is fails again.
  failed_precondition,
  /// The caller is known but may not do this.
  permission_denied,
  /// The caller did not prove who it is (no or bad credentials).
  unauthenticated,
  /// A quota or rate limit is used up; the request was not applied and may be retried later.
  resource_exhausted,
};

/// The last code of errc.
constexpr errc errc_last = errc::resource_exhausted;

/// The CAF error category of `errc`.
constexpr caf::atom_value error_category = caf::atom("cleave");

/// Returns the name of `x`, e.g. "deadline_exceeded".
std::string to_string(errc x);

/// Makes an error of code `x` whose context is the human-readable `what`.
caf::error make_error(errc x, std::string what);

/// True if `err` has code `x` (in the cleave category).
bool is(const caf::error& err, errc x);

/// The human-readable text a `make_error` call attached, or "" if there is none.
std::string what(const caf::error& err);

/// Renders any error (cleave, app or CAF) as "<code>: <what>", e.g. "not_found: no thingey 'd1'".
std::string describe(const caf::error& err);

// -- errors an app defines ------------------------------------------------------------------------
//
// When no errc fits, an app names its own error and the HTTP status its clients get:
//
//   return cleave::make_app_error(409, "out_of_stock", "only 2 of \"p1\" left");
//   ...
//   if (cleave::is_app_error(err, "out_of_stock")) ...
//
// They travel between nodes like any error, and the HTTP edge answers them with their status and
// their text (describe: "out_of_stock: only 2 of "p1" left"). Statuses 400–499 and 500 are
// allowed: 502, 503 and 504 are the runtime's promises about whether a request was applied.

/// The CAF error category of app-defined errors.
constexpr caf::atom_value app_error_category = caf::atom("cleave_app");

/// An app-defined error `code` ("out_of_stock": letters, digits and '_', at most 64) answered with
/// HTTP status `http_status`, whose client-facing text is `what`. A status outside 400–499 and
/// 500, or a malformed code, gives an errc::internal error saying so instead.
caf::error make_app_error(int http_status, std::string code, std::string what);

/// True if `err` is the app-defined error `code`.
bool is_app_error(const caf::error& err, const std::string& code);

/// The HTTP status of an app-defined error, or 0 if `err` is not one.
int app_error_status(const caf::error& err);

}  // namespace cleave
