// Request ids: every request gets one, so its log lines and downstream calls can be found.
//
// An incoming `X-Request-Id` is kept if it is 1 to 128 characters of [A-Za-z0-9._-] (a proxy or
// the client already named the request); anything else is replaced by a generated id, so that a
// client cannot inject text into logs or headers through it. The id is stored in
// `req.request_id` for everything downstream and returned in the response's `X-Request-Id`.
// Put this middleware outermost, so that even early answers (429, 503) carry the id:
//
//   auto h = cleave::chain({cleave::middleware::request_id(), ...})(handler);
//   // a test that wants known ids:
//   auto h2 = cleave::middleware::request_id([] { return std::string{"fixed"}; })(handler);
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "runtime/core/request_context.hpp"
#include "runtime/gateway/http.hpp"

namespace cleave::middleware {

/// Makes a new request id.
using id_generator = std::function<std::string()>;

/// The default generator (runtime/core/request_context.hpp).
using cleave::random_request_id;

/// True if `id` is 1..128 characters of [A-Za-z0-9._-].
bool valid_request_id(std::string_view id);

/// Middleware: sets req.request_id (incoming X-Request-Id if valid, else `generate()`) and
/// returns it in the response header X-Request-Id (replacing one the handler may have set).
/// Default generator: random_request_id.
http_middleware request_id(id_generator generate = random_request_id);

}  // namespace cleave::middleware
