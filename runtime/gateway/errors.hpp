// How errors reach HTTP clients: THE one mapping of cleave::errc to HTTP status codes, and the
// one shape of an error body.
//
//   auto r = client.call("thingey-repo", get_thingey{id});
//   if (!r) return cleave::error_reply(r.error());          // 404 {"error":"not_found: ..."}
//   return cleave::error_reply(415, "send application/json"); // {"error":"send application/json"}
//
// Every error the gateway answers is JSON `{"error": "..."}` with the text escaped (and invalid
// UTF-8 replaced), so a client can always parse it.
#pragma once

#include <string>

#include <caf/error.hpp>

#include "runtime/gateway/http.hpp"

namespace cleave {

/// The HTTP status for `err`: invalid_argument 400, not_found 404, already_exists 409,
/// deadline_exceeded 504, unavailable and unknown_component 503, anything else 500.
int http_status(const caf::error& err);

/// A JSON error response: `status` and body `{"error": message}`.
http_response error_reply(int status, std::string message);

/// The error response for `err`: status http_status(err), message describe(err)
/// ("not_found: no thingey 'd1'").
http_response error_reply(const caf::error& err);

}  // namespace cleave
