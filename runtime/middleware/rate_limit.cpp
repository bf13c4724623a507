#include "runtime/middleware/rate_limit.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "runtime/core/error.hpp"
#include "runtime/gateway/errors.hpp"

namespace cleave::middleware {

namespace {

constexpr double max_rate = 1e9;  // one token per nanosecond: the clock's resolution
constexpr int64_t max_burst = 1'000'000'000;
constexpr double max_refill_seconds = 1e9;  // keeps interval * burst far below int64 nanoseconds

// The shortest text that reads back as `x` ("0", "2.5", "1e+300"), unlike std::to_string's "%f".
std::string number_text(double x) {
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, result.ptr);
}

}  // namespace

caf::error validate(const rate_limit_config& cfg) {
  // Written as !(x > 0) so that NaN is refused too.
  if (!(cfg.rate > 0) || !(cfg.rate <= max_rate))
    return make_error(errc::invalid_argument,
                      "rate_limit.rate: must be > 0 and <= 1e9 tokens per second, found " +
                          number_text(cfg.rate));
  if (cfg.burst < 1 || cfg.burst > max_burst)
    return make_error(errc::invalid_argument, "rate_limit.burst: must be >= 1 and <= 1e9, found " +
                                                  std::to_string(cfg.burst));
  if (static_cast<double>(cfg.burst) / cfg.rate > max_refill_seconds)
    return make_error(errc::invalid_argument, "rate_limit.burst: a bucket of " +
                                                  std::to_string(cfg.burst) + " tokens at rate " +
                                                  number_text(cfg.rate) +
                                                  " would take more than 1e9 seconds to refill");
  return caf::none;
}

caf::expected<std::shared_ptr<token_bucket>> token_bucket::make(const rate_limit_config& cfg,
                                                                clock_fn now) {
  if (auto err = validate(cfg)) return err;
  return std::shared_ptr<token_bucket>{new token_bucket(cfg, std::move(now))};
}

token_bucket::token_bucket(const rate_limit_config& cfg, clock_fn now)
    : now_(std::move(now)),
      interval_ns_(std::max<int64_t>(1, std::llround(1e9 / cfg.rate))),
      tolerance_ns_(interval_ns_ * (cfg.burst - 1)),
      burst_(cfg.burst),
      full_at_ns_(std::numeric_limits<int64_t>::min()) {}

int64_t token_bucket::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(now_().time_since_epoch()).count();
}

token_bucket::decision token_bucket::try_take() {
  auto now = now_ns();
  auto full_at = full_at_ns_.load(std::memory_order_relaxed);
  for (;;) {
    // A full time in the past means a full bucket: time spent full earns nothing.
    auto base = std::max(full_at, now);
    if (base - now > tolerance_ns_)
      return {false, std::chrono::nanoseconds{base - now - tolerance_ns_}};
    if (full_at_ns_.compare_exchange_weak(full_at, base + interval_ns_, std::memory_order_relaxed))
      return {true, std::chrono::nanoseconds{0}};
  }
}

int64_t token_bucket::available() const {
  auto now = now_ns();
  auto full_at = full_at_ns_.load(std::memory_order_relaxed);
  if (full_at <= now) return burst_;
  auto ahead = full_at - now;
  if (ahead > tolerance_ns_) return 0;
  return (tolerance_ns_ - ahead) / interval_ns_ + 1;
}

http_middleware rate_limit(std::shared_ptr<token_bucket> bucket) {
  return [bucket = std::move(bucket)](http_handler next) -> http_handler {
    return [bucket, next = std::move(next)](http_request& req, http_respond respond) {
      auto decision = bucket->try_take();
      if (decision.allowed) {
        next(req, std::move(respond));
        return;
      }
      auto res = error_reply(429, "rate limit exceeded", req.request_id);
      res.headers.emplace_back("Retry-After",
                               std::to_string(retry_after_seconds(decision.retry_after)));
      respond(std::move(res));
    };
  };
}

}  // namespace cleave::middleware
