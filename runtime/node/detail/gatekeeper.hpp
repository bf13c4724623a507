// The one actor a node exposes to the network: it hands out the components the placement puts on
// this node (and nothing else: no actor type is remotely spawnable) and answers the status probe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "runtime/component/detail/directory.hpp"

namespace cleave::detail {

struct gatekeeper_info {
  std::string app;
  std::string node;
  std::chrono::steady_clock::time_point started;
  /// Times `cleave up` restarted the node (its CLEAVE_RESTARTS).
  int32_t restarts = 0;
};

caf::actor spawn_gatekeeper(caf::actor_system& sys, std::shared_ptr<directory> components,
                            gatekeeper_info info);

}  // namespace cleave::detail
