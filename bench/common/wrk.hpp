// wrk's text report read back: requests/s, the latency percentiles of --latency, and the answers
// that were not 2xx (B6, B12).
#pragma once

#include <algorithm>
#include <optional>
#include <regex>
#include <string>

namespace cleave_bench {

struct wrk_figures {
  double requests_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
  double not_2xx = 0;
};

/// "1.43ms" / "512.00us" / "2.1s" -> microseconds (-1 if it is none of those).
inline double wrk_duration_us(const std::string& text) {
  std::smatch m;
  if (!std::regex_match(text, m, std::regex{R"(([0-9.]+)(us|ms|s))"})) return -1;
  double x = std::stod(m[1]);
  if (m[2] == "ms") return x * 1e3;
  if (m[2] == "s") return x * 1e6;
  return x;
}

/// The first number `re` captures in `text` (-1 if none).
inline double find_number(const std::string& text, const std::regex& re) {
  std::smatch m;
  return std::regex_search(text, m, re) ? std::stod(m[1]) : -1;
}

/// The figures of `wrk --latency` output, or nullopt if it has none.
inline std::optional<wrk_figures> parse_wrk(const std::string& out) {
  wrk_figures f;
  f.requests_per_s = find_number(out, std::regex{R"(Requests/sec:\s+([0-9.]+))"});
  std::smatch p50;
  std::smatch p99;
  if (f.requests_per_s < 0 || !std::regex_search(out, p50, std::regex{R"(\n\s+50%\s+(\S+))"}) ||
      !std::regex_search(out, p99, std::regex{R"(\n\s+99%\s+(\S+))"}))
    return std::nullopt;
  f.p50_us = wrk_duration_us(p50[1]);
  f.p99_us = wrk_duration_us(p99[1]);
  f.not_2xx =
      std::max(0.0, find_number(out, std::regex{R"(Non-2xx or 3xx responses:\s+([0-9]+))"}));
  return f;
}

}  // namespace cleave_bench
