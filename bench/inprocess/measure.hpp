// Benchmark bodies: each runs batches from Google Benchmark's loop and sets its result as a user
// counter named after the metric (the reporter prints every counter as one result line).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <caf/actor.hpp>

namespace inproc {

/// Median round-trip time in µs of sequential calls (one outstanding) from `driver`, as `metric`.
void measure_seq_latency(benchmark::State& state, const caf::actor& driver,
                         const std::string& payload, const std::string& metric);

/// Completed calls per second with `drivers` keeping `window` calls outstanding each, as `metric`.
void measure_throughput(benchmark::State& state, const std::vector<caf::actor>& drivers, int window,
                        int64_t calls_per_batch, const std::string& metric);

/// Median time in µs of one `op()`, timed in batches, as `metric`.
void measure_op(benchmark::State& state, const std::function<void()>& op,
                const std::string& metric);

/// Resident set size of this process in bytes (/proc/self/statm), or 0 if unknown.
int64_t resident_bytes();

}  // namespace inproc
