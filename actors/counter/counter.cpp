// counter: keeps the running total; overflow is refused rather than wrapped.
#include "actors/counter/counter.hpp"

#include <limits>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "runtime/component/handlers.hpp"
#include "runtime/core/error.hpp"

namespace counter {

namespace {

struct counter_state {
  int64_t total = 0;
};

caf::behavior counter_impl(caf::stateful_actor<counter_state>* self,
                           const cleave::component_context&) {
  return cleave::handlers([=](const add& req) -> caf::result<total> {
    int64_t sum = 0;
    if (__builtin_add_overflow(self->state.total, req.v, &sum))
      return cleave::make_error(cleave::errc::invalid_argument,
                                "field \"v\": the total would overflow");
    self->state.total = sum;
    return total{sum};
  });
}

}  // namespace

cleave::component counter_component() {
  return cleave::component::make<add>("counter", counter_impl);
}

}  // namespace counter
