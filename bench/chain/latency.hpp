// Latency samples of one variant and the figures B5 reports from them.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <vector>

namespace chain_bench {

/// How long one variant runs: `warmup` unrecorded requests, then sequential requests until
/// `max_samples` are recorded or `budget` has passed (whichever comes first).
struct loop_plan {
  int warmup = 500;
  int max_samples = 20000;
  std::chrono::steady_clock::duration budget = std::chrono::seconds(8);
};

struct latency_summary {
  std::size_t samples = 0;
  double p50_us = 0;
  double p99_us = 0;
};

/// The value at quantile `q` (nearest rank) of sorted `xs`.
inline double quantile(const std::vector<double>& xs, double q) {
  if (xs.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(xs.size())));
  return xs[std::clamp<std::size_t>(rank, 1, xs.size()) - 1];
}

inline latency_summary summarize(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  return {us.size(), quantile(us, 0.50), quantile(us, 0.99)};
}

inline double micros(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

}  // namespace chain_bench
