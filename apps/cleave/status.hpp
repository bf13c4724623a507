// `cleave status`: asks every node of a placement for its status probe over the node network.
#pragma once

#include <chrono>

#include "runtime/placement/placement.hpp"

namespace cleave::tool {

/// Prints, per node: reachable or not (and why), pid, uptime, components and calls served; a
/// node that a running `cleave up` saw exit 0 is "finished" (up_record.hpp). Returns 0 if every
/// node answered or finished, else 1.
int print_status(const placement& plan, std::chrono::milliseconds timeout);

}  // namespace cleave::tool
