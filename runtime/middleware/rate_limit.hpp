// Rate limiting: a token bucket, and the middleware that answers 429 when it is empty.
//
// The bucket holds up to `burst` tokens and gains `rate` tokens per second; each request takes
// one. A request that finds no token is refused at once with 429, `{"error":"rate limit
// exceeded","request_id":"..."}` (runtime/gateway/errors.hpp) and a Retry-After header saying
// in whole seconds (rounded up, at least 1) when a token will be there. One bucket limits
// everything it wraps: share one across routes for a global limit, or make one per route.
//
//   auto bucket = cleave::middleware::token_bucket::make({/*rate=*/50, /*burst=*/100});
//   if (!bucket) return bucket.error();          // invalid_argument naming the field
//   auto limited = cleave::middleware::rate_limit(*bucket)(handler);
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "runtime/gateway/http.hpp"
#include "runtime/middleware/clock.hpp"

namespace cleave::middleware {

struct rate_limit_config {
  /// Tokens added per second. Default 100; must be > 0 and <= 1e9.
  double rate = 100;
  /// Capacity: how many requests may pass back to back after a quiet spell. Default 100; must be
  /// >= 1 and <= 1e9, and burst / rate (seconds to refill) at most 1e9.
  int64_t burst = 100;
};

/// None if `cfg` is valid, else errc::invalid_argument naming the field, e.g.
/// "rate_limit.rate: must be > 0, found 0".
caf::error validate(const rate_limit_config& cfg);

/// A thread-safe, lock-free token bucket.
///
/// Implemented as the generic cell rate algorithm: instead of a token count it keeps the time at
/// which the bucket will be full again, in integer nanoseconds. That is the same limit as a
/// token bucket, but one atomic word can hold it (a CAS loop, no mutex) and no floating-point
/// refill arithmetic can lose a token at the boundaries.
class token_bucket {
 public:
  // -- member types ---------------------------------------------------------

  struct decision {
    /// True if a token was taken.
    bool allowed = false;
    /// When refused: how long until a token is there. Zero when allowed.
    std::chrono::nanoseconds retry_after{0};
  };

  // -- constructors ---------------------------------------------------------

  /// A full bucket; fails with errc::invalid_argument if `cfg` is invalid (see validate).
  static caf::expected<std::shared_ptr<token_bucket>> make(const rate_limit_config& cfg,
                                                           clock_fn now = steady_now);

  token_bucket(const token_bucket&) = delete;
  token_bucket& operator=(const token_bucket&) = delete;

  // -- operations -----------------------------------------------------------

  /// Takes one token if there is one.
  decision try_take();

  /// Whole tokens in the bucket now (for /debug/vars and tests); does not take any.
  int64_t available() const;

 private:
  token_bucket(const rate_limit_config& cfg, clock_fn now);
  int64_t now_ns() const;

  clock_fn now_;
  /// Nanoseconds per token.
  int64_t interval_ns_;
  /// How far ahead of now the full time may be while a token is left: interval * (burst - 1).
  int64_t tolerance_ns_;
  int64_t burst_;
  /// The "theoretical arrival time": when the bucket would be full again, in clock nanoseconds.
  /// Starts in the far past, so the bucket starts full.
  std::atomic<int64_t> full_at_ns_;
};

/// Middleware: passes a request on if `bucket` has a token, else answers 429 with Retry-After.
http_middleware rate_limit(std::shared_ptr<token_bucket> bucket);

}  // namespace cleave::middleware
