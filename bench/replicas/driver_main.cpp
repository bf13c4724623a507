// cleave_bench_replicas (B10, B11): calls to a replicated component, side by side with a single
// target, and a replica killed under load (bench/README.md). One JSON line per figure on stdout
// (bench/common/report.hpp), progress on stderr.
//
//   B10  seq_latency_us: local, local_round_robin, local_least_outstanding (in-process)
//        seq_rtt_us: single, round_robin, least_outstanding (remote)
//        (and, to tell the replica choice from the spread over two nodes: alternating,
//        round_robin_one_up)
//   B11  p50_us, p99_us, throughput_per_s, slowest_near_kill_us, failed_outcome_unknown_calls,
//        failed_other_calls: no_kill, kill, kill_idempotent
//
//   cleave_bench_replicas [--quick] [--bin DIR] [--peers DIR] [--set PATH=VALUE]...
//                         [--bench B10|B11]...
//
// --bin: where cleave_bench_replicas_node is (default: this program's directory). --peers is
// accepted for the runner's sake; no peer program is used. Every --set goes to every node.
// Exit code 1 if a measurement failed or a node did not exit cleanly on SIGTERM.
#include <algorithm>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "bench/common/own_directory.hpp"
#include "bench/common/report.hpp"
#include "bench/remote/child_guard.hpp"
#include "bench/replicas/measure.hpp"

namespace {

using namespace bench_replicas;

int usage(const std::string& why) {
  std::cerr << "cleave_bench_replicas: " << why
            << "\nusage: cleave_bench_replicas [--quick] [--bin DIR] [--peers DIR] "
               "[--set PATH=VALUE]... [--bench B10|B11]..."
            << std::endl;
  return 2;
}

/// Runs one measurement; false (the reason on stderr) if it failed.
template <class F>
bool attempt(const std::string& name, F f) {
  std::cerr << "-- " << name << std::endl;
  try {
    f();
    return true;
  } catch (const std::exception& e) {
    std::cerr << name << " failed: " << e.what() << std::endl;
    return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  bench_remote::kill_children_on_signal();
  run_context ctx;
  ctx.bin_dir = cleave_bench::own_directory(argv[0]);
  ctx.quick = cleave_bench::quick_mode(argc, argv);
  std::vector<std::string> only;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quick") continue;
    if ((arg == "--bin" || arg == "--peers" || arg == "--set" || arg == "--bench") &&
        i + 1 < argc) {
      std::string value = argv[++i];
      if (arg == "--bin") ctx.bin_dir = value;
      if (arg == "--set") ctx.sets.push_back(value);
      if (arg == "--bench") {
        if (value != "B10" && value != "B11") return usage("unknown benchmark " + value);
        only.push_back(value);
      }
      continue;
    }
    return usage("unknown argument " + arg);
  }
  auto wants = [&](const char* id) {
    return only.empty() || std::find(only.begin(), only.end(), id) != only.end();
  };
  bool ok = true;
  if (wants("B10")) ok = attempt("B10", [&] { run_b10(ctx); }) && ok;
  if (wants("B11")) {
    // The reference first: the kills come after it, each on a fresh cluster.
    ok = attempt("B11 no_kill", [&] { run_b11(ctx, failover::none); }) && ok;
    ok = attempt("B11 kill", [&] { run_b11(ctx, failover::kill); }) && ok;
    ok = attempt("B11 kill_idempotent", [&] { run_b11(ctx, failover::kill_idempotent); }) && ok;
  }
  return ok ? 0 : 1;
}
