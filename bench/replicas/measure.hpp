// The measurements of cleave_bench_replicas: each starts its own cluster (cluster.hpp), drives it
// with caller actors (bench/remote/caller_load.hpp) and prints its results
// (bench/common/report.hpp). Each throws std::runtime_error if it cannot run.
#pragma once

#include <string>
#include <vector>

namespace bench_replicas {

struct run_context {
  /// Where cleave_bench_replicas_node is.
  std::string bin_dir;
  /// Shorter windows, one round: the CI smoke run.
  bool quick = false;
  /// --set PATH=VALUE for every node.
  std::vector<std::string> sets;
};

/// B10: one sequential caller, in rounds that alternate the variants, calls
///   in-process  echo-local (plain), echo-local-rr, echo-local-lo (replicated on this node and
///               on r3, which is down: every call is served here, through the replica choice)
///   remote      echo-single (r1), echo-rr, echo-lo (r1 and r2)
/// and reports each variant's median (seq_latency_us in-process, seq_rtt_us remote).
void run_b10(const run_context& ctx);

/// How a B11 run ends.
enum class failover { none, kill, kill_idempotent };

/// B11: four sequential callers call echo-rr (r1 and r2) for a few seconds; with `kill`, r2 is
/// killed (SIGKILL) a third into the window. Reports p50_us, p99_us, throughput_per_s (calls
/// that succeeded), slowest_near_kill_us (the slowest call started within 20 ms of the kill, or
/// of the same moment without one), failed_outcome_unknown_calls and failed_other_calls under the
/// variant no_kill, kill or kill_idempotent (calls of a request type declared idempotent).
void run_b11(const run_context& ctx, failover how);

}  // namespace bench_replicas
