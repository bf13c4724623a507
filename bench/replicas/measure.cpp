#include "bench/replicas/measure.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <future>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "bench/common/report.hpp"
#include "bench/remote/bench_components.hpp"
#include "bench/remote/caller_load.hpp"
#include "bench/remote/stats.hpp"
#include "bench/replicas/cluster.hpp"
#include "bench/replicas/replica_components.hpp"
#include "runtime/core/error.hpp"

namespace bench_replicas {

namespace {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;
using bench_remote::load_result;
using bench_remote::load_spec;
using bench_remote::median_us;
using bench_remote::percentile_us;

/// The deadline of every call (the placement's default).
constexpr auto call_timeout = 2s;

load_spec spec(int callers, ms warmup, ms measure) {
  load_spec s;
  s.callers = callers;
  s.window = 1;
  s.payload = 16;
  s.warmup = warmup;
  s.measure = measure;
  s.timeout = call_timeout;
  return s;
}

/// One call, so that the first connection is not measured; throws if it fails.
void first_call(cluster& c, const std::string& component) {
  auto r = c.caller().call(component, bench_remote::echo_request{0, "warm"}, 5s);
  if (!r) throw std::runtime_error(component + ": " + cleave::describe(r.error()));
}

// -- B10 --------------------------------------------------------------------------------------

/// One variant: what it calls, and the latencies measured so far.
struct lane {
  const char* variant;
  /// Each call to the next of these.
  std::vector<std::string> components;
  bool remote;
  std::vector<int64_t> latencies_ns;
};

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

/// How the lanes of one group take turns: `rounds` rounds of a slice of each lane, the order
/// alternating (ABC, CBA, ...), so that a drift of the machine's load weighs on every lane alike.
struct turns {
  int rounds;
  ms warmup;
  ms slice;
};

void take_turns(cluster& c, std::vector<lane*> group, const turns& t) {
  for (int round = 0; round < t.rounds; ++round) {
    for (size_t i = 0; i < group.size(); ++i) {
      auto& l = *group[round % 2 == 0 ? i : group.size() - 1 - i];
      for (const auto& n : {"r1", "r2"}) c.check_running(n);
      auto r = bench_remote::run_cleave_load(c.caller().system(), l.components,
                                             spec(1, t.warmup, t.slice));
      if (r.errors > 0)
        throw std::runtime_error(std::string{l.variant} + ": " + std::to_string(r.errors) +
                                 " calls failed, the first: " + r.first_error);
      l.latencies_ns.insert(l.latencies_ns.end(), r.latencies_ns.begin(), r.latencies_ns.end());
    }
  }
}

}  // namespace

void run_b10(const run_context& ctx) {
  // In-process figures are steady: a few long slices. A remote round trip on these machines
  // lands near 50 us or near 100 us for stretches of time (docs/performance.md): many short
  // slices, so that every lane sees as nearly the same mixture as can be.
  const turns in_process = ctx.quick ? turns{1, 50ms, 200ms} : turns{3, 100ms, 500ms};
  const turns remote = ctx.quick ? turns{2, 20ms, 100ms} : turns{15, 20ms, 100ms};
  cluster c{ctx.bin_dir, ctx.sets};
  std::vector<lane> lanes{
      {"local", {names::local}, false, {}},
      {"local_round_robin", {names::local_round_robin}, false, {}},
      {"local_least_outstanding", {names::local_least_outstanding}, false, {}},
      {"single", {names::single}, true, {}},
      {"round_robin", {names::round_robin}, true, {}},
      {"least_outstanding", {names::least_outstanding}, true, {}},
      // Where a difference between single and round_robin comes from: the spread of the calls
      // over two nodes without a replica choice, and the choice without the spread.
      {"alternating", {names::single, names::single_r2}, true, {}},
      {"round_robin_one_up", {names::round_robin_one_up}, true, {}},
  };
  for (const auto& l : lanes)
    for (const auto& component : l.components) first_call(c, component);
  std::vector<lane*> local_lanes;
  std::vector<lane*> remote_lanes;
  for (auto& l : lanes) (l.remote ? remote_lanes : local_lanes).push_back(&l);
  take_turns(c, local_lanes, in_process);
  // The remote nodes were idle meanwhile: their threads sleep until calls come again.
  for (int i = 0; i < 100; ++i) first_call(c, names::round_robin);
  take_turns(c, remote_lanes, remote);
  // Both replicas took part (a replica not connected in time would have left all to the other).
  for (const auto* component : {names::round_robin, names::least_outstanding}) {
    auto r1 = c.served("r1", component);
    auto r2 = c.served("r2", component);
    std::cerr << component << ": r1 served " << r1 << " calls, r2 " << r2 << std::endl;
    if (r1 == 0 || r2 == 0) throw std::runtime_error(std::string{component} + ": one replica idle");
  }
  std::cerr << names::round_robin_one_up << ": r1 served "
            << c.served("r1", names::round_robin_one_up) << " calls (r3 is down)" << std::endl;
  for (const auto& l : lanes) {
    if (l.latencies_ns.empty()) throw std::runtime_error(std::string{l.variant} + ": no calls");
    std::cerr << "B10 " << l.variant << " (" << joined(l.components)
              << "): " << l.latencies_ns.size() << " calls, p50 " << median_us(l.latencies_ns)
              << " us, p99 " << percentile_us(l.latencies_ns, 0.99) << " us" << std::endl;
    cleave_bench::report("B10", l.remote ? "seq_rtt_us" : "seq_latency_us", l.variant,
                         median_us(l.latencies_ns));
  }
  auto problems = c.stop();
  if (!problems.empty()) throw std::runtime_error("a node did not stop cleanly:\n" + problems);
}

// -- B11 --------------------------------------------------------------------------------------

void run_b11(const run_context& ctx, failover how) {
  const char* variant = how == failover::none   ? "no_kill"
                        : how == failover::kill ? "kill"
                                                : "kill_idempotent";
  const ms warmup = ctx.quick ? 100ms : 300ms;
  const ms window = ctx.quick ? 1000ms : 3000ms;
  constexpr int callers = 4;
  const auto* component = names::round_robin;
  cluster c{ctx.bin_dir, ctx.sets};
  // Both replicas in rotation before the load starts: r2 has served a call.
  first_call(c, component);
  auto until = std::chrono::steady_clock::now() + 5s;
  while (c.served("r2", component) == 0) {
    if (std::chrono::steady_clock::now() > until)
      throw std::runtime_error("r2 served no call within 5 s");
    first_call(c, component);
  }
  // Nothing asks the nodes anything while the load runs (a status probe is a message on the
  // same connection): what r2 served of the load is told after it, from r1's count.
  auto r1_before = c.served("r1", component);
  auto r2_before = c.served("r2", component);
  auto s = spec(callers, warmup, window);
  s.idempotent = how == failover::kill_idempotent;
  s.record_starts = true;
  auto started = std::chrono::steady_clock::now();
  auto load = std::async(std::launch::async, [&c, component, s] {
    return bench_remote::run_cleave_load(c.caller().system(), component, s);
  });
  // A third into the measured window.
  std::this_thread::sleep_until(started + warmup + window / 3);
  auto kill_at = std::chrono::steady_clock::now();
  if (how != failover::none) {
    c.node("r2").signal(SIGKILL);
    if (!c.node("r2").wait(5s)) throw std::runtime_error("r2 still running after SIGKILL");
  }
  load_result r = load.get();
  // The calls that started within 20 ms of the kill (or, without one, of the same moment): the
  // slowest of them is what the failover cost the calls it caught, which the run's p99 hides.
  auto kill_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(kill_at - started - warmup);
  int64_t near = 0;
  int64_t slowest_near = 0;
  for (size_t i = 0; i < r.started_ns.size(); ++i)
    if (std::llabs(r.started_ns[i] - kill_ns.count()) <= 20'000'000) {
      ++near;
      slowest_near = std::max(slowest_near, r.latencies_ns[i]);
    }
  std::cerr << "B11 " << variant << ": " << near << " calls started within 20 ms of the "
            << (how != failover::none ? "kill" : "same moment") << ", the slowest took "
            << static_cast<double>(slowest_near) / 1e3 << " us" << std::endl;
  auto r1_served = c.served("r1", component) - r1_before;
  auto r2_served = how == failover::none ? c.served("r2", component) - r2_before
                                         : r.answered - std::min(r.answered, r1_served);
  std::cerr << "B11 " << variant << ": " << r.answered << " calls answered, r1 served " << r1_served
            << ", r2 " << r2_served
            << (how != failover::none ? " (the rest, before it was killed)" : "") << std::endl;
  if (r2_served == 0) throw std::runtime_error("r2 served no call of the load");
  auto other = r.errors - r.outcome_unknown;
  std::cerr << "B11 " << variant << ": " << r.latencies_ns.size() << " calls ok, p50 "
            << median_us(r.latencies_ns) << " us, p99 " << percentile_us(r.latencies_ns, 0.99)
            << " us, max " << percentile_us(r.latencies_ns, 1.0)
            << " us; failed: " << r.outcome_unknown << " outcome_unknown, " << other << " other"
            << (r.errors > 0 ? " (the first: " + r.first_error + ")" : std::string{}) << std::endl;
  if (r.latencies_ns.empty())
    throw std::runtime_error(std::string{variant} + ": no call succeeded");
  cleave_bench::report("B11", "p50_us", variant, median_us(r.latencies_ns));
  cleave_bench::report("B11", "p99_us", variant, percentile_us(r.latencies_ns, 0.99));
  cleave_bench::report("B11", "throughput_per_s", variant, r.per_s());
  cleave_bench::report("B11", "slowest_near_kill_us", variant,
                       static_cast<double>(slowest_near) / 1e3);
  cleave_bench::report("B11", "failed_outcome_unknown_calls", variant,
                       static_cast<double>(r.outcome_unknown));
  cleave_bench::report("B11", "failed_other_calls", variant, static_cast<double>(other));
  auto problems = c.stop();
  if (!problems.empty()) throw std::runtime_error("a node did not stop cleanly:\n" + problems);
}

}  // namespace bench_replicas
