// ticker: beats on a timer. A change of interval starts a new generation of ticks; ticks of an
// older generation are ignored when they arrive, so no timer needs cancelling.
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/heartbeat/heartbeat.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/core/console.hpp"
#include "runtime/core/error.hpp"
#include "runtime/core/log.hpp"

namespace heartbeat {

namespace {

constexpr int64_t default_interval_ms = 60000;
constexpr int64_t max_interval_ms = 24LL * 3600 * 1000;

/// A timer tick of generation `generation`.
struct tick {
  int64_t generation = 0;
};
CLEAVE_MESSAGE(tick, generation)

struct ticker_state {
  int64_t beats = 0;
  int64_t interval_ms = default_interval_ms;
  int64_t generation = 0;
};

void schedule(caf::stateful_actor<ticker_state>* self) {
  self->delayed_send(self, std::chrono::milliseconds(self->state.interval_ms),
                     tick{self->state.generation});
}

caf::error check_interval(int64_t ms) {
  if (ms <= 0 || ms > max_interval_ms)
    return cleave::make_error(cleave::errc::invalid_argument, "field \"ms\": expected 1.." +
                                                                  std::to_string(max_interval_ms) +
                                                                  ", found " + std::to_string(ms));
  return caf::none;
}

caf::behavior ticker(caf::stateful_actor<ticker_state>* self,
                     const cleave::component_context& ctx) {
  auto config = ctx.config_as<ticker_config>();
  if (!config) throw std::invalid_argument(cleave::describe(config.error()));
  if (config->interval_ms) {
    if (auto err = check_interval(*config->interval_ms))
      throw std::invalid_argument("config.interval_ms: " + cleave::what(err));
    self->state.interval_ms = *config->interval_ms;
  }
  schedule(self);
  return cleave::handlers(
      [=](const tick& t) {
        if (t.generation != self->state.generation) return;
        ++self->state.beats;
        cleave::say("bump,Bump... @ " + cleave::utc_timestamp());
        schedule(self);
      },
      [](const ping&) { return pong{"PONG"}; },
      [=](const get_beats&) { return beat_count{self->state.beats}; },
      [=](const set_interval& req) -> caf::result<interval> {
        if (auto err = check_interval(req.ms)) return err;
        self->state.interval_ms = req.ms;
        ++self->state.generation;
        schedule(self);
        return interval{req.ms};
      });
}

}  // namespace

cleave::component ticker_component() {
  return cleave::component::make<ping, get_beats, set_interval, tick>("ticker", ticker);
}

}  // namespace heartbeat
