// Small helpers of the remote benchmark client: percentiles and a process's CPU time.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace bench_remote {

/// The `p` quantile (0..1) of `ns` in µs (nearest rank); 0 for no samples.
inline double percentile_us(std::vector<int64_t> ns, double p) {
  if (ns.empty()) return 0;
  auto rank = static_cast<size_t>(p * static_cast<double>(ns.size()));
  rank = std::min(rank, ns.size() - 1);
  std::nth_element(ns.begin(), ns.begin() + static_cast<std::ptrdiff_t>(rank), ns.end());
  return static_cast<double>(ns[rank]) / 1e3;
}

inline double median_us(std::vector<int64_t> ns) {
  return percentile_us(std::move(ns), 0.5);
}

/// utime + stime of process `pid` in seconds (from /proc/PID/stat), if it can be read.
inline std::optional<double> cpu_seconds(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // The command name (field 2) may contain spaces; the fields after it are plain numbers.
  auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest{text.substr(close + 1)};
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  for (std::string f; rest >> f;) fields.push_back(f);
  if (fields.size() < 13) return std::nullopt;
  double ticks = std::stod(fields[11]) + std::stod(fields[12]);  // fields 14 and 15
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace bench_remote
