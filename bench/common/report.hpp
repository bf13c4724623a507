// What every benchmark program prints: one result per line on stdout, as one-line JSON, read by
// the bench runner (bench/runner), which repeats each program, takes medians and compares:
//
//   {"bench":"B3","metric":"seq_rtt_us","variant":"cleave","value":101.5}
//
// `bench` is the id of bench/README.md (B1..B11); `variant` names what was measured ("cleave",
// "raw_caf", "poco_http", ...); `metric` ends with its unit: _us, _ms, _per_s, _bytes, _percent,
// _calls (a count of calls).
// Anything else a program prints (progress, Google Benchmark's console table) goes to stderr.
#pragma once

#include <cstdio>
#include <string>

namespace cleave_bench {

/// Appended to every variant a program reports (its `--variant-suffix`): the same program run
/// again under other settings (plain connections between nodes, "_plain") reports beside the
/// first run instead of mixing with it.
inline std::string& variant_suffix() {
  static std::string suffix;
  return suffix;
}

inline void report(const std::string& bench, const std::string& metric, const std::string& variant,
                   double value) {
  std::printf("{\"bench\":\"%s\",\"metric\":\"%s\",\"variant\":\"%s%s\",\"value\":%.6g}\n",
              bench.c_str(), metric.c_str(), variant.c_str(), variant_suffix().c_str(), value);
  std::fflush(stdout);
}

/// True if `--quick` is among the arguments: shorter runs for the CI smoke test.
inline bool quick_mode(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string{argv[i]} == "--quick") return true;
  return false;
}

}  // namespace cleave_bench
