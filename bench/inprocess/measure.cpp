#include "bench/inprocess/measure.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <numeric>

#include <unistd.h>

#include "bench/inprocess/driver.hpp"

namespace inproc {

namespace {

/// Sequential calls per Google Benchmark iteration.
constexpr int64_t seq_batch = 200;

/// Operations timed together in measure_op (one is too short for the clock).
constexpr int op_batch = 1000;

double median(std::vector<double> xs) {
  if (xs.empty()) return 0;
  auto mid = xs.begin() + static_cast<std::ptrdiff_t>(xs.size() / 2);
  std::nth_element(xs.begin(), mid, xs.end());
  return *mid;
}

/// "p90 .. p99 .. mean .." of `xs` (sorted here): the tail the median hides, for the console.
std::string distribution(std::vector<double>& xs) {
  if (xs.empty()) return "";
  std::sort(xs.begin(), xs.end());
  auto at = [&](double q) {
    return xs[static_cast<size_t>(q * static_cast<double>(xs.size() - 1))];
  };
  double mean = std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(xs.size());
  char text[128];
  std::snprintf(text, sizeof text, "p90 %.2f p99 %.2f mean %.2f us", at(0.9), at(0.99), mean);
  return text;
}

}  // namespace

void measure_seq_latency(benchmark::State& state, const caf::actor& driver,
                         const std::string& payload, const std::string& metric) {
  std::vector<double> samples;
  for (auto _ : state) {
    auto r = run_batch({driver}, payload, seq_batch, 1, true);
    if (!r.error.empty()) {
      state.SkipWithError(r.error.c_str());
      return;
    }
    samples.insert(samples.end(), r.samples_us.begin(), r.samples_us.end());
  }
  state.counters[metric] = median(samples);
  state.SetLabel(distribution(samples));
}

void measure_throughput(benchmark::State& state, const std::vector<caf::actor>& drivers, int window,
                        int64_t calls_per_batch, const std::string& metric) {
  std::chrono::duration<double> elapsed{0};
  int64_t calls = 0;
  for (auto _ : state) {
    auto r = run_batch(drivers, std::string(16, 'x'), calls_per_batch, window, false);
    if (!r.error.empty()) {
      state.SkipWithError(r.error.c_str());
      return;
    }
    elapsed += r.elapsed;
    calls += calls_per_batch;
  }
  state.counters[metric] = elapsed.count() > 0 ? static_cast<double>(calls) / elapsed.count() : 0;
}

void measure_op(benchmark::State& state, const std::function<void()>& op,
                const std::string& metric) {
  std::vector<double> samples;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < op_batch; ++i) op();
    std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
    samples.push_back(took.count() / op_batch);
  }
  state.counters[metric] = median(std::move(samples));
}

int64_t resident_bytes() {
  std::ifstream in{"/proc/self/statm"};
  int64_t size = 0;
  int64_t resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * sysconf(_SC_PAGESIZE);
}

}  // namespace inproc
