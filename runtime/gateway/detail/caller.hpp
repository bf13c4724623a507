// The gateway's caller: the actor its typed routes make their calls from. A route's handler runs
// on the HTTP server's I/O thread, which must not wait; it hands the call to this actor as a task
// and returns, and the reply answers the HTTP request from the actor's thread.
//
//   auto caller = detail::spawn_caller(sys, node, "gateway");
//   detail::run_in(caller, [](caf::event_based_actor* self) { cleave::call(self, ...).then(...);
//   });
#pragma once

#include <functional>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>

namespace cleave::detail {

/// Work to run inside the caller actor.
using caller_task = std::function<void(caf::event_based_actor*)>;

/// Spawns a caller for the gateway `gateway` on node `node` (for log lines). It runs every task
/// it is sent; a task that throws is logged and the caller goes on. It ends when `owner` ends
/// (without an owner, when sent an exit message).
caf::actor spawn_caller(caf::actor_system& sys, const caf::actor& owner, std::string node,
                        std::string gateway);

/// Sends `task` to `caller`. If the caller has ended, the task is destroyed unrun (so is any
/// http_respond it holds, which answers 500).
void run_in(const caf::actor& caller, caller_task task);

}  // namespace cleave::detail

// Local only: tasks never cross the network.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cleave::detail::caller_task)
