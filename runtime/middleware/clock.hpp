// The clock the middleware reads, injected so that tests decide what time it is.
//
//   cleave::middleware::clock_fn now = cleave::middleware::steady_now;   // production
//   auto t = std::chrono::steady_clock::time_point{};                    // a test
//   cleave::middleware::clock_fn fake = [&t] { return t; };
//
// Also here: retry_after_seconds, the Retry-After rounding shared by the 429 and 503 answers.
#pragma once

#include <chrono>
#include <functional>

namespace cleave::middleware {

/// Returns the current time of std::chrono::steady_clock, or a test's idea of it.
using clock_fn = std::function<std::chrono::steady_clock::time_point()>;

/// The real clock: std::chrono::steady_clock::now().
inline std::chrono::steady_clock::time_point steady_now() {
  return std::chrono::steady_clock::now();
}

/// Whole seconds for a Retry-After header: `wait` rounded up, at least 1 (0 would invite an
/// immediate retry that fails again).
inline long long retry_after_seconds(std::chrono::nanoseconds wait) {
  using std::chrono::seconds;
  auto whole = std::chrono::duration_cast<seconds>(wait);
  if (whole < wait) whole += seconds{1};
  return whole.count() < 1 ? 1 : static_cast<long long>(whole.count());
}

}  // namespace cleave::middleware
