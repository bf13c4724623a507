// The edge every gateway has, configured from its placement config: request ids, the request log,
// metrics, the rate limit, and the /metrics, /debug/vars and /readyz routes.
//
//   "gateway": { "node": "edge", "config": {
//       "listen": "127.0.0.1:8080",
//       "rate_limit":  { "rate": 50, "burst": 100 },        // absent: no limit
//       "request_log": { "bodies": false, "max_body_bytes": 1024 },   // absent: on, no bodies
//       "metrics":     { "enabled": true } } }              // absent: on
//
// /readyz answers 200 `{"status":"ready"}` while every component a route calls can be reached,
// else 503 `{"error":"not ready","request_id":"..."}`: what cannot be reached (which names
// components, nodes and addresses) goes to a log line with the request id, and into the body only
// with "readyz_detail": true in the gateway's config (the admin port sets it; admin.hpp).
//
// Order, outermost first: request id (so every answer, a 429 included, carries it), request log
// and metrics (so they see every answer), then the rate limit (which spares /metrics,
// /debug/vars, /healthz and /readyz: probes and scrapes must work while clients are throttled).
// cleave::gateway_component adds all of this to every gateway; apps do nothing.
#pragma once

#include "runtime/gateway/routes.hpp"

namespace cleave {

/// Adds the standard middleware and routes to `r` (done by gateway_component).
void add_standard_edge(routes& r);

}  // namespace cleave
