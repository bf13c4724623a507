// A clock that moves only when a test says so: middleware tests never sleep.
#pragma once

#include <chrono>

#include "runtime/middleware/clock.hpp"

namespace cleave::middleware::testing {

class fake_clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  /// Starts at an arbitrary, non-zero time (so that nothing relies on a zero epoch).
  fake_clock() : now_(std::chrono::hours{1000}) {}

  time_point now() const { return now_; }
  void advance(std::chrono::nanoseconds d) { now_ += d; }
  void set(time_point t) { now_ = t; }

  /// A clock_fn reading this clock (which must outlive it).
  clock_fn fn() {
    return [this] {
      return now_;
    };
  }

 private:
  time_point now_;
};

}  // namespace cleave::middleware::testing
