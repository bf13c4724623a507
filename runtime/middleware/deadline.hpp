// Deadlines: a request's time budget, so that nothing it causes outlives it.
//
// Sets `req.deadline` to `req.received + timeout`, unless an earlier deadline is already set
// (a deadline is only ever shortened, so an outer, stricter budget wins). Calls made for the
// request take their deadline from it. A request whose deadline has already passed when it
// gets here (it waited too long in a queue) is answered at once with 504
// `{"error":"deadline exceeded","request_id":"..."}` (runtime/gateway/errors.hpp) rather than
// started.
//
//   auto mw = cleave::middleware::deadline(std::chrono::milliseconds{2000});   // per route
//   if (!mw) return mw.error();              // invalid_argument: timeout must be > 0
//   auto h = (*mw)(handler);
#pragma once

#include <chrono>

#include <caf/expected.hpp>

#include "runtime/gateway/http.hpp"
#include "runtime/middleware/clock.hpp"

namespace cleave::middleware {

/// Middleware that gives each request `timeout` (> 0; the placement's defaults.timeout_ms is the
/// usual value) from when it was received, checking expiry against `now`. Fails with
/// errc::invalid_argument if timeout <= 0.
caf::expected<http_middleware> deadline(std::chrono::milliseconds timeout,
                                        clock_fn now = steady_now);

/// The header a client gives its own budget in: whole milliseconds from when the gateway
/// received the request, e.g. "X-Request-Deadline: 100".
constexpr const char* request_deadline_header = "x-request-deadline";

/// Middleware that honours a client's X-Request-Deadline: the request's deadline (and with it
/// every call the request causes, on every node) becomes at most that many milliseconds after it
/// was received. A value that is not a whole number from 1 to `max` ms gets 400 naming the header.
/// Requests without the header are left as they are.
http_middleware client_deadline(std::chrono::milliseconds max, clock_fn now = steady_now);

}  // namespace cleave::middleware
