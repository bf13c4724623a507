// The components of the replicas benchmark app (bench_replicas, B10 and B11), shared by its node
// binary and by the driver, which runs the app's caller node in-process (every node registers
// every message type of the app, so both sides list the same components).
//
// Every component is bench/remote's echo (echo_request or echo_idempotent_request -> echo_reply),
// under one name per way the placement puts it (placements.hpp): a plain component on the caller's
// node, one replicated on the caller's node and another, one on a single node, one replicated on
// two nodes; so that the variants of one run differ only in the name they call.
#pragma once

#include <string>
#include <vector>

#include "runtime/component/component.hpp"

namespace bench_replicas {

/// The app name placements of the benchmark say.
constexpr const char* app_name = "bench_replicas";

/// The names of the app's components, all echoes (where each runs: placements.hpp).
struct names {
  /// On the caller's node, not replicated: the in-process reference.
  static constexpr const char* local = "echo-local";
  /// Replicated on the caller's node and node "r3" (never started): round-robin and
  /// least-outstanding.
  static constexpr const char* local_round_robin = "echo-local-rr";
  static constexpr const char* local_least_outstanding = "echo-local-lo";
  /// On node "r1" only: the remote reference.
  static constexpr const char* single = "echo-single";
  /// On node "r2" only: called in turn with `single`, the spread over two nodes without a
  /// replica choice.
  static constexpr const char* single_r2 = "echo-single-r2";
  /// Replicated on nodes "r1" and "r2": round-robin and least-outstanding.
  static constexpr const char* round_robin = "echo-rr";
  static constexpr const char* least_outstanding = "echo-lo";
  /// Replicated on nodes "r1" and "r3" (round-robin): every call goes to r1 through the replica
  /// choice, without the spread.
  static constexpr const char* round_robin_one_up = "echo-rr-r1-r3";
};

/// Every component of the app, in one list for both binaries.
std::vector<cleave::component> app_components();

/// Their names, in the order of app_components().
std::vector<std::string> app_component_names();

}  // namespace bench_replicas
