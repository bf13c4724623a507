// The call graph of one process, as its callers see it: for each edge (calling component ->
// called component) the calls, the failed ones and a histogram of their latencies. The dashboard
// (runtime/node/dashboard.hpp) reads it through the node's status probe and admin port.
//
//   detail::caller_scope scope{detail::intern_component_name("orders")};  // code of "orders" runs
//   auto& cell = detail::new_call_edge_cell(detail::current_caller(), "users");  // this thread's
//   cell.record(false, elapsed);
//   for (const auto& e : detail::call_edges_snapshot()) ...   // caller, callee, counts, buckets
//
// Recording sits on the in-process call's hot path (call_metrics.cpp caches a cell per thread):
// each thread counts in cells of its own, which only it writes, so a call costs a few plain
// stores and no atomic read-modify-write or cache line shared between threads (measured: shared
// counters cost the in-process benchmark B1 about 8 % of its throughput). A snapshot adds up the
// cells. Edges and cells are never removed; there are at most as many edges as pairs of component
// names, and as many cells per edge as threads that called along it; a component name is
// interned once (never freed).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace cleave::detail {

/// Upper bounds (µs, inclusive) of the latency buckets of an edge, a 1-2-5 series from 10 µs to
/// 10 s; one more bucket counts what is slower.
inline constexpr std::array<uint64_t, 19> call_edge_bounds_us = {
    10,    20,    50,     100,    200,    500,     1000,    2000,    5000,    10000,
    20000, 50000, 100000, 200000, 500000, 1000000, 2000000, 5000000, 10000000};

/// Buckets per edge: one per bound, and the overflow.
inline constexpr size_t call_edge_buckets = call_edge_bounds_us.size() + 1;

/// The index of the bucket counting a call that took `us` microseconds.
size_t call_edge_bucket(uint64_t us);

/// A share of one edge's counters, written by one thread only (record) and read by any
/// (call_edges_snapshot): atomics for the reads, but no read-modify-write.
class call_edge {
 public:
  /// Counts one call that ended after `elapsed`, `failed` (any outcome but ok) or not. Only ever
  /// from the one thread that owns this cell.
  void record(bool failed, std::chrono::steady_clock::duration elapsed);

  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> latency_sum_us{0};
  std::array<std::atomic<uint64_t>, call_edge_buckets> buckets{};
};

/// A copy of one edge's counters.
struct call_edge_counts {
  /// The calling component ("" when the call came from no component: a test, a tool, a driver).
  std::string caller;
  std::string callee;
  uint64_t calls = 0;
  uint64_t errors = 0;
  uint64_t latency_sum_us = 0;
  /// call_edge_buckets counts, by call_edge_bounds_us (not cumulative).
  std::vector<uint64_t> buckets;
};

/// A new cell of the edge from `caller` (an interned name or null for none) to `callee` (the edge
/// is made on first use), for the calling thread to record in, and no other; the reference stays
/// valid for the life of the process.
call_edge& new_call_edge_cell(const std::string* caller, const std::string& callee);

/// Every edge of this process, its cells added up, sorted by caller then callee.
std::vector<call_edge_counts> call_edges_snapshot();

/// Estimates the `q` quantile (0 < q <= 1) of the latencies counted in `buckets` (as in
/// call_edge_counts), in µs: linear within the bucket that holds it, so the error is at most that
/// bucket's width; the overflow bucket answers its lower bound. -1 if `buckets` counts nothing.
double call_edge_quantile_us(const std::vector<uint64_t>& buckets, double q);

/// The one stable copy of component name `name` (for caller_scope and new_call_edge_cell).
const std::string* intern_component_name(const std::string& name);

/// The component whose code runs on this thread (a handler, a callback of a call it made, a
/// coroutine handler resumed, a gateway's caller actor), or null.
const std::string* current_caller();

/// Sets current_caller() for its lifetime (restores the previous one after).
class caller_scope {
 public:
  explicit caller_scope(const std::string* caller);
  ~caller_scope();
  caller_scope(const caller_scope&) = delete;
  caller_scope& operator=(const caller_scope&) = delete;

 private:
  const std::string* previous_;
};

}  // namespace cleave::detail
