// Load from caller actors: `callers` event-based actors, each keeping `window` echo requests
// outstanding and sending the next one from the response handler (actor-to-actor, no blocking
// thread in the loop). The same driver serves cleave calls by name and raw CAF requests, so that
// only the path of a call differs between the two.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

namespace bench_remote {

struct load_spec {
  /// Caller actors.
  int callers = 1;
  /// Requests each caller keeps outstanding.
  int window = 1;
  /// Length of the request's payload string.
  size_t payload = 16;
  /// Unrecorded time before the measured window (connections warm, caches filled).
  std::chrono::nanoseconds warmup{};
  /// The measured window: calls started within it count.
  std::chrono::nanoseconds measure{};
  /// Deadline of each call.
  caf::timespan timeout = std::chrono::seconds(2);
  /// Cleave calls send echo_idempotent_request instead of echo_request: a replicated component
  /// retries them on another replica when the one they reached is lost (bench/replicas, B11).
  bool idempotent = false;
  /// Also record when each successful call started (load_result::started_ns).
  bool record_starts = false;
};

struct load_result {
  /// Latency (ns) of every successful call started within the window.
  std::vector<int64_t> latencies_ns;
  /// With load_spec::record_starts: when each of them started, in ns since the window opened
  /// (the same order as latencies_ns).
  std::vector<int64_t> started_ns;
  /// Failed calls (errors or wrong answers) started within the window.
  uint64_t errors = 0;
  /// Of those, the calls that failed with errc::outcome_unknown (sent, then the connection to
  /// the component's node was lost).
  uint64_t outcome_unknown = 0;
  /// Every call answered, in the window or not (warm-up and the window's tail included).
  uint64_t answered = 0;
  /// The first failure seen, for the log.
  std::string first_error;
  /// Length of the window in seconds.
  double measure_s = 0;

  /// Successful calls started within the window, per second.
  double per_s() const {
    return measure_s > 0 ? static_cast<double>(latencies_ns.size()) / measure_s : 0;
  }
};

/// Calls `component` (an echo) by name with cleave::call from caller actors spawned in `sys` (a
/// cleave node). Throws std::runtime_error if the callers do not finish in time.
load_result run_cleave_load(caf::actor_system& sys, const std::string& component,
                            const load_spec& spec);

/// The same, each caller calling `components` in turn (one call to each, then again).
load_result run_cleave_load(caf::actor_system& sys, const std::vector<std::string>& components,
                            const load_spec& spec);

/// The same with plain CAF requests to `target` (the raw echo actor, a remote handle).
load_result run_raw_caf_load(caf::actor_system& sys, const caf::actor& target,
                             const load_spec& spec);

}  // namespace bench_remote
