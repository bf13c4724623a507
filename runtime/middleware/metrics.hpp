// HTTP metrics: counts every request and times it, per method, route and status code.
//
// Records, into the registry it is given (Observability contract):
//   http_requests_total{method,route,code}            counter
//   http_request_duration_seconds{method,route}       histogram, default buckets
// `route` is the route's pattern ("/things/{id}"), never the path, and "unmatched" when no route
// matched; `method` is one of the standard methods or "other". Both keep the number of series
// bounded whatever clients send. A request is recorded when its answer comes, now or later (the
// duration runs until then). A handler that throws before answering is counted as code 500, and
// the exception goes on; one that never answers is not counted.
//
//   auto h = cleave::chain({request_id(), cleave::middleware::metrics(
//                                             cleave::metrics::default_registry())})(handler);
#pragma once

#include "runtime/gateway/http.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/middleware/clock.hpp"

namespace cleave::middleware {

/// Middleware: records each request into `reg` (which must outlive the handlers and the answers
/// still to come), timed by `now`.
http_middleware metrics(::cleave::metrics::registry& reg, clock_fn now = steady_now);

}  // namespace cleave::middleware
