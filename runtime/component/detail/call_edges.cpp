#include "runtime/component/detail/call_edges.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <utility>

namespace cleave::detail {

namespace {

thread_local const std::string* current = nullptr;

struct edge_table {
  std::mutex mtx;
  /// (caller, callee) -> the edge's cells; unique_ptr: references handed out stay valid.
  std::map<std::pair<std::string, std::string>, std::vector<std::unique_ptr<call_edge>>> edges;
  std::set<std::string> names;
};

/// Adds one to a counter only this thread writes: a load and a store, no locked instruction.
void bump(std::atomic<uint64_t>& x, uint64_t by = 1) {
  x.store(x.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

edge_table& table() {
  // Never destroyed: threads may record calls while the process exits.
  static auto* t = new edge_table;
  return *t;
}

}  // namespace

size_t call_edge_bucket(uint64_t us) {
  return static_cast<size_t>(
      std::lower_bound(call_edge_bounds_us.begin(), call_edge_bounds_us.end(), us) -
      call_edge_bounds_us.begin());
}

void call_edge::record(bool failed, std::chrono::steady_clock::duration elapsed) {
  auto us = static_cast<uint64_t>(
      std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()));
  bump(calls);
  if (failed) bump(errors);
  bump(latency_sum_us, us);
  bump(buckets[call_edge_bucket(us)]);
}

call_edge& new_call_edge_cell(const std::string* caller, const std::string& callee) {
  auto& t = table();
  std::lock_guard<std::mutex> guard{t.mtx};
  auto& cells = t.edges[{caller != nullptr ? *caller : std::string{}, callee}];
  cells.push_back(std::make_unique<call_edge>());
  return *cells.back();
}

std::vector<call_edge_counts> call_edges_snapshot() {
  auto& t = table();
  std::vector<call_edge_counts> out;
  std::lock_guard<std::mutex> guard{t.mtx};
  out.reserve(t.edges.size());
  for (const auto& [key, cells] : t.edges) {
    call_edge_counts c;
    c.caller = key.first;
    c.callee = key.second;
    c.buckets.assign(call_edge_buckets, 0);
    for (const auto& cell : cells) {
      c.calls += cell->calls.load(std::memory_order_relaxed);
      c.errors += cell->errors.load(std::memory_order_relaxed);
      c.latency_sum_us += cell->latency_sum_us.load(std::memory_order_relaxed);
      for (size_t i = 0; i < call_edge_buckets; ++i)
        c.buckets[i] += cell->buckets[i].load(std::memory_order_relaxed);
    }
    out.push_back(std::move(c));
  }
  return out;
}

double call_edge_quantile_us(const std::vector<uint64_t>& buckets, double q) {
  uint64_t total = 0;
  for (auto n : buckets) total += n;
  if (total == 0) return -1;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the quantile among the calls, 1-based: the median of 3 calls is the 2nd.
  auto rank = std::max(1.0, q * static_cast<double>(total));
  double below = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    auto n = static_cast<double>(buckets[i]);
    if (n == 0 || below + n < rank) {
      below += n;
      continue;
    }
    auto lower = i == 0 ? 0.0 : static_cast<double>(call_edge_bounds_us[i - 1]);
    if (i >= call_edge_bounds_us.size()) return lower;
    auto upper = static_cast<double>(call_edge_bounds_us[i]);
    return lower + (upper - lower) * (rank - below) / n;
  }
  return static_cast<double>(call_edge_bounds_us.back());
}

const std::string* intern_component_name(const std::string& name) {
  auto& t = table();
  std::lock_guard<std::mutex> guard{t.mtx};
  return &*t.names.insert(name).first;
}

const std::string* current_caller() {
  return current;
}

caller_scope::caller_scope(const std::string* caller) : previous_(current) {
  current = caller;
}

caller_scope::~caller_scope() {
  current = previous_;
}

}  // namespace cleave::detail
