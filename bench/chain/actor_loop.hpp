// The in-process driver of the "monolith" and "split" variants: an event-based actor in a node's
// actor system that calls "chain-a" with cleave::call, one request after the other (the next is
// sent from the previous one's reply handler), timing each from send to reply. No blocking
// client and no foreign thread sit in the measured path.
#pragma once

#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "bench/chain/latency.hpp"

namespace chain_bench {

/// Runs `plan` against component `first` of the chain in `sys`; returns the latencies (µs) of
/// the recorded requests, or the first failed call (a wrong counter in a reply is a failure too).
caf::expected<std::vector<double>> run_actor_loop(caf::actor_system& sys, const std::string& first,
                                                  const loop_plan& plan);

}  // namespace chain_bench
