// A node's admin port: /metrics, /debug/vars, /healthz and /readyz over HTTP at the address the
// placement gives the node, whether or not the node runs a gateway, and what the caller adds
// (cleave::app adds the node's dashboard, runtime/node/dashboard.hpp: /dashboard and
// /dashboard.json):
//
//   "nodes": { "core": { "host": "10.0.0.7", "port": 7201, "admin": "0.0.0.0:9201" } }
//
// The admin port is an HTTP gateway component (named "cleave-admin") with only those routes, no
// request log and no request metrics (scrapes do not count as traffic). Its /readyz answers 200
// only while every component that the node's components declare with component::calls (a
// gateway declares those its routes call) can be reached; a 503 names what cannot be reached and
// where ("readyz_detail": the admin port is an operator's, on an address the operator chose,
// unlike a gateway's public port, whose /readyz names nothing). cleave::app adds it; nothing else
// needs to.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "runtime/component/component.hpp"
#include "runtime/gateway/routes.hpp"
#include "runtime/placement/placement.hpp"

namespace cleave {

/// The name the admin component is placed under.
inline constexpr const char* admin_component_name = "cleave-admin";

/// If `plan` gives node `node_name` an admin address, adds the admin component to `components`
/// and places it on that node (in `plan` only: other nodes never call it); `more_routes` (if
/// set) adds routes of its own (raw GET routes: the admin port is read-only). Fails with
/// errc::invalid_placement if the app already has a component of that name.
caf::error add_admin_port(placement& plan, const std::string& node_name,
                          std::vector<component>& components,
                          const std::function<void(routes&)>& more_routes = {});

}  // namespace cleave
