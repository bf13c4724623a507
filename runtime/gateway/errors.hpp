// How errors reach HTTP clients: THE one mapping of cleave::errc to HTTP status codes, and the
// one shape of an error body.
//
//   auto r = client.call("thingey-repo", get_thingey{id});
//   if (!r) return cleave::error_reply(r.error(), req.request_id);
//   // 404 {"error":"not_found: no thingey 'd1'","request_id":"5f0c..."}
//   // 503 {"error":"service unavailable; the request was not applied, it may be retried", ...}
//   return cleave::error_reply(415, "send application/json", req.request_id);
//
// Every error the gateway answers is JSON `{"error": "...", "request_id": "..."}` with the text
// escaped (and invalid UTF-8 replaced), so a client can always parse it, and the request id is the
// one in the answer's X-Request-Id (runtime/middleware/request_id.hpp), under which the gateway's
// log lines for the request are found.
//
// Errors the client caused (every 4xx: invalid_argument 400, unauthenticated 401,
// permission_denied 403, not_found 404, already_exists and failed_precondition 409,
// resource_exhausted 429, and app-defined errors with a 4xx status) are shown as the component
// wrote them: their text is meant for the client. Every other error (the runtime's: unavailable,
// deadline_exceeded, outcome_unknown, internal, errors of other categories) gets a
// fixed message that says what the client may do, because its text names components, nodes, hosts
// and ports; the text goes to one log line with the request's id instead. A gateway's
// "expose_errors" (development only) shows the text in the body too.
//
// Built without the network or actors, so that middleware (runtime/middleware/) answers errors in
// the same shape.
#pragma once

#include <string>
#include <string_view>

#include <caf/error.hpp>

#include "runtime/gateway/http.hpp"

namespace cleave {

/// The HTTP status for `err`: invalid_argument 400, unauthenticated 401, permission_denied 403,
/// not_found 404, already_exists and failed_precondition 409, resource_exhausted 429,
/// deadline_exceeded and outcome_unknown 504, unavailable and unknown_component 503, an
/// app-defined error its own status (cleave::make_app_error), anything else 500.
int http_status(const caf::error& err);

/// True for the statuses of errors the client caused (4xx), whose text is shown.
bool client_caused(int status);

/// What a client is told about `err` when its text is not shown: a fixed message for its status
/// ("service unavailable; the request was not applied, it may be retried", "deadline exceeded;
/// the request may have been applied", "outcome unknown; the request may have been applied",
/// "internal error").
std::string public_message(const caf::error& err);

/// Where and how a gateway reports the errors it answers.
struct error_reporting {
  /// For the log line: the gateway's node and component name.
  std::string node;
  std::string component;
  /// Show describe(err) in the body of every error, not only of those the client caused
  /// (gateway config "expose_errors"; for development). Default false.
  bool expose = false;
};

/// A JSON error response: `status` and body `{"error": message, "request_id": request_id}`.
http_response error_reply(int status, std::string message, std::string_view request_id);

/// The error response for request `request_id` failing with `err`: status http_status(err); the
/// body's message is describe(err) ("not_found: no thingey 'd1'") if the client caused the error
/// (or `how.expose`), else public_message(err). Each error the client did not cause is logged
/// (one line: "warning", or "error" for a 500) with describe(err), the status and the id.
http_response error_reply(const caf::error& err, std::string_view request_id,
                          const error_reporting& how = {});

}  // namespace cleave
