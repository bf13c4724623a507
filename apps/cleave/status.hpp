// `cleave status`: asks every node of a placement for its status probe over the node network.
#pragma once

#include <chrono>

#include "runtime/placement/placement.hpp"

namespace cleave::tool {

/// Prints, per node: reachable or not (and why), pid, uptime, components and calls served.
/// Returns 0 if every node answered, else 1.
int print_status(const placement& plan, std::chrono::milliseconds timeout);

}  // namespace cleave::tool
