// The HTTP gateway: a component (named "gateway") that serves declared routes over HTTP and turns
// each request into a call to a component by name.
//
//   cleave::routes r;
//   r.add<counter::add>("POST", "/add", "counter");
//   std::vector<cleave::component> components{counter::counter_component(),
//                                             cleave::gateway_component(std::move(r))};
//
//   // placement: the gateway is placed like any component; its config says where it listens
//   "gateway": { "node": "front", "config": { "listen": "0.0.0.0:8080", "timeout_ms": 500 } }
//
// Config keys ("components.gateway.config"; unknown keys and wrong types are errors that fail the
// node's start, naming the key):
//   listen            "host:port" to listen on, that address only ("[::1]:8080" for IPv6; port 0
//                     = any free port). Required.
//   body_limit_bytes  largest request body; larger ones get 413. Default 1048576 (1 MiB).
//   timeout_ms        deadline of a typed route's call unless the route sets one. Default: the
//                     placement's "defaults.timeout_ms".
//   max_connections   most connections open at once. At the cap, a new connection closes the
//                     one that has waited longest for its next request (none in flight); while
//                     every connection has a request in flight, new clients wait in the listen
//                     backlog (1024). Default 1024.
//   drain_timeout_ms  how long a stopping gateway waits for requests in flight. Default 5000.
//   header_timeout_ms the whole request head must arrive within this, from its first byte, or the
//                     client gets 408 and the connection closes. Default 10000.
//   body_timeout_ms   likewise the whole body, from the end of the head (408; 413 comes first if
//                     the body is over the limit). Default 30000.
//   idle_timeout_ms   how long a connection may wait for a request's first byte (new, or kept
//                     alive after an answer) before it is closed. Default 10000.
//   write_timeout_ms  how long writing an answer may take before the connection is closed.
//                     Default 10000.
//   expose_errors     true: the body of every error gives its full text (development only).
//                     Default false: errors the client did not cause (503, 504, 500) give a
//                     fixed message, their text goes to the log (runtime/gateway/errors.hpp).
//   readyz_detail     true: a failing /readyz names what cannot be reached. Default false.
//   rate_limit, request_log, metrics
//                     objects handed untouched to the middleware factories (routes.hpp).
//   keys claimed with routes::config_key: likewise, in gateway_settings::extensions.
//
// Every request: head within header_timeout_ms (408; 400 for HTTP/1.1 without Host) -> route
// lookup (404; 405 with Allow) -> body read with the limit (413) within body_timeout_ms (408) ->
// the middleware -> the route's handler, run inside the request's context (request id and
// deadline, carried into every call it makes). Whatever a handler or middleware throws becomes a
// 500 with a JSON body; every error body is `{"error": "...", "request_id": "..."}`. GET /healthz
// answers 200 `{"status":"ok"}` unless the app declares GET /healthz itself.
//
// Threads: one I/O thread (Boost.Beast on Asio) reads requests and runs the middleware and typed
// routes, which hand their calls to the gateway's caller actor without waiting; the answer is
// written when the reply comes. Raw routes run on two threads of their own. No thread is held
// per connection or per request in flight.
//
// Stop: when the gateway's actor ends (its node stops), the server stops accepting (new
// connections are refused), waits for the requests in flight (at most drain_timeout_ms; answers
// given meanwhile close their connections), then closes every connection.
#pragma once

#include <string>

#include "runtime/component/component.hpp"
#include "runtime/gateway/routes.hpp"

namespace cleave {

/// The gateway component, named "gateway", serving `r`.
component gateway_component(routes r);

/// A gateway component named `name` (e.g. a second one for admin routes on another port).
component gateway_component(std::string name, routes r);

/// Decodes a gateway's config object into settings (not yet the port of "listen" port 0, nor
/// the actor system); fails with errc::invalid_argument naming the key ("components.<name>.config.
/// threads: ..."). `default_timeout` is the placement's default call deadline.
caf::expected<gateway_settings> decode_gateway_settings(const std::string& name,
                                                        const boost::json::object& config,
                                                        const routes& r,
                                                        std::chrono::milliseconds default_timeout);

}  // namespace cleave
