// The callees: the "echo" component (cleave), the same echo as a raw CAF actor, idle components.
#pragma once

#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "runtime/component/component.hpp"

namespace inproc {

/// Component "echo": answers echo_req with its payload, moved (not copied) into the response, so
/// that any copy a large payload costs is the runtime's, not the benchmark's.
cleave::component echo_component();

/// The same echo as a plain CAF actor (the raw_caf reference).
caf::actor spawn_raw_echo(caf::actor_system& sys);

/// B13: "seq-then" answers run_sequence making its calls with `.then` callbacks, "seq-co" with a
/// coroutine handler (`co_await`); the same calls otherwise.
cleave::component sequence_then_component();
cleave::component sequence_coroutine_component();

/// A component that is never called, registered under `name`.
cleave::component idle_component(std::string name);

}  // namespace inproc
