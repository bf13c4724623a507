// Circuit breaking: stop sending requests to something that keeps failing, and try again later.
//
// A failure is a 5xx answer, however late it comes, or a handler that throws before answering (a
// handler that never answers reports nothing: as a probe it is taken as lost). The breaker is
//   closed     requests pass; after `failure_threshold` consecutive failures it opens, or (if
//              `failure_rate` is set) when at least that share of the requests that ended within
//              the last `window` failed, once `min_requests` ended there;
//   open       requests are answered at once with 503 `{"error":"circuit open","request_id":
//              "..."}` (runtime/gateway/errors.hpp) and a
//              Retry-After (seconds left of the cool-down, rounded up); after `cool_down` the
//              next request moves it to half-open;
//   half_open  that one request (the probe) passes, others get 503 while it runs; the probe's
//              success closes the breaker, its failure opens it for another cool-down (a probe
//              that has not reported within a cool-down is taken as lost, and another let through).
// Results of requests admitted before a state change are ignored (a slow success from before
// the breaker opened must not close it). One breaker guards everything it wraps: make one per
// route or per component.
//
//   namespace mw = cleave::middleware;
//   auto b = mw::breaker::make({/*failure_threshold=*/5, std::chrono::seconds{10}});
//   if (!b) return b.error();
//   auto h = mw::circuit_breaker(*b)(handler);
//   ... (*b)->current() == mw::breaker::state::open ...
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "runtime/gateway/http.hpp"
#include "runtime/middleware/clock.hpp"

namespace cleave::middleware {

struct circuit_breaker_config {
  /// Consecutive failures that open the breaker. Default 5; must be >= 1.
  int64_t failure_threshold = 5;
  /// How long the breaker stays open before it lets one probe through. Default 10 s; must be > 0.
  std::chrono::milliseconds cool_down{10'000};
  /// Share of failed requests (0 < rate <= 1) over `window` that opens the breaker too; 0
  /// (default) = only consecutive failures open it.
  double failure_rate = 0;
  /// The window of `failure_rate`, counted in tenths (a request leaves it within a tenth of
  /// `window` after it is older). Default 10 s; must be >= 10 ms.
  std::chrono::milliseconds window{10'000};
  /// Requests that must have ended within the window before `failure_rate` is looked at (so that
  /// one failure out of one is not 100 %). Default 20; must be >= 1.
  int64_t min_requests = 20;
};

/// None if `cfg` is valid, else errc::invalid_argument naming the field.
caf::error validate(const circuit_breaker_config& cfg);

/// The breaker's state machine; thread-safe (a mutex, held only to decide, never across a call).
class breaker {
 public:
  // -- member types ---------------------------------------------------------

  enum class state { closed, open, half_open };

  /// The answer to "may this request pass?".
  struct ticket {
    bool allowed = false;
    /// When refused: how long until a probe may be let through.
    std::chrono::nanoseconds retry_after{0};
    /// The state change count when admitted; a result from an older generation is ignored.
    uint64_t generation = 0;
  };

  // -- constructors ---------------------------------------------------------

  /// A closed breaker; fails with errc::invalid_argument if `cfg` is invalid.
  static caf::expected<std::shared_ptr<breaker>> make(const circuit_breaker_config& cfg,
                                                      clock_fn now = steady_now);

  breaker(const breaker&) = delete;
  breaker& operator=(const breaker&) = delete;

  // -- operations -----------------------------------------------------------

  /// Decides whether a request may pass now; an open breaker whose cool-down is over becomes
  /// half-open and admits this request as its probe.
  ticket acquire();

  /// Reports the outcome of a request that `acquire` admitted.
  void release(const ticket& t, bool success);

  /// The state now (an open breaker past its cool-down reads as half_open).
  state current() const;

  /// Calls `f(from, to)` at every change of state from now on (under the breaker's lock: keep it
  /// short, and do not call back into the breaker).
  void on_change(std::function<void(state from, state to)> f);

 private:
  breaker(const circuit_breaker_config& cfg, clock_fn now);
  void enter(state next, std::chrono::steady_clock::time_point at);
  /// Counts an outcome in the window; true if the failure rate now opens the breaker.
  bool rate_exceeded(bool success, std::chrono::steady_clock::time_point now);

  /// Outcomes that ended within one tenth of the window.
  struct bucket {
    int64_t index = -1;  // (time since epoch) / (window / 10); -1 = unused
    int64_t requests = 0;
    int64_t failures = 0;
  };

  const circuit_breaker_config cfg_;
  const clock_fn now_;
  mutable std::mutex mutex_;
  state state_ = state::closed;
  uint64_t generation_ = 0;
  int64_t consecutive_failures_ = 0;
  /// When the current state was entered: the cool-down (open) or the probe (half-open) started.
  std::chrono::steady_clock::time_point since_{};
  std::function<void(state, state)> on_change_;
  std::array<bucket, 10> buckets_{};
};

/// "closed", "open" or "half_open".
const char* to_string(breaker::state x);

/// Middleware: passes requests through `b`, counting 5xx responses and exceptions as failures.
http_middleware circuit_breaker(std::shared_ptr<breaker> b);

}  // namespace cleave::middleware
