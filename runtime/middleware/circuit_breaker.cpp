#include "runtime/middleware/circuit_breaker.hpp"

#include <atomic>
#include <string>

#include "runtime/core/error.hpp"
#include "runtime/gateway/errors.hpp"

namespace cleave::middleware {

caf::error validate(const circuit_breaker_config& cfg) {
  if (cfg.failure_threshold < 1)
    return make_error(errc::invalid_argument,
                      "circuit_breaker.failure_threshold: must be >= 1, found " +
                          std::to_string(cfg.failure_threshold));
  if (cfg.cool_down <= std::chrono::milliseconds::zero())
    return make_error(errc::invalid_argument, "circuit_breaker.cool_down: must be > 0 ms, found " +
                                                  std::to_string(cfg.cool_down.count()));
  if (!(cfg.failure_rate >= 0 && cfg.failure_rate <= 1))
    return make_error(errc::invalid_argument,
                      "circuit_breaker.failure_rate: must be from 0 to 1, found " +
                          std::to_string(cfg.failure_rate));
  if (cfg.window < std::chrono::milliseconds{10})
    return make_error(errc::invalid_argument, "circuit_breaker.window: must be >= 10 ms, found " +
                                                  std::to_string(cfg.window.count()));
  if (cfg.min_requests < 1)
    return make_error(errc::invalid_argument, "circuit_breaker.min_requests: must be >= 1, found " +
                                                  std::to_string(cfg.min_requests));
  return caf::none;
}

caf::expected<std::shared_ptr<breaker>> breaker::make(const circuit_breaker_config& cfg,
                                                      clock_fn now) {
  if (auto err = validate(cfg)) return err;
  return std::shared_ptr<breaker>{new breaker(cfg, std::move(now))};
}

breaker::breaker(const circuit_breaker_config& cfg, clock_fn now)
    : cfg_(cfg), now_(std::move(now)) {}

void breaker::on_change(std::function<void(state, state)> f) {
  std::lock_guard<std::mutex> guard{mutex_};
  on_change_ = std::move(f);
}

void breaker::enter(state next, std::chrono::steady_clock::time_point at) {
  if (next != state_ && on_change_) on_change_(state_, next);
  state_ = next;
  ++generation_;
  consecutive_failures_ = 0;
  since_ = at;
  buckets_.fill(bucket{});
}

bool breaker::rate_exceeded(bool success, std::chrono::steady_clock::time_point now) {
  if (cfg_.failure_rate <= 0) return false;
  auto tenth = std::chrono::duration_cast<std::chrono::nanoseconds>(cfg_.window) / 10;
  auto index = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()) / tenth;
  auto& b = buckets_[static_cast<size_t>(index % 10)];
  if (b.index != index) b = bucket{index, 0, 0};
  ++b.requests;
  if (!success) ++b.failures;
  int64_t requests = 0;
  int64_t failures = 0;
  for (const auto& x : buckets_)
    if (x.index > index - 10) {
      requests += x.requests;
      failures += x.failures;
    }
  return requests >= cfg_.min_requests &&
         static_cast<double>(failures) >= cfg_.failure_rate * static_cast<double>(requests);
}

breaker::ticket breaker::acquire() {
  auto now = now_();
  std::lock_guard<std::mutex> guard{mutex_};
  switch (state_) {
    case state::closed:
      return {true, std::chrono::nanoseconds{0}, generation_};
    case state::open:
    case state::half_open: {
      // Open: wait out the cool-down. Half-open: a probe is in flight; if it has not reported
      // within a cool-down it is taken as lost (its late result is then ignored, being of an
      // older generation) so that the breaker cannot stay half-open forever.
      auto until = since_ + cfg_.cool_down;
      if (now < until) return {false, until - now, generation_};
      enter(state::half_open, now);
      return {true, std::chrono::nanoseconds{0}, generation_};
    }
  }
  return {};
}

void breaker::release(const ticket& t, bool success) {
  auto now = now_();
  std::lock_guard<std::mutex> guard{mutex_};
  if (!t.allowed || t.generation != generation_) return;
  switch (state_) {
    case state::closed:
      consecutive_failures_ = success ? 0 : consecutive_failures_ + 1;
      if (rate_exceeded(success, now) || consecutive_failures_ >= cfg_.failure_threshold)
        enter(state::open, now);
      break;
    case state::half_open:
      enter(success ? state::closed : state::open, now);
      break;
    case state::open:
      break;  // cannot happen: open admits nothing in its own generation
  }
}

breaker::state breaker::current() const {
  auto now = now_();
  std::lock_guard<std::mutex> guard{mutex_};
  if (state_ == state::open && now >= since_ + cfg_.cool_down) return state::half_open;
  return state_;
}

const char* to_string(breaker::state x) {
  switch (x) {
    case breaker::state::closed:
      return "closed";
    case breaker::state::open:
      return "open";
    case breaker::state::half_open:
      return "half_open";
  }
  return "unknown";
}

http_middleware circuit_breaker(std::shared_ptr<breaker> b) {
  return [b = std::move(b)](http_handler next) -> http_handler {
    return [b, next = std::move(next)](http_request& req, http_respond respond) {
      auto t = b->acquire();
      if (!t.allowed) {
        auto res = error_reply(503, "circuit open", req.request_id);
        res.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds(t.retry_after)));
        respond(std::move(res));
        return;
      }
      // One outcome per ticket: a handler may answer and then throw, or answer twice, and a
      // second release would count one request twice.
      auto released = std::make_shared<std::atomic<bool>>(false);
      try {
        next(req, [b, t, released, respond = std::move(respond)](http_response res) {
          if (released->exchange(true)) return;
          b->release(t, res.status < 500);
          respond(std::move(res));
        });
      } catch (...) {
        if (!released->exchange(true)) b->release(t, false);
        throw;
      }
    };
  };
}

}  // namespace cleave::middleware
