// `cleave status FILE --web`: the live dashboard of a whole cluster, served over HTTP by the tool
// itself. It asks every node of the placement (or every instance in its registry) for its status
// probe about twice a second, each node in parallel with a deadline, and serves the page and the
// JSON it polls (runtime/node/dashboard.hpp, docs/dashboard.md):
//
//   GET /  and  GET /dashboard   the page (inline CSS and JS, no external asset)
//   GET /api/cluster             nodes, components, edges with rates, replicas, breakers, events
//
// Read-only: any other method gets 405, any other path 404. It listens on 127.0.0.1:7180 unless
// told otherwise (--listen HOST:PORT; port 0 = any free port); the URL is printed once bound.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "runtime/placement/placement.hpp"

namespace cleave::tool {

struct web_options {
  /// Where to listen; default 127.0.0.1 (loopback only: the page shows node addresses).
  std::string host = "127.0.0.1";
  /// Default 7180; 0 = any free port.
  uint16_t port = 7180;
  /// How long a node may take to connect and to answer the probe before it is shown down.
  std::chrono::milliseconds timeout{1000};
  /// Time between the starts of two rounds of probes.
  std::chrono::milliseconds interval{500};
};

/// Serves the dashboard of `plan`'s cluster until SIGINT or SIGTERM; returns 0, or 2 if it could
/// not start (the reason printed on stderr).
int serve_dashboard(const placement& plan, const web_options& options);

}  // namespace cleave::tool
